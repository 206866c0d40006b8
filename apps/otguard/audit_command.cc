// `otguard audit [--json] [--all] [--root DIR]`: the hardening audit (src/host/audit*.cc,
// docs/audit.md). Exit codes: 0 no failing check, 1 failing checks, 2 bad options.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/otguard/commands.h"
#include "otguard/host/audit.h"
#include "otguard/platform/files.h"

namespace otguard::cli {
namespace {

struct AuditArgs {
  bool json = false;
  bool all = false;
  std::string root;
};

void PrintJson(const host::AuditReport& report) {
  for (const nlohmann::json& record : host::AuditRecords(report)) {
    std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }
}

// "  evidence: " followed by the text, continuation lines indented to match.
void PrintField(const char* label, const std::string& text) {
  if (text.empty()) return;
  std::printf("    %-9s %s\n", label, text.c_str());
}

void PrintText(const host::AuditReport& report, bool all) {
  std::printf("host: %s", report.host_name.c_str());
  if (report.os) {
    std::printf("  os: %s%s%s", report.os->name.c_str(), report.os->version.empty() ? "" : " ",
                report.os->version.c_str());
  }
  if (!report.root.empty()) std::printf("  tree: %s", report.root.c_str());
  std::printf("\n\n%-8s %-9s %-28s %s\n", "status", "severity", "check", "title");
  for (const host::AuditFinding& f : report.findings) {
    if (f.status == host::AuditStatus::kPass && !all) continue;
    bool failing = f.status == host::AuditStatus::kFail;
    std::printf("%-8s %-9s %-28s %s\n", host::AuditStatusName(f.status),
                failing ? SeverityName(f.severity) : "-", f.id.c_str(), f.title.c_str());
    PrintField(failing ? "evidence:" : (f.status == host::AuditStatus::kPass ? "seen:" : "why:"),
               f.evidence);
    PrintField("fix:", f.fix);
  }
  host::AuditCounts c = host::CountFindings(report);
  std::string by;
  for (int s = 4; s >= 0; --s) {
    if (c.by_severity[s] == 0) continue;
    by += (by.empty() ? "" : ", ") + std::to_string(c.by_severity[s]) + " " +
          SeverityName(static_cast<Severity>(s));
  }
  std::printf("\n%zu checks: %zu failing%s%s%s, %zu unknown, %zu passing%s\n", c.checks, c.failing,
              by.empty() ? "" : " (", by.c_str(), by.empty() ? "" : ")", c.unknown, c.passing,
              all || c.passing == 0 ? "" : " (--all shows them)");
}

int RunAudit(const AuditArgs& args) {
  host::AuditOptions options;
  if (!args.root.empty()) {
    Result<platform::FileInfo> info = platform::StatPath(args.root, true);
    if (!info || info->type != platform::FileType::kDirectory) {
      std::fprintf(stderr, "otguard audit: --root %s: %s\n", args.root.c_str(),
                   info ? "not a directory" : info.error().ToString().c_str());
      return 2;
    }
    options.root.root = platform::AbsolutePath(args.root);
    // A trailing separator would double the one every audited path starts with.
    while (options.root.root.size() > 1 && options.root.root.back() == '/') {
      options.root.root.pop_back();
    }
  }
  host::AuditReport report = host::EvaluateAudit(host::CollectAuditFacts(options));
  if (args.json) {
    PrintJson(report);
  } else {
    PrintText(report, args.all);
  }
  return host::CountFindings(report).failing > 0 ? 1 : 0;
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
