// An nftables ruleset (nft(8)): table inet otguard with an input and an output chain, one set of
// allowed peers per (direction, protocol, service port, address family). Loading it replaces
// the table and touches no other table.
//
// nftables sees packets, not processes: a network rule's process binding is lost (on output,
// nftables could match the socket's user or cgroup, which the allowlist does not record). The
// ruleset says so in its comments; docs/allowlist-export.md explains.
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "host/allowlist_export_common.h"

namespace otguard::host::allowlist_export::nftables {
namespace {

using export_internal::CommentLines;
using export_internal::ParsedNetworkRule;

constexpr std::string_view kName = "nftables";

// Every rule of one chain, protocol and port: the peers it allows.
struct PeerGroup {
  bool any_remote = false;
  std::vector<std::string> v4, v6;      // canonical addresses / prefixes
  std::vector<std::string> provenance;  // "n-... outbound by /opt/x"
};

struct GroupKey {
  bool input = true;
  std::string protocol;
  uint16_t port = 0;  // 0: any port
  auto operator<=>(const GroupKey&) const = default;
};

std::string SetName(const GroupKey& key, std::string_view family) {
  return std::string(key.input ? "in_" : "out_") + key.protocol + "_" +
         (key.port == 0 ? std::string("any") : std::to_string(key.port)) + "_" +
         std::string(family);
}

void AppendSet(const GroupKey& key, std::string_view family,
               const std::vector<std::string>& elements, std::string& out) {
  if (elements.empty()) return;
  out += "\tset " + SetName(key, family) + " {\n\t\ttype " +
         (family == "v4" ? "ipv4_addr" : "ipv6_addr") +
         "\n\t\tflags interval\n\t\tauto-merge\n\t\telements = { ";
  for (size_t i = 0; i < elements.size(); ++i) out += (i ? ", " : "") + elements[i];
  out += " }\n\t}\n";
}

void AppendGroupRules(const GroupKey& key, const PeerGroup& group, std::string& out) {
  out += CommentLines(
      "allows " +
          [&] {
            std::string all;
            for (const std::string& p : group.provenance) all += (all.empty() ? "" : "; ") + p;
            return all;
          }(),
      "\t\t# ", "\n");
  std::string match = key.port == 0 ? "meta l4proto " + key.protocol
                                    : key.protocol + " dport " + std::to_string(key.port);
  std::string addr = key.input ? "saddr" : "daddr";
  if (group.any_remote) {
    out += "\t\t" + match + " accept\n";
    return;
  }
  if (!group.v4.empty()) {
    out += "\t\t" + match + " ip " + addr + " @" + SetName(key, "v4") + " accept\n";
  }
  if (!group.v6.empty()) {
    out += "\t\t" + match + " ip6 " + addr + " @" + SetName(key, "v6") + " accept\n";
  }
}

void AppendChain(bool input, const std::map<GroupKey, PeerGroup>& groups, bool enforce,
                 std::string& out) {
  std::string name = input ? "input" : "output";
  out += "\tchain " + name + " {\n\t\ttype filter hook " + name + " priority filter; policy " +
         (enforce ? "drop" : "accept") + ";\n";
  out += "\t\tct state established,related accept\n";
  out += input ? "\t\tiifname \"lo\" accept\n" : "\t\toifname \"lo\" accept\n";
  out += CommentLines("ICMP and ICMPv6 (IPv6 neighbour discovery needs it)", "\t\t# ", "\n");
  out += "\t\tmeta l4proto { icmp, ipv6-icmp } accept\n";
  for (const auto& [key, group] : groups) {
    if (key.input == input) AppendGroupRules(key, group, out);
  }
  out += CommentLines(enforce ? "Anything else: logged (at most 10 a second), then dropped."
                              : "Anything else: logged (at most 10 a second), then accepted "
                                "(monitor mode).",
                      "\t\t# ", "\n");
  out += "\t\tlimit rate 10/second burst 20 packets log prefix \"otguard-unlisted-" + name +
         ": \" counter\n";
  out += "\t}\n";
}

class Nftables final : public ExportTarget {
 public:
  std::string_view name() const override { return kName; }
  std::string_view description() const override {
    return "nftables ruleset (Linux): table inet otguard, allowed peers per service port";
  }

  Result<std::string> Export(const Allowlist& allowlist,
                             const ExportOptions& options) const override {
    OTGUARD_ASSIGN_OR_RETURN(std::vector<ParsedNetworkRule> rules,
                             export_internal::ParseNetworkRules(allowlist, kName));
    std::map<GroupKey, PeerGroup> groups;
    for (const ParsedNetworkRule& parsed : rules) {
      const NetworkRule& rule = *parsed.rule;
      GroupKey key{rule.direction != Direction::kOutbound, rule.protocol, rule.port};
      PeerGroup& group = groups[key];
      group.provenance.push_back(rule.id + " " +
                                 std::string(export_internal::DirectionText(rule.direction)) +
                                 " by " + (rule.executable.empty() ? "?" : rule.executable));
      if (parsed.any_remote || rule.direction == Direction::kListen) {
        group.any_remote = true;
      } else {
        (parsed.remote.family == 4 ? group.v4 : group.v6).push_back(IpPrefixText(parsed.remote));
      }
    }
    std::string out = "#!/usr/sbin/nft -f\n";
    out += export_internal::Header(
        allowlist, kName,
        options.enforce ? "ENFORCING: both chains drop (and log) what no rule allows."
                        : "MONITORING: both chains accept everything and log what no rule "
                          "allows; export with --enforce to drop it.",
        "# ", "\n");
    out += CommentLines(
        "Load: nft -f FILE (check first: nft -c -f FILE). It replaces table inet otguard only.\n"
        "PROCESS BINDING LOST: nftables matches packets, not programs. Each network rule of the "
        "allowlist is bound to a program; here it allows its peers and port for every program "
        "on the host. The comments name the program each rule was learned from.",
        "# ", "\n");
    out += "\ntable inet otguard\ndelete table inet otguard\n\ntable inet otguard {\n";
    for (const auto& [key, group] : groups) {
      if (group.any_remote) continue;
      AppendSet(key, "v4", group.v4, out);
      AppendSet(key, "v6", group.v6, out);
    }
    AppendChain(true, groups, options.enforce, out);
    AppendChain(false, groups, options.enforce, out);
    out += "}\n";
    return out;
  }
};

}  // namespace

const ExportTarget& Target() {
  static const Nftables target;
  return target;
}

}  // namespace otguard::host::allowlist_export::nftables
