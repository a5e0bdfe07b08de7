// Records the largest single heap allocation made while a probe is armed, so a
// test can prove that a garbage length prefix is refused before anything is
// allocated for it. The global operator new of the test binary is replaced in
// alloc_probe.cc.
#pragma once

#include <cstddef>

namespace duban::testing {

void ArmAllocProbe();        // resets the maximum and starts recording
size_t LargestAllocation();  // largest single request since ArmAllocProbe (bytes)
void DisarmAllocProbe();

}  // namespace duban::testing
