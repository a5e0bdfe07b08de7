// KeepFreedMemoryForReuse: blocks freed by the process are handed out again
// without faulting their pages in a second time (glibc's defaults unmap a
// freed megabyte block, and the next one faults every page anew; jemalloc
// keeps freed pages for seconds before returning them).
#include "duban/process_memory.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace duban {
namespace {

long MinorFaults() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt;
}

// Allocates `count` blocks of `bytes`, touches every page, frees them;
// returns the faults taken.
long TouchFresh(size_t bytes, int count) {
  const long before = MinorFaults();
  std::vector<char*> blocks;
  for (int b = 0; b < count; ++b) {
    char* p = static_cast<char*>(std::malloc(bytes));
    if (!p) return -1;
    for (size_t i = 0; i < bytes; i += 4096) p[i] = static_cast<char>(i);
    // Keep the writes from being optimised away.
    volatile char sink = p[bytes / 2];
    (void)sink;
    blocks.push_back(p);
  }
  for (char* p : blocks) std::free(p);
  return MinorFaults() - before;
}

TEST(ProcessMemoryTest, AFreedBlockIsReusedWithoutFaultingItsPagesAgain) {
  KeepFreedMemoryForReuse();
  const size_t bytes = size_t{1} << 20;  // a RocksDB memtable arena block (1 MiB at most)
  const int count = 8;
  const long first = TouchFresh(bytes, count);
  ASSERT_GE(first, 0);
  const long again = TouchFresh(bytes, count);
  // 8 MiB is 2048 pages: with glibc's default settings the second round
  // faults about as many as the first. Reused memory takes (almost) none.
  EXPECT_LT(again, 64) << "first allocation took " << first << " faults";
}

}  // namespace
}  // namespace duban
