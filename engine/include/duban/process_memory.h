// Process-wide memory settings for long-running duban processes (the Kafka
// engine, and the benchmark that hosts one). Guarantees nothing about
// correctness; it trades a higher steady resident size for fewer page faults.
#pragma once

namespace duban {

// Keeps memory the process frees for its own reuse instead of handing it back
// to the kernel. glibc returns large freed blocks (RocksDB memtable arenas,
// Kafka buffers) with munmap or by trimming the heap, and the next
// allocation faults every page in again. On a virtual machine a first touch
// of a page can cost several microseconds (measured on the 2-core test VM:
// 8-14 us per 4 KiB page), which made page faults a visible share of the
// engine's CPU. Call once, early in main, before threads start.
void KeepFreedMemoryForReuse();

}  // namespace duban
