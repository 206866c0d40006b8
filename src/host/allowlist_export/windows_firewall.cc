// Windows Firewall with Advanced Security (Vista and later) as a cmd script of
// `netsh advfirewall firewall add rule` lines: one allow rule per network rule, bound to its
// program (program=), so the process binding the allowlist learned is kept. Each rule is deleted
// by name first, so running the script again replaces the rules it wrote before.
#include <string>
#include <vector>

#include "host/allowlist_export_common.h"

namespace otguard::host::allowlist_export::windows_firewall {
namespace {

using export_internal::CheckValue;
using export_internal::CmdQuotable;
using export_internal::ParsedNetworkRule;
using export_internal::RemLines;

constexpr std::string_view kName = "windows-firewall";
constexpr std::string_view kEol = "\r\n";

std::string Upper(std::string text) {
  for (char& c : text) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return text;
}

Result<std::string> RuleLines(const ParsedNetworkRule& parsed) {
  const NetworkRule& rule = *parsed.rule;
  OTGUARD_RETURN_IF_ERROR(CheckValue(rule.executable, "\"", rule.id, "executable", kName));
  std::string name = "otguard " + rule.id;
  std::string out =
      RemLines(rule.id + " " + std::string(export_internal::DirectionText(rule.direction)) + " " +
               rule.protocol + " " + (rule.port ? std::to_string(rule.port) : "any port") + " " +
               rule.remote + " by " + (rule.executable.empty() ? "any program" : rule.executable) +
               (rule.comment.empty() ? "" : ": " + rule.comment));
  if (rule.executable.empty()) out += RemLines("WIDENED: no program known; any program may");
  out +=
      "netsh advfirewall firewall delete rule name=\"" + name + "\" >nul 2>&1" + std::string(kEol);
  bool in = rule.direction != Direction::kOutbound;
  out += "netsh advfirewall firewall add rule name=\"" + name + "\" dir=" + (in ? "in" : "out") +
         " action=allow enable=yes profile=any";
  if (!rule.executable.empty()) out += " program=\"" + rule.executable + "\"";
  out += " protocol=" + Upper(rule.protocol);
  if (rule.port != 0) out += (in ? " localport=" : " remoteport=") + std::to_string(rule.port);
  out += " remoteip=" + (parsed.any_remote || rule.direction == Direction::kListen
                             ? std::string("any")
                             : IpPrefixText(parsed.remote));
  out += " description=\"" + CmdQuotable("otguard allowlist rule " + rule.id + " " + rule.comment) +
         "\"" + std::string(kEol);
  return out;
}

class WindowsFirewall final : public ExportTarget {
 public:
  std::string_view name() const override { return kName; }
  std::string_view description() const override {
    return "netsh advfirewall script (Windows Vista+): allow rules bound to their programs";
  }

  Result<std::string> Export(const Allowlist& allowlist,
                             const ExportOptions& options) const override {
    OTGUARD_ASSIGN_OR_RETURN(std::vector<ParsedNetworkRule> rules,
                             export_internal::ParseNetworkRules(allowlist, kName));
    std::string out = "@echo off" + std::string(kEol);
    std::string header = export_internal::Header(
        allowlist, kName,
        options.enforce
            ? "ENFORCING: the firewall is switched on and blocks inbound and outbound "
              "connections that no rule allows."
            : "ALLOW RULES ONLY: the firewall's default policy is left as it is, so nothing "
              "more is blocked; inbound rules do open their ports to the peers they name. "
              "Export with --enforce to block outbound connections too.",
        "", "\n");
    out += RemLines(header +
                    "\nRun as an administrator: cmd /c FILE. Process rules are not "
                    "part of the firewall: export them with --format applocker.");
    for (const ParsedNetworkRule& parsed : rules) {
      OTGUARD_ASSIGN_OR_RETURN(std::string lines, RuleLines(parsed));
      out += lines;
    }
    if (options.enforce) {
      out += RemLines("Switch the firewall on, block what no rule allows, both directions.");
      out += "netsh advfirewall set allprofiles state on" + std::string(kEol);
      out += "netsh advfirewall set allprofiles firewallpolicy blockinbound,blockoutbound" +
             std::string(kEol);
    }
    return out;
  }
};

}  // namespace

const ExportTarget& Target() {
  static const WindowsFirewall target;
  return target;
}

}  // namespace otguard::host::allowlist_export::windows_firewall
