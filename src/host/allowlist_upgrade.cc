// Upgrades: when an allowlisted file changes, DecideUpgrade() says whether the allowlist
// follows (a trusted path: same publisher, dpkg's checksum, a maintenance window, a trusted
// updater) and FollowUpgrade() applies it with an audit entry. Otherwise the caller raises
// "allowlisted program modified".
#include <algorithm>

#include "host/allowlist_internal.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

const MaintenanceWindow* WindowAt(const UpgradePolicy& policy, EventTime time) {
  for (const MaintenanceWindow& w : policy.windows) {
    if (w.begin <= time && time < w.end) return &w;
  }
  return nullptr;
}

bool TrustedUpdater(const UpgradePolicy& policy, const std::string& writer) {
  if (writer.empty()) return false;
  std::optional<std::string> w = internal::ComparablePath(writer);
  if (!w) return false;  // "C:\Updater\..\Temp\x.exe" is nobody's trusted updater
  return std::any_of(policy.trusted_updaters.begin(), policy.trusted_updaters.end(),
                     [&w](const std::string& u) { return internal::ComparableOrSelf(u) == *w; });
}

}  // namespace

UpgradeDecision DecideUpgrade(const FileChange& change, const UpgradePolicy& policy) {
  if (!change.new_signer.empty() && change.new_signer == change.old_signer) {
    return {true, "same signer '" + change.new_signer + "'"};
  }
  if (!change.package.empty() && change.package_checksum_matches) {
    return {true, "dpkg checksum of package " + change.package};
  }
  if (const MaintenanceWindow* w = WindowAt(policy, change.time)) {
    return {true, "maintenance window " + w->begin.Rfc3339() + " to " + w->end.Rfc3339()};
  }
  if (TrustedUpdater(policy, change.writer)) {
    return {true, "trusted updater " + change.writer};
  }
  // Every trusted path, and why it did not apply, so the engineer sees what to check.
  std::string why = "allowlisted program modified: " + change.path + " changed (sha256 " +
                    internal::ShortHash(change.old_sha256) + " -> " +
                    internal::ShortHash(change.new_sha256) + "): ";
  if (change.new_signer.empty()) {
    why += "the new file is unsigned";
  } else if (change.old_signer.empty()) {
    why += "the old file was unsigned, the new one is signed by '" + change.new_signer + "'";
  } else {
    why += "signer changed from '" + change.old_signer + "' to '" + change.new_signer + "'";
  }
  if (!change.package.empty()) {
    why += "; its content does not match package " + change.package + "'s checksum";
  }
  why += "; outside every maintenance window";
  why += change.writer.empty() ? "; written by an unknown process"
                               : "; written by " + change.writer + ", not a trusted updater";
  return {false, why};
}

Allowlist FollowUpgrade(const Allowlist& allowlist, const FileChange& change,
                        const UpgradeDecision& decision) {
  if (!decision.follow) return allowlist;
  Allowlist out = allowlist;
  // Does a rule already allow the new file (a publisher folder, a path+signer rule, the
  // package)? Then only the audit entry is new.
  std::vector<ProcessRule> process_only = out.processes;
  Allowlist processes;
  processes.processes = process_only;
  ProcessObservation after;
  after.executable = change.path;
  after.sha256 = change.new_sha256;
  after.signer = change.new_signer;
  after.package = change.package_checksum_matches ? change.package : "";
  auto matcher = AllowlistMatcher::Build(processes);
  bool allowed = matcher && matcher->Check(after).allowed;

  std::string path = internal::ComparableOrSelf(change.path);
  bool changed = false;
  if (!allowed) {
    // A hash rule of this path gains the new content (the old one stays: other hosts of the
    // role, or a rollback, may still run it).
    for (ProcessRule& rule : out.processes) {
      if (rule.kind != ProcessRuleKind::kHash || rule.path.empty() ||
          internal::ComparableOrSelf(rule.path) != path) {
        continue;
      }
      if (std::find(rule.sha256.begin(), rule.sha256.end(), change.new_sha256) ==
          rule.sha256.end()) {
        rule.sha256.push_back(change.new_sha256);
        std::sort(rule.sha256.begin(), rule.sha256.end());
        rule.id = internal::ProcessRuleId(rule);
      }
      changed = true;
    }
    if (!changed) {  // allowed before by a rule that does not cover the new file
      ProcessRule rule;
      rule.kind = ProcessRuleKind::kHash;
      rule.path = change.path;
      rule.sha256 = {change.new_sha256};
      rule.comment = "followed upgrade: " + decision.reason;
      rule.id = internal::ProcessRuleId(rule);
      out.processes.push_back(std::move(rule));
    }
    std::sort(out.processes.begin(), out.processes.end(),
              [](const ProcessRule& a, const ProcessRule& b) { return a.id < b.id; });
  }
  ++out.version;
  AllowlistChange entry;
  entry.version = out.version;
  entry.time = change.time;
  entry.by = "upgrade";
  entry.what = "followed upgrade of " + change.path + " (sha256 " +
               internal::ShortHash(change.old_sha256) + " -> " +
               internal::ShortHash(change.new_sha256) + "): " + decision.reason;
  out.changes.push_back(std::move(entry));
  return out;
}

}  // namespace otguard::host
