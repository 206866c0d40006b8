// The Linux checks: OpenSSH root and password logins, world-writable system paths, the packet
// filter, services listening on every interface, kernel ASLR (docs/audit.md).
#include <algorithm>
#include <cctype>
#include <sstream>
#include <string>
#include <vector>

#include "host/audit_checks.h"

namespace otguard::host::audit_internal {
namespace {

// One sshd option as sshd resolves it: the first value outside Match blocks wins; values in
// Match blocks apply only to the connections they match, so they are kept apart.
struct SshdOption {
  std::string value;                  // lower case; "" when not set globally
  std::string where;                  // "file:line" of the global value
  std::vector<std::string> in_match;  // "value at file:line (Match ...)"
  std::vector<std::string> match_values;
};

// Splits "Keyword value", "Keyword=value" and "Keyword = value" (sshd_config(5)).
bool SplitOption(const std::string& text, std::string* keyword, std::string* value) {
  size_t i = text.find_first_not_of(" \t");
  if (i == std::string::npos || text[i] == '#') return false;
  size_t end = text.find_first_of(" \t=", i);
  *keyword = Lower(text.substr(i, end == std::string::npos ? std::string::npos : end - i));
  if (end == std::string::npos) return !keyword->empty();
  size_t v = text.find_first_not_of(" \t", end);
  if (v != std::string::npos && text[v] == '=') v = text.find_first_not_of(" \t", v + 1);
  if (v == std::string::npos) return true;
  size_t v_end = text.find_first_of(" \t#", v);
  *value = text.substr(v, v_end == std::string::npos ? std::string::npos : v_end - v);
  if (value->size() >= 2 && value->front() == '"' && value->back() == '"') {
    *value = value->substr(1, value->size() - 2);
  }
  return true;
}

SshdOption FindSshdOption(const std::vector<ConfigLine>& lines, const std::string& keyword) {
  SshdOption option;
  std::string match;  // the current Match line; "" in the global section
  for (const ConfigLine& line : lines) {
    std::string key, value;
    if (!SplitOption(line.text, &key, &value)) continue;
    if (key == "match") {
      match = line.text.substr(line.text.find_first_not_of(" \t"));
      continue;
    }
    if (key != keyword) continue;
    std::string at = line.file + ":" + std::to_string(line.line);
    if (!match.empty()) {
      option.match_values.push_back(Lower(value));
      option.in_match.push_back(value + " at " + at + " (" + match + ")");
    } else if (option.where.empty()) {
      option.value = Lower(value);
      option.where = at;
    }
  }
  return option;
}

constexpr char kSshdConfigDoc[] = "https://man.openbsd.org/sshd_config";

// Common to the sshd checks: unknown or "no OpenSSH server" when there is no configuration.
bool SshdConfigMissing(const AuditFacts& facts, AuditFinding& f) {
  if (facts.sshd_config) return false;
  if (facts.sshd_config.error().code() == StatusCode::kNotFound) {
    Pass(f, "no /etc/ssh/sshd_config: the OpenSSH server is not installed");
  } else {
    Unknown(f, "sshd_config: " + Reason(facts.sshd_config.error()));
  }
  return true;
}

AuditFinding CheckSshRootLogin(const AuditFacts& facts) {
  AuditFinding f = NewFinding("ssh-root-login", "SSH allows root to log in with a password",
                              Severity::kHigh, {kSshdConfigDoc});
  if (SshdConfigMissing(facts, f)) return f;
  SshdOption o = FindSshdOption(*facts.sshd_config, "permitrootlogin");
  std::string fix =
      "Set PermitRootLogin no (or prohibit-password) in /etc/ssh/sshd_config, give operators "
      "their own accounts with sudo, check `sshd -t`, then reload sshd; keep a console open "
      "while testing.";
  std::vector<std::string> risky;
  if (o.value == "yes") risky.push_back("PermitRootLogin yes at " + o.where);
  for (size_t i = 0; i < o.match_values.size(); ++i) {
    if (o.match_values[i] == "yes") risky.push_back("PermitRootLogin " + o.in_match[i]);
  }
  if (!risky.empty()) return Fail(f, JoinList(risky), fix);
  if (o.value.empty()) {
    return Pass(f,
                "PermitRootLogin not set: OpenSSH 7.0 and later default to "
                "prohibit-password");
  }
  return Pass(f, "PermitRootLogin " + o.value + " at " + o.where);
}

AuditFinding CheckSshPasswordAuth(const AuditFacts& facts) {
  AuditFinding f = NewFinding("ssh-password-auth", "SSH accepts password logins", Severity::kLow,
                              {kSshdConfigDoc});
  if (SshdConfigMissing(facts, f)) return f;
  SshdOption o = FindSshdOption(*facts.sshd_config, "passwordauthentication");
  std::string fix =
      "Use keys for SSH (PasswordAuthentication no) where the site's procedures allow; "
      "otherwise limit SSH to the maintenance network and use strong, unique passwords.";
  if (o.value.empty()) {
    return Fail(f, "PasswordAuthentication not set: OpenSSH's default is yes", fix);
  }
  if (o.value == "yes") return Fail(f, "PasswordAuthentication yes at " + o.where, fix);
  std::vector<std::string> risky;
  for (size_t i = 0; i < o.match_values.size(); ++i) {
    if (o.match_values[i] == "yes") risky.push_back("PasswordAuthentication " + o.in_match[i]);
  }
  if (!risky.empty()) return Fail(f, JoinList(risky), fix);
  return Pass(f, "PasswordAuthentication " + o.value + " at " + o.where);
}

AuditFinding CheckSshEmptyPasswords(const AuditFacts& facts) {
  AuditFinding f = NewFinding("ssh-empty-passwords", "SSH accepts empty passwords", Severity::kHigh,
                              {kSshdConfigDoc});
  if (SshdConfigMissing(facts, f)) return f;
  SshdOption o = FindSshdOption(*facts.sshd_config, "permitemptypasswords");
  bool match_yes = std::count(o.match_values.begin(), o.match_values.end(), "yes") > 0;
  if (o.value == "yes" || match_yes) {
    return Fail(f, "PermitEmptyPasswords yes" + (o.value == "yes" ? " at " + o.where : ""),
                "Set PermitEmptyPasswords no and give every account a password or disable it.");
  }
  return Pass(f, o.value.empty() ? "PermitEmptyPasswords not set (default no)"
                                 : "PermitEmptyPasswords " + o.value + " at " + o.where);
}

AuditFinding CheckWorldWritable(const AuditFacts& facts) {
  AuditFinding f =
      NewFinding("world-writable-system-path",
                 "World-writable files or directories in system paths", Severity::kHigh);
  if (!facts.world_writable) {
    return Unknown(f, "walk of system paths: " + Reason(facts.world_writable.error()));
  }
  const WorldWritableScan& scan = *facts.world_writable;
  std::string walked = std::to_string(scan.examined) + " entries under " + JoinList(scan.roots);
  if (scan.truncated) walked += " (the walk stopped at its cap)";
  if (scan.count == 0) return Pass(f, "none in " + walked);
  std::vector<std::string> shown(scan.paths.begin(),
                                 scan.paths.begin() + std::min<size_t>(scan.paths.size(), 20));
  std::string evidence =
      std::to_string(scan.count) + " found in " + walked + ": " + JoinList(shown);
  if (scan.count > shown.size()) {
    evidence += " and " + std::to_string(scan.count - shown.size()) + " more";
  }
  return Fail(f, evidence,
              "Any local user or compromised service can replace these programs or "
              "configurations. Remove the write bit for others (chmod o-w PATH, or add the "
              "sticky bit to a shared directory) after finding out which installer set it; "
              "reinstall the owning package if a system file was changed.");
}

std::vector<std::string> TableNames(const Result<std::string>& text) {
  std::vector<std::string> names;
  if (!text) return names;
  std::istringstream in(*text);
  std::string name;
  while (in >> name) names.push_back(name);
  return names;
}

bool ModuleLoaded(const std::string& modules, const std::string& name) {
  return modules.rfind(name + " ", 0) == 0 || modules.find("\n" + name + " ") != std::string::npos;
}

AuditFinding CheckPacketFilter(const AuditFacts& facts) {
  AuditFinding f = NewFinding("firewall-disabled", "Host firewall off", Severity::kMedium);
  if (!facts.packet_filter)
    return Unknown(f, "packet filter: " + Reason(facts.packet_filter.error()));
  const PacketFilterFacts& p = *facts.packet_filter;
  if (!p.modules) return Unknown(f, "kernel modules: " + Reason(p.modules.error()));
  std::vector<std::string> tables = TableNames(p.ip_tables_names);
  for (const std::string& t : TableNames(p.ip6_tables_names)) tables.push_back("ip6 " + t);
  bool nf_tables = ModuleLoaded(*p.modules, "nf_tables") || p.nf_tables_in_sysfs;
  bool x_tables = ModuleLoaded(*p.modules, "x_tables") || p.x_tables_in_sysfs;
  if (tables.empty() && !nf_tables && !x_tables) {
    return Fail(f,
                "no packet filter in the kernel: no iptables tables, neither nf_tables nor "
                "x_tables loaded, so every listening service is reachable",
                "Enable a host firewall (nftables on Debian: a ruleset that accepts only the "
                "ports this station's DCS role needs, `systemctl enable --now nftables`), "
                "tested on the redundant partner first.");
  }
  std::string seen =
      tables.empty() ? std::string("no iptables tables") : "iptables tables " + JoinList(tables);
  if (nf_tables) seen += "; nf_tables loaded";
  return Unknown(f, "a packet filter is loaded (" + seen +
                        ") but its rules need netlink to read; check with `nft list ruleset` "
                        "or `iptables -S` that inbound traffic is filtered");
}

AuditFinding CheckListeningAll(const AuditFacts& facts) {
  AuditFinding f = NewFinding("listening-all-interfaces", "Services listening on all interfaces",
                              Severity::kLow);
  if (!facts.sockets) return Unknown(f, "sockets: " + Reason(facts.sockets.error()));
  std::vector<std::string> found;
  for (const platform::SocketEndpoint& e : *facts.sockets) {
    if (IsListening(e) && IsWildcardAddress(e.local_address)) {
      found.push_back(DescribeSocket(facts, e));
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  if (found.empty()) return Pass(f, "no socket bound to 0.0.0.0 or ::");
  return Fail(
      f, std::to_string(found.size()) + " listening on every interface: " + JoinList(found, 20),
      "Bind each service to the interface of the network that uses it (the control "
      "network, not the plant or office network), or filter the others at the host "
      "firewall; stop services the station does not need.");
}

AuditFinding CheckAslr(const AuditFacts& facts) {
  AuditFinding f =
      NewFinding("kernel-aslr-disabled", "Kernel address space randomization off", Severity::kLow);
  if (!facts.randomize_va_space) {
    return Unknown(f, "kernel.randomize_va_space: " + Reason(facts.randomize_va_space.error()));
  }
  std::string v = *facts.randomize_va_space;
  v.erase(std::remove_if(v.begin(), v.end(),
                         [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
          v.end());
  if (v == "2") return Pass(f, "kernel.randomize_va_space=2");
  if (v == "0") f.severity = Severity::kMedium;
  return Fail(f, "kernel.randomize_va_space=" + v + (v == "1" ? " (heap not randomized)" : ""),
              "Set kernel.randomize_va_space = 2 in /etc/sysctl.d/ unless the DCS vendor "
              "documents a reason (some old real-time software needed fixed addresses).");
}

}  // namespace

void EvaluateLinuxChecks(const AuditFacts& facts, std::vector<AuditFinding>& out) {
  out.push_back(CheckSshRootLogin(facts));
  out.push_back(CheckSshPasswordAuth(facts));
  out.push_back(CheckSshEmptyPasswords(facts));
  out.push_back(CheckWorldWritable(facts));
  out.push_back(CheckPacketFilter(facts));
  out.push_back(CheckListeningAll(facts));
  out.push_back(CheckAslr(facts));
}

}  // namespace otguard::host::audit_internal
