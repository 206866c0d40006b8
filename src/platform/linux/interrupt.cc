// SIGINT and SIGTERM taken by a waiting thread (sigwait), never by a handler: Notify() takes a
// mutex, which a signal handler must not.
#include "otguard/platform/interrupt.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace otguard::platform {
namespace {

std::atomic<StopSignal*> g_target{nullptr};

sigset_t InterruptSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

Status StopOnInterrupt(StopSignal& stop) {
  g_target.store(&stop);
  static std::once_flag started;
  static int error = 0;
  std::call_once(started, [] {
    sigset_t signals = InterruptSignals();
    error = pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    if (error != 0) return;
    // Lives as long as the process: an interrupt may come at any time.
    std::thread([signals] {
      for (;;) {
        int which = 0;
        if (sigwait(&signals, &which) != 0) continue;
        if (StopSignal* target = g_target.load()) target->Notify();
      }
    }).detach();
  });
  if (error != 0) return Internal("cannot block SIGINT and SIGTERM for the stop request");
  return Status::Ok();
}

}  // namespace otguard::platform
