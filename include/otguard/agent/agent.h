// `otguard agent run`: the long-running agent (docs/agent.md). It observes process starts and
// per-process connections, writes them to its history (learn), checks them against the
// approved allowlist (monitor: an alert in the spool and on the alert stream; enforce: also
// ends the process, never one on the critical list), follows trusted upgrades of allowlisted
// files, and runs the scheduled inventory, scan and hunt. Everything it reports goes to the
// spool in its state directory; it needs no server.
//
// Thread-safety: Run() is called once, on one thread; the StopSignal may be notified from any
// thread (a signal thread, the service control handler).
#ifndef OTGUARD_AGENT_AGENT_H_
#define OTGUARD_AGENT_AGENT_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "otguard/agent/policy.h"
#include "otguard/base/status.h"
#include "otguard/base/stop_signal.h"
#include "otguard/platform/packages.h"
#include "otguard/platform/process_events.h"

namespace otguard::agent {

using ProcessSourceFactory = std::function<Result<std::unique_ptr<platform::ProcessEventSource>>(
    const platform::ProcessEventSourceOptions& options,
    std::vector<platform::SourceProbe>* probes)>;

struct AgentOptions {
  Policy policy;
  std::string state_dir;
  // Opens the process-start source; default platform::OpenProcessEventSource. Tests inject
  // the real proc-poll source or their own.
  ProcessSourceFactory open_source;
  // Where the dpkg database is read (package owners and checksums); "" the live host.
  platform::ConfigRoot config_root;
  // Each alert also as one JSON line here (the service's log); nullptr for none.
  std::FILE* alert_stream = stdout;
  std::string host_name;  // "" = platform::HostName()
};

class Agent {
 public:
  // Opens the state directory (taking its lock), the spool and the history, and loads the
  // allowlist for monitor and enforce. Errors: FailedPrecondition when another agent holds
  // the state directory; the allowlist file's own errors (naming the file); I/O errors.
  static Result<std::unique_ptr<Agent>> Create(AgentOptions options);
  ~Agent();

  // Runs until `stop` is notified, then flushes the spool, the history and agent.json and
  // returns. Errors only when the agent cannot go on (the process source cannot be opened,
  // the spool's disk fails); a failed job or an unreadable file is a record, not an error.
  Status Run(StopSignal& stop);

 private:
  struct Impl;
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace otguard::agent

#endif  // OTGUARD_AGENT_AGENT_H_
