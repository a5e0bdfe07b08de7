// What a benchmark run cost the machine, beside its wall time: this
// process's CPU and page faults, and another process's CPU (a broker the
// benchmark started), so a figure can say where the cores went.
#pragma once

#include <sys/types.h>

namespace duban::bench {

// This process's CPU seconds (user + system, threads that ended included) and
// minor page faults so far, from one getrusage. On a virtual machine each
// first touch of a page can cost microseconds (measured on the 2-core test VM:
// about 8-14 us a page), so fresh memory is part of what a run costs.
struct SelfUsage {
  double cpu_s = 0;
  long minor_faults = 0;
};
SelfUsage Self();

// CPU seconds of another process (the dev broker), from /proc; 0 if unreadable.
double ProcessCpuSeconds(pid_t pid);

}  // namespace duban::bench
