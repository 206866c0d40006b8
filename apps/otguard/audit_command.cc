// `otguard audit [--json] [--all] [--root DIR]`: the hardening audit (src/host/audit*.cc,
// docs/audit.md). Exit codes: 0 no failing check, 1 failing checks, 2 bad options.
#include <cstdio>
#include <memory>
#include <string>

#include "apps/otguard/commands.h"
#include "otguard/base/event.h"
#include "otguard/host/audit.h"
#include "otguard/host/host_root.h"

namespace otguard::cli {
namespace {

struct AuditArgs {
  bool json = false;
  bool all = false;
  std::string root;
};

int AuditFail(const std::string& message) {
  PrintCommandError("audit", message);
  return 2;
}

int RunAudit(const AuditArgs& args) {
  auto root = host::HostRoot::Open(args.root);
  if (!root) return AuditFail(std::string(root.error().message()));
  host::AuditOptions options;
  options.root = root->config();
  host::AuditReport report = host::EvaluateAudit(host::CollectAuditFacts(options));
  if (args.json) {
    JsonLinesWriter out(stdout);
    for (const nlohmann::json& record : host::AuditRecords(report)) {
      if (Status s = out.Write(record); !s.ok()) return AuditFail(s.ToString());
    }
  } else {
    std::string text = host::AuditText(report, args.all);
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return host::AuditExitCode(report);
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<AuditArgs>();
  CLI::App* cmd = app.add_subcommand(
      "audit",
      "Hardening audit: SMBv1, MS17-010, risky ports, firewall, AutoRun, Guest, SSH, "
      "world-writable system paths (exit 1 when a check fails)");
  cmd->add_flag("--json", args->json,
                "One JSON record per check and a summary record (docs/audit.md)");
  cmd->add_flag("--all", args->all, "Text output: show passing checks too");
  cmd->add_option("--root", args->root,
                  "Audit the configuration files of a Linux tree (a mounted disk image) under "
                  "DIR; live state (sockets, firewall, sysctl) is then not examined")
      ->type_name("DIR");
  cmd->callback([args, exit_code] { *exit_code = RunAudit(*args); });
}

}  // namespace otguard::cli
