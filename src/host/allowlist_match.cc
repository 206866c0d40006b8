// AllowlistMatcher: an approved allowlist compiled into lookups, checked per observation.
//
// Process: by hash (one lookup), by exact path (kPath, kPathSigner, kHash with a path), by
// package, and by publisher folder (a prefix compare per publisher rule: they are few). Paths
// are compared as the OS compares them (host/allowlist_internal.h: ComparablePath); a path with
// a ".." segment never matches a path rule.
// Network: one lookup per (process, protocol, direction, port), then the rule's peers.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "host/allowlist_internal.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  return out;
}

bool PrefixContains(const IpPrefix& net, const IpPrefix& address) {
  if (net.family != address.family) return false;
  int full = net.length / 8, rest = net.length % 8;
  for (int i = 0; i < full; ++i) {
    if (net.bytes[i] != address.bytes[i]) return false;
  }
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (net.bytes[full] & mask) == (address.bytes[full] & mask);
}

std::string SignerText(const std::string& signer) {
  return signer.empty() ? std::string("unsigned") : "signed by '" + signer + "'";
}

std::string ServiceKey(std::string_view exe, std::string_view protocol, Direction d,
                       uint16_t port) {
  return internal::NetworkKey(exe, protocol, d, "", port);
}

}  // namespace

struct AllowlistMatcher::Impl {
  Allowlist list;
  std::unordered_multimap<std::string, size_t> by_hash;             // kHash
  std::unordered_map<std::string, std::vector<size_t>> by_path;     // kHash with path, kPath,
                                                                    // kPathSigner
  std::vector<std::pair<std::string, size_t>> folders;              // kPublisherPath
  std::unordered_map<std::string, std::vector<size_t>> by_package;  // kPackage
  std::vector<std::string> rule_paths;  // comparable path or folder per process rule

  struct Peer {
    bool any = false;
    std::optional<IpPrefix> prefix;
    std::string text;
    size_t rule = 0;
  };
  std::unordered_map<std::string, std::vector<Peer>> network;  // ServiceKey -> peers
  std::unordered_set<std::string> processes_with_network;
  bool any_process_rules = false;  // hand-written rules for every process or every port:
  bool any_port_rules = false;     // looked up only when there are some

  Verdict Allow(const std::string& id) const { return Verdict{true, id, Mismatch::kNone, ""}; }

  std::optional<Verdict> FindProcess(const ProcessObservation& p,
                                     const std::optional<std::string>& path) const {
    std::string sha = Lower(p.sha256);
    if (!sha.empty()) {
      auto [begin, end] = by_hash.equal_range(sha);
      for (auto it = begin; it != end; ++it) {
        const ProcessRule& rule = list.processes[it->second];
        if (rule.path.empty() || (path && *path == rule_paths[it->second])) return Allow(rule.id);
      }
    }
    if (!p.package.empty()) {
      auto it = by_package.find(p.package);
      if (it != by_package.end()) return Allow(list.processes[it->second.front()].id);
    }
    if (!path) return std::nullopt;
    if (auto it = by_path.find(*path); it != by_path.end()) {
      for (size_t i : it->second) {
        const ProcessRule& rule = list.processes[i];
        if (rule.kind == ProcessRuleKind::kPath) return Allow(rule.id);
        if (rule.kind == ProcessRuleKind::kPathSigner && !p.signer.empty() &&
            rule.signer == p.signer) {
          return Allow(rule.id);
        }
      }
    }
    if (!p.signer.empty()) {
      for (const auto& [folder, i] : folders) {
        if (path->starts_with(folder) && list.processes[i].signer == p.signer) {
          return Allow(list.processes[i].id);
        }
      }
    }
    return std::nullopt;
  }

  // What a plant engineer needs to read: which program, and what about it is not allowed.
  // The rule a modified program was allowed by is named in the verdict.
  Verdict ProcessMismatch(const ProcessObservation& p,
                          const std::optional<std::string>& path) const {
    std::string what = p.executable + " (sha256 " + internal::ShortHash(p.sha256) + ", " +
                       SignerText(p.signer) +
                       (p.package.empty() ? std::string() : ", package " + p.package) + ")";
    if (!path) {
      return Deny(Mismatch::kUnmatchablePath,
                  "program not allowlisted: " + what +
                      ": its path has a '..' segment, which no path rule matches");
    }
    if (auto it = by_path.find(*path); it != by_path.end()) {
      const ProcessRule& rule = list.processes[it->second.front()];
      if (rule.kind == ProcessRuleKind::kPathSigner) {
        return Deny(Mismatch::kSignerChanged,
                    "allowlisted program changed: " + what + ": rule " + rule.id +
                        " allows this path only signed by '" + rule.signer + "'",
                    rule.id);
      }
      std::string known = rule.sha256.size() == 1
                              ? std::string("the one")
                              : "one of the " + std::to_string(rule.sha256.size());
      return Deny(Mismatch::kContentChanged,
                  "allowlisted program changed: " + what + ": its content is not " + known +
                      " known for this path (rule " + rule.id + ")",
                  rule.id);
    }
    for (const auto& [folder, i] : folders) {
      if (path->starts_with(folder)) {
        const ProcessRule& rule = list.processes[i];
        return Deny(Mismatch::kSignerNotAllowed,
                    "program not allowlisted: " + what + ": files under " + rule.path +
                        " are allowed only signed by '" + rule.signer + "' (rule " + rule.id + ")");
      }
    }
    return Deny(Mismatch::kNoRule,
                "program not allowlisted: " + what + ": no rule allows this program");
  }

  static Verdict Deny(Mismatch mismatch, std::string reason, std::string rule_id = "") {
    return Verdict{false, std::move(rule_id), mismatch, std::move(reason)};
  }

  std::optional<Verdict> FindConnection(const std::string& exe, const std::string& protocol,
                                        Direction d, uint16_t port,
                                        const std::optional<IpPrefix>& address) const {
    for (const std::string* process : {&exe, &kAnyProcess}) {
      if (process == &kAnyProcess && !any_process_rules) break;
      for (uint16_t p : {port, uint16_t{0}}) {
        if (p == 0 && p != port && !any_port_rules) break;
        auto it = network.find(ServiceKey(*process, protocol, d, p));
        if (it == network.end()) continue;
        for (const Peer& peer : it->second) {
          if (peer.any || d == Direction::kListen ||
              (peer.prefix && address && PrefixContains(*peer.prefix, *address))) {
            return Allow(list.network[peer.rule].id);
          }
        }
      }
    }
    return std::nullopt;
  }

  Verdict ConnectionMismatch(const ConnectionObservation& c, const std::string& exe,
                             const std::string& protocol, uint16_t port) const {
    std::string who = c.executable.empty() ? std::string("an unknown process") : c.executable;
    std::string what;
    switch (c.direction) {
      case Direction::kListen:
        what = who + " listens on " + protocol + " port " + std::to_string(port);
        break;
      case Direction::kOutbound:
        what = who + " connects to " + c.remote_address + " on " + protocol + " port " +
               std::to_string(port);
        break;
      case Direction::kInbound:
        what = who + " accepts " + protocol + " port " + std::to_string(port) + " from " +
               c.remote_address;
        break;
    }
    std::string why;
    Mismatch mismatch = Mismatch::kNoRule;
    auto it = network.find(ServiceKey(exe, protocol, c.direction, port));
    if (it != network.end()) {
      mismatch = Mismatch::kUnknownPeer;
      why = "it may talk on this port only with ";
      for (size_t i = 0; i < it->second.size() && i < 5; ++i) {
        why += (i ? ", " : "") + it->second[i].text;
      }
      if (it->second.size() > 5) why += ", ...";
    } else if (processes_with_network.count(exe)) {
      const char* verb = c.direction == Direction::kListen    ? "listen"
                         : c.direction == Direction::kInbound ? "accept connections"
                                                              : "connect";
      why = "no rule lets this process " + std::string(verb) + " on " + protocol + " port " +
            std::to_string(port);
      mismatch = Mismatch::kUnknownService;
    } else {
      why = "no network rule for this process";
    }
    return Deny(mismatch, "connection not allowlisted: " + what + ": " + why);
  }

  static inline const std::string kAnyProcess;
};

const char* MismatchName(Mismatch m) {
  switch (m) {
    case Mismatch::kNone:
      return "none";
    case Mismatch::kNoRule:
      return "no-rule";
    case Mismatch::kContentChanged:
      return "content-changed";
    case Mismatch::kSignerChanged:
      return "signer-changed";
    case Mismatch::kSignerNotAllowed:
      return "signer-not-allowed";
    case Mismatch::kUnmatchablePath:
      return "unmatchable-path";
    case Mismatch::kUnknownService:
      return "unknown-service";
    case Mismatch::kUnknownPeer:
      return "unknown-peer";
  }
  return "unknown";
}

Result<AllowlistMatcher> AllowlistMatcher::Build(const Allowlist& allowlist) {
  auto impl = std::make_shared<Impl>();
  impl->list = allowlist;
  const std::vector<ProcessRule>& processes = impl->list.processes;
  impl->rule_paths.resize(processes.size());
  for (size_t i = 0; i < processes.size(); ++i) {
    const ProcessRule& rule = processes[i];
    std::string path = rule.path.empty() ? std::string() : internal::ComparableOrSelf(rule.path);
    impl->rule_paths[i] = path;
    switch (rule.kind) {
      case ProcessRuleKind::kHash:
        for (const std::string& h : rule.sha256) impl->by_hash.emplace(Lower(h), i);
        if (!path.empty()) impl->by_path[path].push_back(i);
        break;
      case ProcessRuleKind::kPath:
      case ProcessRuleKind::kPathSigner:
        if (path.empty())
          return Unexpected(InvalidArgument("process rule " + rule.id + ": no path"));
        impl->by_path[path].push_back(i);
        break;
      case ProcessRuleKind::kPublisherPath: {
        if (path.empty() || rule.signer.empty()) {
          return Unexpected(InvalidArgument("process rule " + rule.id +
                                            ": publisher-path needs a folder and a signer"));
        }
        char sep = internal::IsWindowsPath(rule.path) ? '\\' : '/';
        if (path.back() != sep) path += sep;  // a folder, never a name prefix ("C:\A" vs "C:\AB")
        impl->folders.emplace_back(path, i);
        break;
      }
      case ProcessRuleKind::kPackage:
        if (rule.package.empty()) {
          return Unexpected(InvalidArgument("process rule " + rule.id + ": no package"));
        }
        impl->by_package[rule.package].push_back(i);
        break;
    }
  }
  for (size_t i = 0; i < impl->list.network.size(); ++i) {
    const NetworkRule& rule = impl->list.network[i];
    Impl::Peer peer;
    peer.rule = i;
    peer.text = rule.remote;
    if (rule.remote == "any" || (rule.direction == Direction::kListen && rule.remote.empty())) {
      peer.any = true;
      peer.text = "any";
    } else {
      std::optional<IpPrefix> prefix = ParseIpPrefix(rule.remote);
      if (!prefix) {
        return Unexpected(InvalidArgument("network rule " + rule.id + ": remote '" + rule.remote +
                                          "' is not an address, a CIDR prefix or \"any\""));
      }
      if (IpPrefixHasHostBits(*prefix)) {
        return Unexpected(InvalidArgument("network rule " + rule.id + ": remote '" + rule.remote +
                                          "' has bits set beyond its prefix length"));
      }
      if (prefix->length == (prefix->family == 4 ? 32 : 128)) {
        prefix = internal::AddressPrefix(IpPrefixText(*prefix));  // "::ffff:a.b.c.d" as IPv4
      }
      peer.prefix = prefix;
    }
    std::string exe =
        rule.executable.empty() ? std::string() : internal::ComparableOrSelf(rule.executable);
    impl->processes_with_network.insert(exe);
    impl->any_process_rules |= exe.empty();
    impl->any_port_rules |= rule.port == 0;
    impl->network[ServiceKey(exe, Lower(rule.protocol), rule.direction, rule.port)].push_back(
        std::move(peer));
  }
  AllowlistMatcher matcher;
  matcher.impl_ = std::move(impl);
  return matcher;
}

Verdict AllowlistMatcher::Check(const ProcessObservation& process) const {
  std::optional<std::string> path = internal::ComparablePath(process.executable);
  if (impl_) {
    if (std::optional<Verdict> v = impl_->FindProcess(process, path)) return *v;
  }
  if (impl_) return impl_->ProcessMismatch(process, path);
  return Impl::Deny(Mismatch::kNoRule,
                    "program not allowlisted: " + process.executable + ": empty allowlist");
}

Verdict AllowlistMatcher::Check(const ConnectionObservation& connection) const {
  std::string exe = connection.executable.empty()
                        ? std::string()
                        : internal::ComparableOrSelf(connection.executable);
  std::string protocol = Lower(connection.protocol);
  uint16_t port = internal::ServicePort(connection);
  if (impl_) {
    std::optional<IpPrefix> address = internal::AddressPrefix(connection.remote_address);
    if (std::optional<Verdict> v =
            impl_->FindConnection(exe, protocol, connection.direction, port, address)) {
      return *v;
    }
    return impl_->ConnectionMismatch(connection, exe, protocol, port);
  }
  return Impl::Deny(Mismatch::kNoRule, "connection not allowlisted: empty allowlist");
}

}  // namespace otguard::host
