// KeepFreedMemoryForReuse: a block freed by the process is handed out again
// without faulting its pages in a second time (glibc's defaults unmap or trim
// a freed multi-megabyte block, and the next one faults every page anew).
#include "duban/process_memory.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>

namespace duban {
namespace {

long MinorFaults() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt;
}

// Allocates `bytes`, touches every page, frees it; returns the faults taken.
long TouchFresh(size_t bytes) {
  const long before = MinorFaults();
  char* p = static_cast<char*>(std::malloc(bytes));
  if (!p) return -1;
  for (size_t i = 0; i < bytes; i += 4096) p[i] = static_cast<char>(i);
  // Keep the writes from being optimised away.
  volatile char sink = p[bytes / 2];
  (void)sink;
  std::free(p);
  return MinorFaults() - before;
}

TEST(ProcessMemoryTest, AFreedBlockIsReusedWithoutFaultingItsPagesAgain) {
  KeepFreedMemoryForReuse();
  const size_t bytes = size_t{8} << 20;  // a RocksDB arena block is 0.5-1 MiB; several of them
  const long first = TouchFresh(bytes);
  ASSERT_GE(first, 0);
  const long again = TouchFresh(bytes);
  // 8 MiB is 2048 pages: with the default settings the second round faults
  // about as many as the first. Reused memory takes (almost) none.
  EXPECT_LT(again, 64) << "first allocation took " << first << " faults";
}

}  // namespace
}  // namespace duban
