#include "alloc_probe.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace duban::testing {
namespace {
std::atomic<bool> g_armed{false};
std::atomic<size_t> g_largest{0};

void* Allocate(size_t n) {
  if (g_armed.load(std::memory_order_relaxed)) {
    size_t cur = g_largest.load(std::memory_order_relaxed);
    while (n > cur && !g_largest.compare_exchange_weak(cur, n)) {
    }
  }
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
}  // namespace

void ArmAllocProbe() {
  g_largest = 0;
  g_armed = true;
}
size_t LargestAllocation() { return g_largest.load(); }
void DisarmAllocProbe() { g_armed = false; }

}  // namespace duban::testing

void* operator new(size_t n) { return duban::testing::Allocate(n); }
void* operator new[](size_t n) { return duban::testing::Allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
