// Services on Linux: systemd units come with the inventory issue; running as a service is
// running in the foreground until SIGTERM (systemd Type=simple).
#include "otguard/platform/services.h"

#include <signal.h>

#include <thread>

namespace otguard::platform {

Result<std::vector<ServiceInfo>> ListServices(const ConfigRoot&) {
  return Unexpected(Unimplemented("listing services is not implemented on Linux yet"));
}
Result<std::vector<ServiceInfo>> ListServices() { return ListServices(ConfigRoot{}); }

Status InstallService(const ServiceDefinition&) {
  return Unimplemented("service install: use a systemd unit on Linux");
}
Status UninstallService(const std::string&) {
  return Unimplemented("service uninstall: use a systemd unit on Linux");
}

Status RunAsService(const std::string&, const std::function<int(StopSignal& stop)>& body) {
  // SIGTERM/SIGINT are taken by a thread that waits for them, so the body's threads never run
  // a handler. Blocked before any thread starts, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);  // wakes the waiter when the body ends by itself
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) {
    return Internal("service run: cannot block SIGTERM");
  }
  StopSignal stop;
  std::thread waiter([&] {
    int which = 0;
    sigwait(&signals, &which);
    stop.Notify();
  });
  int code = body(stop);
  if (!stop.stopped()) pthread_kill(waiter.native_handle(), SIGUSR1);
  waiter.join();
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
  if (code != 0) return Aborted("service body ended with exit code " + std::to_string(code));
  return Status();
}

}  // namespace otguard::platform
