// The agent as a service: what `otguard service install` registers (a Windows service whose
// body is `otguard service run`, a systemd unit whose ExecStart is `otguard agent run`) and
// the one entry point both run.
//
// Thread-safety: plain functions.
#ifndef OTGUARD_AGENT_SERVICE_H_
#define OTGUARD_AGENT_SERVICE_H_

#include <cstdint>
#include <string>

#include "otguard/base/status.h"
#include "otguard/base/stop_signal.h"
#include "otguard/platform/services.h"

namespace otguard::agent {

struct AgentServiceOptions {
  std::string name = "otguard";
  std::string display_name = "otguard agent";
  std::string description =
      "otguard host agent: inventory, allowlists and malware scanning for industrial control "
      "systems (read-only, low priority).";
  std::string executable;                    // the otguard binary (platform::ExecutablePath())
  std::string policy;                        // absolute path of the policy file; "" the defaults
  std::string state_dir;                     // absolute path of the state directory
  std::string unit_path;                     // Linux: "" = /etc/systemd/system/<name>.service
  uint64_t memory_max_bytes = 256ull << 20;  // Linux: the unit's MemoryMax
};

// The definition: command_line `"<exe>" service run --name "<name>" --policy <p> --state <s>`
// (the SCM's entry), foreground_command_line `"<exe>" agent run --policy <p> --state <s>`.
platform::ServiceDefinition AgentServiceDefinition(const AgentServiceOptions& options);

// Loads the policy ("" = the defaults: learn mode, nothing scheduled), opens the agent on the
// state directory and runs it until `stop`.
// The errors of LoadPolicy, Agent::Create and Agent::Run.
Status RunAgent(const std::string& policy_path, const std::string& state_dir, StopSignal& stop);

// The default state directory: <platform::ProgramDataDir()>/agent.
std::string DefaultStateDir();

}  // namespace otguard::agent

#endif  // OTGUARD_AGENT_SERVICE_H_
