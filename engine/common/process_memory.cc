// See process_memory.h.
#include "duban/process_memory.h"

#include <malloc.h>

#include <cstdint>

#ifdef DUBAN_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#define DUBAN_STRINGIFY2(x) #x
#define DUBAN_STRINGIFY(x) DUBAN_STRINGIFY2(x)
#define DUBAN_ARENAS_ALL DUBAN_STRINGIFY(MALLCTL_ARENAS_ALL)
#endif

namespace duban {

void KeepFreedMemoryForReuse() {
#ifndef DUBAN_HAVE_JEMALLOC
  // Blocks up to 32 MiB (glibc's largest mmap threshold) come from the heap,
  // so freeing one leaves it for the next allocation instead of unmapping it;
  // the heap is trimmed only when 1 GiB lies free at its top; and each heap
  // extension asks for 64 MiB more than needed, so growing is rarer.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

size_t HeapAllocatedBytes() {
#ifdef DUBAN_HAVE_JEMALLOC
  // jemalloc's statistics are a snapshot taken when the epoch advances.
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  size_t allocated = 0;
  len = sizeof(allocated);
  if (mallctl("stats.allocated", &allocated, &len, nullptr, 0) != 0) return 0;
  return allocated;
#else
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
#endif
}

void ReturnFreedMemory() {
#ifdef DUBAN_HAVE_JEMALLOC
  // MALLCTL_ARENAS_ALL: every arena's unused dirty pages, now.
  mallctl("arena." DUBAN_ARENAS_ALL ".purge", nullptr, nullptr, nullptr, 0);
#else
  malloc_trim(0);
#endif
}

const char* AllocatorName() {
#ifdef DUBAN_HAVE_JEMALLOC
  return "jemalloc";
#else
  return "glibc";
#endif
}

}  // namespace duban
