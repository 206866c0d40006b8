#include "otguard/agent/service.h"

#include "otguard/agent/agent.h"
#include "otguard/agent/policy.h"
#include "otguard/platform/files.h"
#include "otguard/platform/folders.h"

namespace otguard::agent {
namespace {

// Quoted for the SCM and for systemd's ExecStart alike (both take "..." around a word).
std::string Quote(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

platform::ServiceDefinition AgentServiceDefinition(const AgentServiceOptions& o) {
  std::string paths =
      (o.policy.empty() ? "" : " --policy " + Quote(o.policy)) + " --state " + Quote(o.state_dir);
  platform::ServiceDefinition d;
  d.name = o.name;
  d.display_name = o.display_name;
  d.description = o.description;
  d.command_line = Quote(o.executable) + " service run --name " + Quote(o.name) + paths;
  d.auto_start = true;
  d.foreground_command_line = Quote(o.executable) + " agent run" + paths;
  d.unit_path = o.unit_path;
  d.memory_max_bytes = o.memory_max_bytes;
  return d;
}

Status RunAgent(const std::string& policy_path, const std::string& state_dir, StopSignal& stop) {
  Policy policy;
  if (!policy_path.empty()) {
    OTGUARD_ASSIGN_OR_RETURN(policy, LoadPolicy(policy_path));
  } else {
    policy.origin = "(defaults)";
  }
  AgentOptions options;
  options.policy = std::move(policy);
  options.state_dir = state_dir;
  OTGUARD_ASSIGN_OR_RETURN(std::unique_ptr<Agent> agent, Agent::Create(std::move(options)));
  return agent->Run(stop);
}

std::string DefaultStateDir() { return platform::JoinPath(platform::ProgramDataDir(), "agent"); }

}  // namespace otguard::agent
