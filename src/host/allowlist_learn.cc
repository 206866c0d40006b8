// Learn(): a History merged into few readable rules, never wider than the MergePolicy, with
// every widening listed with its evidence and every transient item left for review
// (docs/allowlist.md, "How rules are learned and merged").
#include <algorithm>
#include <map>
#include <set>

#include "host/allowlist_internal.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

using internal::ComparablePath;

std::string Plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + ' ' + (n == 1 ? one : many);
}

std::string SpanText(int64_t ns) {
  int64_t s = ns / 1000000000;
  if (s < 120) return std::to_string(s) + " s";
  if (s < 2 * 3600) return std::to_string(s / 60) + " min";
  return std::to_string(s / 3600) + " h";
}

// Why an item is transient, or "" when it is not.
std::string TransientWhy(const SeenStats& seen, const MergePolicy& policy) {
  int64_t span = seen.last_seen.nanos() - seen.first_seen.nanos();
  if (seen.count <= 1 && policy.transient_max_count >= 1) return "seen once";
  if (seen.count <= policy.transient_max_count) {
    return "seen " + std::to_string(seen.count) + " times within " + SpanText(span);
  }
  if (span < policy.transient_max_span_ns) {
    return "seen " + std::to_string(seen.count) + " times, all within " + SpanText(span);
  }
  return "";
}

std::string SeenText(const SeenStats& seen) {
  return "seen " + Plural(seen.count, "time", "times") + " on " +
         Plural(seen.days_seen, "day", "days");
}

// ---------------------------------------------------------------------------------------------
// Processes.

// Every non-transient item of one path (compared as the OS compares paths).
struct PathGroup {
  std::string path;        // as first seen
  std::string comparable;  // ComparablePath, or the path itself when it has ".."
  std::vector<const ProcessItem*> items;
  std::string signer;  // the one signer of every item; "" when unsigned or mixed
  uint64_t count = 0;
  uint64_t days = 0;
};

std::string FileEvidence(const PathGroup& g) {
  std::string hashes;
  for (const ProcessItem* item : g.items) {
    if (!hashes.empty()) hashes += ", ";
    hashes += internal::ShortHash(item->sha256);
  }
  return g.path + " (sha256 " + hashes + "; seen " + Plural(g.count, "time", "times") + " on " +
         Plural(g.days, "day", "days") + ")";
}

// The raw spelling of the folder whose comparable form is `comparable_folder`, taken from a
// file under it (so the rule reads as the OS showed the path).
std::string DisplayFolder(const PathGroup& g, std::string_view comparable_folder) {
  size_t depth = internal::FolderChain(comparable_folder).size();
  std::vector<std::string_view> chain = internal::FolderChain(g.path);
  if (depth == 0 || chain.size() < depth) return std::string(comparable_folder);
  std::string folder(chain[depth - 1]);
  if (internal::IsWindowsPath(g.path)) std::replace(folder.begin(), folder.end(), '/', '\\');
  return folder;
}

std::string CommonFolder(const std::vector<const PathGroup*>& files) {
  std::string_view common = internal::FolderOf(files.front()->comparable);
  for (const PathGroup* g : files) {
    std::string_view folder = internal::FolderOf(g->comparable);
    size_t n = 0;
    while (n < common.size() && n < folder.size() && common[n] == folder[n]) ++n;
    common = common.substr(0, n);
  }
  return std::string(internal::FolderOf(common));  // back to a whole folder name
}

class ProcessLearner {
 public:
  ProcessLearner(const MergePolicy& policy, Proposal& out) : policy_(policy), out_(out) {}

  void Learn(const std::vector<ProcessItem>& items) {
    std::map<std::string, std::vector<const ProcessItem*>> packages;
    std::map<std::string, PathGroup> paths;  // by comparable path: deterministic order
    for (const ProcessItem& item : items) {
      std::string why = TransientWhy(item.seen, policy_);
      if (why.empty() && item.executable.empty()) why = "executable unknown";
      if (why.empty() && item.sha256.empty() && item.package.empty()) {
        why = "its content could not be read (no sha256)";
      }
      if (!why.empty()) {
        out_.transients.push_back({item, why});
      } else if (!item.package.empty()) {
        packages[item.package].push_back(&item);
      } else {
        std::optional<std::string> comparable = ComparablePath(item.executable);
        std::string key = comparable ? *comparable : item.executable;
        PathGroup& g = paths[key];
        if (g.items.empty()) {
          g.path = item.executable;
          g.comparable = key;
          g.signer = item.signer;
        } else if (g.signer != item.signer) {
          g.signer.clear();
        }
        g.items.push_back(&item);
        g.count += item.seen.count;
        g.days = std::max(g.days, item.seen.days_seen);
      }
    }
    for (const auto& [package, files] : packages) AddPackageRule(package, files);
    std::set<const PathGroup*> merged = AddPublisherRules(paths);
    for (const auto& [key, g] : paths) {
      if (!merged.count(&g)) AddPathRule(g);
    }
  }

 private:
  void Emit(ProcessRule rule, std::string what, std::vector<std::string> evidence) {
    rule.id = internal::ProcessRuleId(rule);
    if (!what.empty()) out_.widenings.push_back({rule.id, std::move(what), std::move(evidence)});
    out_.rules.processes.push_back(std::move(rule));
  }

  void AddPackageRule(const std::string& package, const std::vector<const ProcessItem*>& files) {
    ProcessRule rule;
    rule.kind = ProcessRuleKind::kPackage;
    rule.package = package;
    std::vector<std::string> evidence;
    std::set<std::string> distinct;
    uint64_t days = 0;
    for (const ProcessItem* item : files) {
      distinct.insert(item->executable);
      days = std::max(days, item->seen.days_seen);
      evidence.push_back(item->executable + " (sha256 " + internal::ShortHash(item->sha256) + "; " +
                         SeenText(item->seen) + ")");
    }
    rule.comment = Plural(distinct.size(), "file", "files") + " of package " + package + ", seen " +
                   Plural(days, "day", "days");
    Emit(std::move(rule),
         "package: any file the installed package '" + package +
             "' owns, as long as dpkg's checksum matches (from " + rule.comment + ")",
         std::move(evidence));
  }

  // kPublisherPath for each signer with enough files under one product folder; returns the
  // path groups these rules cover.
  std::set<const PathGroup*> AddPublisherRules(const std::map<std::string, PathGroup>& paths) {
    std::map<std::pair<std::string, std::string>, std::vector<const PathGroup*>> candidates;
    for (const auto& [key, g] : paths) {
      if (g.signer.empty()) continue;
      std::optional<std::string_view> product = internal::ProductFolder(g.comparable);
      if (product) candidates[{g.signer, std::string(*product)}].push_back(&g);
    }
    std::set<const PathGroup*> merged;
    for (const auto& [signer_folder, files] : candidates) {
      const std::string& signer = signer_folder.first;
      if (files.size() < static_cast<size_t>(std::max(policy_.publisher_path_min_files, 2))) {
        continue;  // too few files: each keeps a rule of its own
      }
      std::string folder = CommonFolder(files);
      if (internal::FolderRefused(folder, policy_.folder_never)) {
        for (const PathGroup* g : files) refused_[g] = DisplayFolder(*g, folder);
        continue;
      }
      ProcessRule rule;
      rule.kind = ProcessRuleKind::kPublisherPath;
      rule.path = DisplayFolder(*files.front(), folder);
      rule.signer = signer;
      std::vector<std::string> evidence;
      uint64_t days = 0;
      size_t hashes = 0;
      for (const PathGroup* g : files) {
        evidence.push_back(FileEvidence(*g));
        days = std::max(days, g->days);
        hashes += g->items.size();
        merged.insert(g);
      }
      rule.comment = Plural(files.size(), "file", "files") + ", " +
                     Plural(hashes, "hash", "hashes") + ", seen " + Plural(days, "day", "days");
      Emit(std::move(rule),
           "publisher+path: any file under " + DisplayFolder(*files.front(), folder) +
               " signed by '" + signer + "' (from " + Plural(files.size(), "file", "files") + ")",
           std::move(evidence));
    }
    return merged;
  }

  void AddPathRule(const PathGroup& g) {
    ProcessRule rule;
    rule.path = g.path;
    std::string note;
    auto refused = refused_.find(&g);
    if (refused != refused_.end()) {
      note = "; not merged by publisher: " + refused->second + " is never a publisher folder";
    }
    rule.comment =
        Plural(g.items.size(), "hash", "hashes") + ", seen " + Plural(g.days, "day", "days") + note;
    if (g.items.size() >= 2 && !g.signer.empty()) {
      rule.kind = ProcessRuleKind::kPathSigner;
      rule.signer = g.signer;
      std::vector<std::string> evidence;
      for (const ProcessItem* item : g.items) {
        evidence.push_back(g.path + " sha256 " + internal::ShortHash(item->sha256) + " (" +
                           SeenText(item->seen) + ")");
      }
      Emit(std::move(rule),
           "path+signer: any content of " + g.path + " signed by '" + g.signer + "' (seen with " +
               Plural(g.items.size(), "hash", "hashes") + ")",
           std::move(evidence));
      return;
    }
    rule.kind = ProcessRuleKind::kHash;
    for (const ProcessItem* item : g.items) rule.sha256.push_back(item->sha256);
    std::sort(rule.sha256.begin(), rule.sha256.end());
    Emit(std::move(rule), "", {});
  }

  const MergePolicy& policy_;
  Proposal& out_;
  std::map<const PathGroup*, std::string> refused_;
};

// ---------------------------------------------------------------------------------------------
// Network.

struct Peer {
  std::string text;  // canonical
  IpPrefix address;
};

// The longest prefix that covers every peer (all of one family).
IpPrefix CoveringPrefix(const std::vector<Peer>& peers) {
  IpPrefix prefix = peers.front().address;
  int bits = prefix.family == 4 ? 32 : 128;
  int length = bits;
  for (const Peer& p : peers) {
    for (int b = 0; b < length; ++b) {
      uint8_t mask = static_cast<uint8_t>(0x80 >> (b % 8));
      if ((p.address.bytes[b / 8] & mask) != (prefix.bytes[b / 8] & mask)) {
        length = b;
        break;
      }
    }
  }
  prefix.length = length;
  for (int b = length; b < bits; ++b) {
    prefix.bytes[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
  }
  return prefix;
}

// The network of `address` at `length` bits, as a grouping key.
std::string SubnetKey(const IpPrefix& address, int length) {
  IpPrefix net = address;
  net.length = length;
  int bits = address.family == 4 ? 32 : 128;
  for (int b = length; b < bits; ++b) {
    net.bytes[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
  }
  return IpPrefixText(net);
}

class NetworkLearner {
 public:
  NetworkLearner(const MergePolicy& policy, Proposal& out) : policy_(policy), out_(out) {}

  void Learn(const std::vector<NetworkItem>& items) {
    // (executable, protocol, direction, port) -> the peers with their items.
    using Key = std::tuple<std::string, std::string, int, uint16_t>;
    std::map<Key, std::map<std::string, std::vector<const NetworkItem*>>> groups;
    for (const NetworkItem& item : items) {
      std::string why = TransientWhy(item.seen, policy_);
      if (why.empty() && item.executable.empty()) why = "owning process unknown";
      if (why.empty() && item.direction != Direction::kListen &&
          !internal::AddressPrefix(item.remote_address)) {
        // A rule the matcher would refuse to load: the engineer decides.
        why = "peer '" + item.remote_address + "' is not an IP address";
      }
      if (!why.empty()) {
        out_.transients.push_back({item, why});
        continue;
      }
      std::optional<std::string> exe = ComparablePath(item.executable);
      Key key{exe ? *exe : item.executable, item.protocol, static_cast<int>(item.direction),
              item.port};
      std::string peer = item.direction == Direction::kListen
                             ? std::string("any")
                             : internal::CanonicalAddress(item.remote_address);
      groups[key][peer].push_back(&item);
    }
    for (const auto& [key, peers] : groups) AddRules(peers);
  }

 private:
  NetworkRule Base(const NetworkItem& item) const {
    NetworkRule rule;
    rule.executable = item.executable;
    rule.protocol = item.protocol;
    rule.direction = item.direction;
    rule.port = item.port;
    return rule;
  }

  void Emit(NetworkRule rule, std::string what, std::vector<std::string> evidence) {
    rule.id = internal::NetworkRuleId(rule);
    if (!what.empty()) out_.widenings.push_back({rule.id, std::move(what), std::move(evidence)});
    out_.rules.network.push_back(std::move(rule));
  }

  static SeenStats Total(const std::vector<const NetworkItem*>& items) {
    SeenStats total;
    for (const NetworkItem* item : items) {
      total.count += item->seen.count;
      total.days_seen = std::max(total.days_seen, item->seen.days_seen);
    }
    return total;
  }

  void AddExact(const std::string& peer, const std::vector<const NetworkItem*>& items) {
    NetworkRule rule = Base(*items.front());
    rule.remote = peer;
    rule.comment = SeenText(Total(items));
    Emit(std::move(rule), "", {});
  }

  void AddRules(const std::map<std::string, std::vector<const NetworkItem*>>& peers) {
    // Peers grouped by their network at the shortest prefix the policy allows.
    std::map<std::string, std::vector<Peer>> subnets;
    for (const auto& [text, items] : peers) {
      std::optional<IpPrefix> address =
          text == "any" ? std::nullopt : internal::AddressPrefix(text);
      if (!address) {
        AddExact(text, items);  // "any" for a listening port
        continue;
      }
      int min = address->family == 4 ? policy_.cidr_min_prefix_v4 : policy_.cidr_min_prefix_v6;
      int bits = address->family == 4 ? 32 : 128;
      min = std::clamp(min, 0, bits);
      subnets[SubnetKey(*address, min)].push_back({text, *address});
    }
    for (const auto& [subnet, members] : subnets) {
      int bits = members.front().address.family == 4 ? 32 : 128;
      if (members.size() < static_cast<size_t>(std::max(policy_.cidr_min_peers, 2))) {
        for (const Peer& p : members) AddExact(p.text, peers.at(p.text));
        continue;
      }
      IpPrefix covering = CoveringPrefix(members);
      if (covering.length == bits) {  // cannot happen with distinct peers; kept exact if it does
        for (const Peer& p : members) AddExact(p.text, peers.at(p.text));
        continue;
      }
      const NetworkItem& first = *peers.at(members.front().text).front();
      NetworkRule rule = Base(first);
      rule.remote = IpPrefixText(covering);
      std::vector<std::string> evidence;
      std::vector<const NetworkItem*> all;
      for (const Peer& p : members) {
        const auto& items = peers.at(p.text);
        all.insert(all.end(), items.begin(), items.end());
        evidence.push_back(p.text + " (" + SeenText(Total(items)) + ")");
      }
      rule.comment = Plural(members.size(), "peer", "peers") + ", " + SeenText(Total(all));
      std::string what = "CIDR: any peer in " + rule.remote + " for " + rule.protocol + ' ' +
                         DirectionName(rule.direction) + " port " + std::to_string(rule.port) +
                         " of " + rule.executable + " (from " +
                         Plural(members.size(), "peer", "peers") + ")";
      Emit(std::move(rule), std::move(what), std::move(evidence));
    }
  }

  const MergePolicy& policy_;
  Proposal& out_;
};

template <typename Rule>
void SortUnique(std::vector<Rule>& rules) {
  std::stable_sort(rules.begin(), rules.end(),
                   [](const Rule& a, const Rule& b) { return a.id < b.id; });
  rules.erase(std::unique(rules.begin(), rules.end(),
                          [](const Rule& a, const Rule& b) { return a.id == b.id; }),
              rules.end());
}

}  // namespace

Proposal Learn(const History& history, const MergePolicy& policy) {
  MergePolicy effective = policy;
  if (effective.folder_never.empty()) effective.folder_never = internal::DefaultFolderNever();
  Proposal out;
  ProcessLearner(effective, out).Learn(history.processes());
  NetworkLearner(effective, out).Learn(history.network());
  SortUnique(out.rules.processes);
  SortUnique(out.rules.network);
  std::stable_sort(out.widenings.begin(), out.widenings.end(),
                   [](const Widening& a, const Widening& b) { return a.rule_id < b.rule_id; });
  return out;
}

}  // namespace otguard::host
