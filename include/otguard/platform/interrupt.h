// The user's interrupt as a stop request, so that a foreground command (a live capture) ends
// cleanly and reports what it saw instead of being killed.
#ifndef OTGUARD_PLATFORM_INTERRUPT_H_
#define OTGUARD_PLATFORM_INTERRUPT_H_

#include "otguard/base/status.h"
#include "otguard/base/stop_signal.h"

namespace otguard::platform {

// From this call on, SIGINT and SIGTERM (Linux), or Ctrl+C, Ctrl+Break and closing the console
// window (Windows), call stop.Notify() instead of ending the process. `stop` must live until
// the process ends; a later call replaces it. Linux: the signals are blocked in the calling
// thread and taken by a thread of their own (as RunAsService does), so call this before
// starting other threads: they inherit the mask. Internal when the handler cannot be set.
Status StopOnInterrupt(StopSignal& stop);

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_INTERRUPT_H_
