// Allowlisted files watched for change: each cycle a stat of every path an allowlist rule
// names (kHash with a path, kPathSigner); a changed (size, mtime) is read again, and a changed
// content becomes a host::FileChange with the facts DecideUpgrade needs.
#ifndef OTGUARD_SRC_AGENT_UPGRADES_H_
#define OTGUARD_SRC_AGENT_UPGRADES_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/observe.h"
#include "otguard/agent/policy.h"
#include "otguard/host/allowlist.h"
#include "otguard/platform/packages.h"

namespace otguard::agent::internal {

class UpgradeWatcher {
 public:
  explicit UpgradeWatcher(platform::ConfigRoot root) : root_(std::move(root)) {}
  // Takes the baseline of every file `allowlist` names (their content now).
  void Reset(const host::Allowlist& allowlist, FileFactsCache& files);
  // The watched files whose content changed since the baseline (or the last change). The
  // baseline moves to the new content, so one change is reported once.
  std::vector<host::FileChange> Poll(FileFactsCache& files);
  // The same for one path (a watched program that is starting); nullopt when unchanged or
  // not watched.
  std::optional<host::FileChange> Check(const std::string& path, FileFactsCache& files);
  size_t watched() const { return baseline_.size(); }

 private:
  struct Baseline {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    std::string sha256;
    std::string signer;
    int64_t deferred_since_ns = 0;  // a change waiting for the package manager to finish
  };
  std::optional<host::FileChange> Compare(const std::string& path, Baseline& base,
                                          FileFactsCache& files);
  platform::ConfigRoot root_;
  std::map<std::string, Baseline> baseline_;
};

// The policy's maintenance windows as host::MaintenanceWindow values: fixed ones as they are,
// weekly ones as their occurrence around `t` (the only one DecideUpgrade needs).
host::UpgradePolicy ConcreteUpgradePolicy(const UpgradesPolicy& policy, EventTime t);

}  // namespace otguard::agent::internal

#endif  // OTGUARD_SRC_AGENT_UPGRADES_H_
