// See process_memory.h.
#include "duban/process_memory.h"

#include <malloc.h>

namespace duban {

void KeepFreedMemoryForReuse() {
  // Blocks up to 32 MiB (glibc's largest mmap threshold) come from the heap,
  // so freeing one leaves it for the next allocation instead of unmapping it;
  // the heap is trimmed only when 1 GiB lies free at its top; and each heap
  // extension asks for 64 MiB more than needed, so growing is rarer.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
}

}  // namespace duban
