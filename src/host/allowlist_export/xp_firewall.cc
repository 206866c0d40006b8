// The Windows XP SP2/SP3 firewall as a cmd script of `netsh firewall` lines. That firewall
// filters inbound connections only and knows IPv4 scopes only:
// - an inbound or listening rule bound to a program becomes that program's allowedprogram
//   exception, scoped to the peers of all its rules (it then may accept on every port it
//   listens on, not only the rules' ports: widened, said in a comment);
// - a rule without a program becomes a portopening exception;
// - outbound rules and IPv6 peers cannot be expressed: listed in comments, not exported.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "host/allowlist_export_common.h"

namespace otguard::host::allowlist_export::xp_firewall {
namespace {

using export_internal::CheckValue;
using export_internal::CmdQuotable;
using export_internal::ParsedNetworkRule;
using export_internal::RemLines;

constexpr std::string_view kName = "xp-firewall";
constexpr std::string_view kEol = "\r\n";

// XP's netsh writes a subnet as address/mask: "10.1.2.0/255.255.255.0".
std::string XpAddress(const IpPrefix& prefix) {
  IpPrefix address = prefix;
  address.length = 32;
  std::string out = IpPrefixText(address);
  if (prefix.length == 32) return out;
  uint32_t mask = prefix.length == 0 ? 0 : ~uint32_t{0} << (32 - prefix.length);
  return out + "/" + std::to_string(mask >> 24) + "." + std::to_string((mask >> 16) & 0xff) + "." +
         std::to_string((mask >> 8) & 0xff) + "." + std::to_string(mask & 0xff);
}

// The inbound rules of one program (or of one port, without a program).
struct Exception {
  bool any = false;
  std::set<std::string> addresses;
  std::vector<std::string> ids;
  std::set<std::string> ports;  // "tcp 4840"
};

std::string Scope(const Exception& e) {
  if (e.any) return "scope=ALL";
  std::string list;
  for (const std::string& a : e.addresses) list += (list.empty() ? "" : ",") + a;
  return "scope=CUSTOM addresses=" + list;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

class XpFirewall final : public ExportTarget {
 public:
  std::string_view name() const override { return kName; }
  std::string_view description() const override {
    return "netsh firewall script (Windows XP SP2/SP3): inbound program and port exceptions";
  }

  Result<std::string> Export(const Allowlist& allowlist,
                             const ExportOptions& options) const override {
    OTGUARD_ASSIGN_OR_RETURN(std::vector<ParsedNetworkRule> rules,
                             export_internal::ParseNetworkRules(allowlist, kName));
    std::map<std::string, Exception> programs;  // by executable
    std::map<std::string, Exception> ports;     // by "TCP 161", rules without a program
    std::string not_exported;
    for (const ParsedNetworkRule& parsed : rules) {
      const NetworkRule& rule = *parsed.rule;
      OTGUARD_RETURN_IF_ERROR(CheckValue(rule.executable, "\"", rule.id, "executable", kName));
      std::string what = rule.id + " " +
                         std::string(export_internal::DirectionText(rule.direction)) + " " +
                         rule.protocol + " " + std::to_string(rule.port) + " " + rule.remote +
                         " by " + (rule.executable.empty() ? "?" : rule.executable);
      if (rule.direction == Direction::kOutbound) {
        not_exported += "\n  " + what + " (outbound)";
        continue;
      }
      bool any = parsed.any_remote || rule.direction == Direction::kListen;
      if (!any && parsed.remote.family == 6) {
        not_exported += "\n  " + what + " (IPv6 peer)";
        continue;
      }
      if (rule.executable.empty() && rule.port == 0) {
        not_exported += "\n  " + what + " (no program and no port)";
        continue;
      }
      std::string port = rule.protocol + " " + std::to_string(rule.port);
      Exception& e = rule.executable.empty() ? ports[port] : programs[rule.executable];
      e.any = e.any || any;
      if (!any) e.addresses.insert(XpAddress(parsed.remote));
      e.ids.push_back(rule.id);
      e.ports.insert(port);
    }
    std::string out = "@echo off" + std::string(kEol);
    std::string header = export_internal::Header(
        allowlist, kName,
        options.enforce ? "ENFORCING: the firewall is switched on with these exceptions; it "
                          "blocks inbound connections that no exception allows."
                        : "EXCEPTIONS ONLY: the firewall's mode is left as it is; the "
                          "exceptions open their programs and ports to the peers they name.",
        "", "\n");
    out += RemLines(header +
                    "\nRun as an administrator: cmd /c FILE. XP's firewall filters inbound "
                    "connections only: OUTBOUND RULES CANNOT BE EXPRESSED and are not exported." +
                    (not_exported.empty() ? "" : "\nNot exported:" + not_exported));
    for (const auto& [program, e] : programs) {
      std::string seen;
      for (const std::string& p : e.ports) seen += (seen.empty() ? "" : ", ") + p;
      out += RemLines(Join(e.ids) + ": " + program + " accepting on " + seen +
                      "\nWIDENED: an allowed program may accept on every port it listens on");
      out += "netsh firewall add allowedprogram program=\"" + program + "\" name=\"" +
             CmdQuotable("otguard " + std::string(export_internal::BaseName(program))) +
             "\" mode=ENABLE " + Scope(e) + " profile=ALL" + std::string(kEol);
    }
    for (const auto& [port, e] : ports) {
      size_t space = port.find(' ');
      out += RemLines(Join(e.ids) + ": " + port + " for any program");
      out += "netsh firewall add portopening protocol=" +
             std::string(port.substr(0, space) == "tcp" ? "TCP" : "UDP") +
             " port=" + port.substr(space + 1) + " name=\"otguard " + Join(e.ids) +
             "\" mode=ENABLE " + Scope(e) + " profile=ALL" + std::string(kEol);
    }
    if (options.enforce) {
      out += RemLines("Switch the firewall on, exceptions allowed.");
      out +=
          "netsh firewall set opmode mode=ENABLE exceptions=ENABLE profile=ALL" + std::string(kEol);
    }
    return out;
  }
};

}  // namespace

const ExportTarget& Target() {
  static const XpFirewall target;
  return target;
}

}  // namespace otguard::host::allowlist_export::xp_firewall
