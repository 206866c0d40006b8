// Windows XP compatibility of the i686 build (linked only there, see CMakeLists.txt).
//
// The posix-thread mingw runtime (winpthreads, linked statically for std::thread/std::mutex)
// imports GetTickCount64 from kernel32, which XP lacks: Windows would refuse to load the exe.
// Defining the import slot here (the symbol the linker would otherwise take from
// libkernel32.a) replaces that import with a function that calls the real GetTickCount64 where
// it exists and extends GetTickCount's 32-bit count past its 49.7-day wrap on XP.
#include <windows.h>

#include <atomic>
#include <cstdint>

namespace {

using TickCount64Fn = ULONGLONG(WINAPI*)();

ULONGLONG WINAPI TickCount64OnAnyWindows() {
  static const TickCount64Fn real = reinterpret_cast<TickCount64Fn>(
      reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "GetTickCount64")));
  if (real != nullptr) return real();
  // XP: the last value seen, high 32 bits counting wraps of GetTickCount. Callers (timed waits)
  // run far more often than once per 49.7 days, so no wrap goes unseen.
  static std::atomic<uint64_t> last{0};
  uint64_t seen = last.load(std::memory_order_relaxed);
  for (;;) {
    uint32_t low = GetTickCount();
    uint64_t high = seen & 0xffffffff00000000ull;
    if (low < static_cast<uint32_t>(seen)) high += 0x100000000ull;
    uint64_t now = high | low;
    if (last.compare_exchange_weak(seen, now, std::memory_order_relaxed)) return now;
  }
}

}  // namespace

extern "C" {
// The import slot the runtime calls through (stdcall decoration of i686).
TickCount64Fn otguard_imp_get_tick_count64 __asm__("__imp__GetTickCount64@0") =
    TickCount64OnAnyWindows;
// Referenced by the linker option that pulls this object out of the platform library.
int otguard_xp_compat = 1;
}
