// The console's control events: Windows runs the handler on a thread of its own, so it may
// take the StopSignal's mutex.
#include "otguard/platform/interrupt.h"

#include <windows.h>

#include <atomic>

namespace otguard::platform {
namespace {

std::atomic<StopSignal*> g_target{nullptr};

BOOL WINAPI OnConsoleControl(DWORD event) {
  switch (event) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
      if (StopSignal* target = g_target.load()) target->Notify();
      return TRUE;
    default:
      return FALSE;  // logoff, shutdown: the default handling
  }
}

}  // namespace

Status StopOnInterrupt(StopSignal& stop) {
  g_target.store(&stop);
  static const bool installed = SetConsoleCtrlHandler(OnConsoleControl, TRUE) != 0;
  if (!installed) return Internal("SetConsoleCtrlHandler failed: no stop request on Ctrl+C");
  return Status::Ok();
}

}  // namespace otguard::platform
