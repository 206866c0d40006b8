// The audit as a table for a person (`otguard audit` without --json).
#include <fmt/format.h>

#include "otguard/host/audit.h"

namespace otguard::host {
namespace {

// "    evidence: " and the text; nothing when there is no text.
void AppendField(std::string& out, const char* label, const std::string& text) {
  if (!text.empty()) out += fmt::format("    {:<9} {}\n", label, text);
}

std::string Heading(const AuditReport& report) {
  std::string out = "host: " + report.host_name;
  if (report.os) {
    out +=
        "  os: " + report.os->name + (report.os->version.empty() ? "" : " ") + report.os->version;
  }
  if (!report.root.empty()) out += "  tree: " + report.root;
  return out + fmt::format("\n\n{:<8} {:<9} {:<28} {}\n", "status", "severity", "check", "title");
}

std::string CountsLine(const AuditReport& report, bool all) {
  AuditCounts c = CountFindings(report);
  std::string by;
  for (int s = kSeverityCount - 1; s >= 0; --s) {
    if (c.by_severity[s] == 0) continue;
    by += (by.empty() ? "" : ", ") + std::to_string(c.by_severity[s]) + " " +
          SeverityName(static_cast<Severity>(s));
  }
  return fmt::format("\n{} checks: {} failing{}, {} unknown, {} passing{}\n", c.checks, c.failing,
                     by.empty() ? "" : " (" + by + ")", c.unknown, c.passing,
                     all || c.passing == 0 ? "" : " (--all shows them)");
}

}  // namespace

std::string AuditText(const AuditReport& report, bool all) {
  std::string out = Heading(report);
  for (const AuditFinding& f : report.findings) {
    if (f.status == AuditStatus::kPass && !all) continue;
    bool failing = f.status == AuditStatus::kFail;
    out += fmt::format("{:<8} {:<9} {:<28} {}\n", AuditStatusName(f.status),
                       failing ? SeverityName(f.severity) : "-", f.id, f.title);
    AppendField(out, failing ? "evidence:" : (f.status == AuditStatus::kPass ? "seen:" : "why:"),
                f.evidence);
    AppendField(out, "fix:", f.fix);
  }
  return out + CountsLine(report, all);
}

int AuditExitCode(const AuditReport& report) { return CountFindings(report).failing > 0 ? 1 : 0; }

}  // namespace otguard::host
