#include "agent/upgrades.h"

#include "otguard/platform/files.h"

namespace otguard::agent::internal {
namespace {

constexpr int64_t kNsPerMinute = int64_t{60} * 1000000000;
constexpr int64_t kMinutesPerDay = 24 * 60;
// dpkg replaces a file, then writes the checksums of the new version: a change it is making is
// decided once it is done, but never later than this after the change was first seen (a
// package manager stuck for longer does not hide a change).
constexpr int64_t kPackageManagerGraceNs = 10 * kNsPerMinute;

}  // namespace

void UpgradeWatcher::Reset(const host::Allowlist& allowlist, FileFactsCache& files) {
  baseline_.clear();
  for (const host::ProcessRule& rule : allowlist.processes) {
    bool watched = (rule.kind == host::ProcessRuleKind::kHash ||
                    rule.kind == host::ProcessRuleKind::kPathSigner) &&
                   !rule.path.empty();
    if (!watched || baseline_.count(rule.path)) continue;
    const FileFacts& facts = files.Get(rule.path);
    baseline_[rule.path] = {facts.size, facts.mtime_ns, facts.sha256, facts.signer};
  }
}

std::optional<host::FileChange> UpgradeWatcher::Compare(const std::string& path, Baseline& base,
                                                        FileFactsCache& files) {
  auto info = platform::StatPath(path, true);
  if (!info || (info->size == base.size && info->mtime_ns == base.mtime_ns)) return std::nullopt;
  const FileFacts& facts = files.Get(path);
  Baseline now{facts.size, facts.mtime_ns, facts.sha256, facts.signer};
  if (facts.sha256.empty() || facts.sha256 == base.sha256) {  // touched, or being written
    if (!facts.sha256.empty()) base = now;
    return std::nullopt;
  }
  host::FileChange change;
  change.path = path;
  change.old_sha256 = base.sha256;
  change.new_sha256 = facts.sha256;
  change.old_signer = base.signer;
  change.new_signer = facts.signer;
  change.package = facts.package;
  if (!facts.package.empty()) {
    auto recorded = platform::PackageFileMd5(facts.package, path, root_);
    change.package_checksum_matches = recorded && *recorded == facts.md5;
    if (!change.package_checksum_matches && platform::PackageManagerBusy(root_)) {
      int64_t now = EventTime::Now().nanos();
      if (base.deferred_since_ns == 0) base.deferred_since_ns = now;
      if (now - base.deferred_since_ns < kPackageManagerGraceNs) return std::nullopt;
    }
  }
  change.time = EventTime::FromNanos(facts.mtime_ns);
  base = now;
  return change;
}

std::vector<host::FileChange> UpgradeWatcher::Poll(FileFactsCache& files) {
  std::vector<host::FileChange> changes;
  for (auto& [path, base] : baseline_) {
    if (auto change = Compare(path, base, files)) changes.push_back(std::move(*change));
  }
  return changes;
}

std::optional<host::FileChange> UpgradeWatcher::Check(const std::string& path,
                                                      FileFactsCache& files) {
  auto it = baseline_.find(path);
  if (it == baseline_.end()) return std::nullopt;
  return Compare(path, it->second, files);
}

host::UpgradePolicy ConcreteUpgradePolicy(const UpgradesPolicy& policy, EventTime t) {
  host::UpgradePolicy out;
  out.trusted_updaters = policy.trusted_updaters;
  for (const WindowSpec& spec : policy.windows) {
    if (!spec.weekly) {
      out.windows.push_back({spec.begin, spec.end});
      continue;
    }
    if (!InWindow(spec, t)) continue;
    // The occurrence holding t: back from t's minute to the window's begin minute.
    int64_t minute = t.nanos() / kNsPerMinute;
    int64_t minute_of_day = ((minute % kMinutesPerDay) + kMinutesPerDay) % kMinutesPerDay;
    int64_t back = (minute_of_day - spec.begin_minute + kMinutesPerDay) % kMinutesPerDay;
    int64_t length = (spec.end_minute - spec.begin_minute + kMinutesPerDay) % kMinutesPerDay;
    int64_t begin = (minute - back) * kNsPerMinute;
    out.windows.push_back(
        {EventTime::FromNanos(begin), EventTime::FromNanos(begin + length * kNsPerMinute)});
  }
  return out;
}

}  // namespace otguard::agent::internal
