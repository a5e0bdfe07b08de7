// Process-wide memory settings and figures for long-running duban processes
// (the Kafka engine, the server, and the benchmark that hosts one). Guarantees
// nothing about correctness; the settings trade a higher steady resident size
// for fewer page faults, the figures say what the allocator holds.
#pragma once

#include <cstddef>

namespace duban {

// Keeps memory the process frees for its own reuse instead of handing it back
// to the kernel at once. glibc returns large freed blocks (RocksDB memtable
// arenas, Kafka buffers) with munmap or by trimming the heap, and the next
// allocation faults every page in again. On a virtual machine a first touch
// of a page can cost several microseconds (measured on the 2-core test VM:
// 8-14 us per 4 KiB page), which made page faults a visible share of the
// engine's CPU. With jemalloc (the default build) freed pages of such blocks
// already stay for reuse and are returned only after seconds unused (its
// decay), so this sets nothing there. Call once, early in main, before
// threads start.
void KeepFreedMemoryForReuse();

// Bytes the program's allocations hold now (allocated and not freed), as the
// allocator counts them: jemalloc's stats.allocated, or glibc's mallinfo2
// (heap and mmapped blocks). Freed memory the allocator keeps is not counted.
size_t HeapAllocatedBytes();

// Hands the pages the allocator holds free back to the kernel now, instead of
// after its decay (jemalloc) or never (glibc's heap below its trim threshold).
// For a process about to change phase (the benchmark, between the engine and
// its baselines); costs a pass over the allocator's arenas.
void ReturnFreedMemory();

// "jemalloc" or "glibc": which allocator this build links.
const char* AllocatorName();

}  // namespace duban
