// `otguard service install|uninstall|run`: otguard's agent as a Windows service (on Linux,
// `run` is the foreground process a systemd unit starts). What the agent does comes with the
// agent issue; here it runs at the lowest priority and idles until asked to stop.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "apps/otguard/commands.h"
#include "otguard/base/event.h"
#include "otguard/base/stop_signal.h"
#include "otguard/platform/process.h"
#include "otguard/platform/services.h"

namespace otguard::cli {
namespace {

struct ServiceArgs {
  std::string name = "otguard";
  std::string display_name = "otguard agent";
  std::string description =
      "otguard host agent: inventory, allowlists and malware scanning for industrial control "
      "systems (read-only, low priority).";
};

int Fail(const char* what, const Status& status) {
  PrintCommandError(std::string("service ") + what, status.ToString());
  return 2;
}

int Install(const ServiceArgs& args) {
  std::string exe = platform::ExecutablePath();
  if (exe.empty()) return Fail("install", Internal("cannot tell where otguard.exe is"));
  platform::ServiceDefinition definition{
      .name = args.name,
      .display_name = args.display_name,
      .description = args.description,
      .command_line = "\"" + exe + "\" service run --name \"" + args.name + "\"",
      .auto_start = true};
  if (Status s = platform::InstallService(definition); !s.ok()) return Fail("install", s);
  std::printf("service %s installed: %s\n", args.name.c_str(), definition.command_line.c_str());
  return 0;
}

int Uninstall(const ServiceArgs& args) {
  if (Status s = platform::UninstallService(args.name); !s.ok()) return Fail("uninstall", s);
  std::printf("service %s removed\n", args.name.c_str());
  return 0;
}

// The agent's main loop: never competes with the plant's software for CPU or disk.
int RunAgent(StopSignal& stop) {
  (void)platform::LowerPriority();
  while (!stop.WaitFor(std::chrono::minutes(10))) {
  }
  return 0;
}

int Run(const ServiceArgs& args) {
  if (Status s = platform::RunAsService(args.name, RunAgent); !s.ok()) return Fail("run", s);
  return 0;
}

}  // namespace

void RegisterServiceCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ServiceArgs>();
  CLI::App* cmd =
      app.add_subcommand("service", "Run otguard's agent as a service (install|uninstall|run)");
  cmd->require_subcommand(1);
  auto add_name = [&](CLI::App* sub) {
    sub->add_option("--name", args->name, "Service name")->capture_default_str();
  };
  CLI::App* install = cmd->add_subcommand("install", "Register the agent service (auto start)");
  add_name(install);
  install->add_option("--display-name", args->display_name, "Name shown in services.msc")
      ->capture_default_str();
  install->callback([args, exit_code] { *exit_code = Install(*args); });
  CLI::App* uninstall = cmd->add_subcommand("uninstall", "Stop and remove the agent service");
  add_name(uninstall);
  uninstall->callback([args, exit_code] { *exit_code = Uninstall(*args); });
  CLI::App* run = cmd->add_subcommand(
      "run", "The service's own entry point (started by the Service Control Manager or systemd)");
  add_name(run);
  run->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace otguard::cli
