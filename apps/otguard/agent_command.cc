// `otguard agent run [--policy FILE] [--state DIR]`: the long-running agent in the foreground
// (the body of the systemd unit; docs/agent.md). SIGTERM or Ctrl+C stops it cleanly.
#include <memory>
#include <string>

#include "apps/otguard/commands.h"
#include "otguard/agent/service.h"
#include "otguard/base/event.h"
#include "otguard/base/stop_signal.h"
#include "otguard/platform/interrupt.h"

namespace otguard::cli {
namespace {

struct AgentArgs {
  std::string policy;
  std::string state = agent::DefaultStateDir();
};

int Run(const AgentArgs& args) {
  static StopSignal stop;  // lives until the process ends, as StopOnInterrupt needs
  if (Status s = platform::StopOnInterrupt(stop); !s.ok()) {
    PrintCommandError("agent run", s.ToString());
    return 2;
  }
  if (Status s = agent::RunAgent(args.policy, args.state, stop); !s.ok()) {
    PrintCommandError("agent run", s.ToString());
    return 2;
  }
  return 0;
}

}  // namespace

void RegisterAgentCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<AgentArgs>();
  CLI::App* cmd = app.add_subcommand("agent", "The host agent (run)");
  cmd->require_subcommand(1);
  CLI::App* run = cmd->add_subcommand(
      "run", "Observe, learn or check the allowlist, run scheduled jobs, spool the events");
  run->add_option("--policy", args->policy,
                  "Policy file (TOML, docs/agent.md); default: learn mode, nothing scheduled");
  run->add_option("--state", args->state, "State directory (history, spool)")
      ->capture_default_str();
  run->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace otguard::cli
