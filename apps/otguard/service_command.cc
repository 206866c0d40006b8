// `otguard service install|uninstall|run`: otguard's agent as a service. Windows: registered
// with the Service Control Manager, whose entry is `service run`. Linux: a systemd unit whose
// ExecStart is `otguard agent run` (enabling it is systemctl's job). Both run the same agent
// (otguard/agent/service.h).
#include <cstdio>
#include <memory>
#include <string>

#include "apps/otguard/commands.h"
#include "otguard/agent/service.h"
#include "otguard/base/event.h"
#include "otguard/base/stop_signal.h"
#include "otguard/platform/files.h"
#include "otguard/platform/process.h"
#include "otguard/platform/services.h"

namespace otguard::cli {
namespace {

struct ServiceArgs {
  agent::AgentServiceOptions service;
  std::string policy;
  std::string state = agent::DefaultStateDir();
};

int Fail(const char* what, const Status& status) {
  PrintCommandError(std::string("service ") + what, status.ToString());
  return 2;
}

int Install(ServiceArgs& args) {
  args.service.executable = platform::ExecutablePath();
  if (args.service.executable.empty()) {
    return Fail("install", Internal("cannot tell where otguard is"));
  }
  args.service.policy = args.policy.empty() ? "" : platform::AbsolutePath(args.policy);
  args.service.state_dir = platform::AbsolutePath(args.state);
  platform::ServiceDefinition definition = agent::AgentServiceDefinition(args.service);
  if (Status s = platform::InstallService(definition); !s.ok()) return Fail("install", s);
  std::printf("service %s installed: %s\n", args.service.name.c_str(),
              definition.command_line.c_str());
  return 0;
}

int Uninstall(const ServiceArgs& args) {
  if (Status s = platform::UninstallService(args.service.name); !s.ok()) {
    return Fail("uninstall", s);
  }
  std::printf("service %s removed\n", args.service.name.c_str());
  return 0;
}

int Run(const ServiceArgs& args) {
  Status run = platform::RunAsService(args.service.name, [&](StopSignal& stop) {
    Status s = agent::RunAgent(args.policy, args.state, stop);
    if (!s.ok()) PrintCommandError("service run", s.ToString());
    return s.ok() ? 0 : 2;
  });
  if (!run.ok()) return Fail("run", run);
  return 0;
}

}  // namespace

void RegisterServiceCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ServiceArgs>();
  CLI::App* cmd =
      app.add_subcommand("service", "Run otguard's agent as a service (install|uninstall|run)");
  cmd->require_subcommand(1);
  auto add_name = [&](CLI::App* sub) {
    sub->add_option("--name", args->service.name, "Service name")->capture_default_str();
  };
  auto add_paths = [&](CLI::App* sub) {
    sub->add_option("--policy", args->policy,
                    "Agent policy file (TOML, docs/agent.md); default: learn mode, nothing "
                    "scheduled");
    sub->add_option("--state", args->state, "Agent state directory")->capture_default_str();
  };
  CLI::App* install = cmd->add_subcommand(
      "install", "Register the agent service (Windows SCM; Linux: write the systemd unit)");
  add_name(install);
  add_paths(install);
  install->add_option("--display-name", args->service.display_name, "Name shown in services.msc")
      ->capture_default_str();
  install->add_option("--unit-path", args->service.unit_path,
                      "Linux: the unit file to write (default /etc/systemd/system/NAME.service)");
  install->callback([args, exit_code] { *exit_code = Install(*args); });
  CLI::App* uninstall = cmd->add_subcommand("uninstall", "Stop and remove the agent service");
  add_name(uninstall);
  uninstall->callback([args, exit_code] { *exit_code = Uninstall(*args); });
  CLI::App* run = cmd->add_subcommand(
      "run", "The service's own entry point (started by the Service Control Manager or systemd)");
  add_name(run);
  add_paths(run);
  run->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace otguard::cli
