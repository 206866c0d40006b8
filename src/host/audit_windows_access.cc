// The Windows checks of how a station can be reached or fed: Remote Desktop, the host
// firewall, AutoRun of removable media, the Guest account (docs/audit.md).
#include <string>
#include <vector>

#include "host/audit_checks.h"

namespace otguard::host::audit_internal {
namespace {

constexpr char kTerminalServer[] = "SYSTEM\\CurrentControlSet\\Control\\Terminal Server";
constexpr char kRdpTcp[] =
    "SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp";
constexpr char kExplorerPolicies[] =
    "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer";
constexpr char kAutorunInfMapping[] =
    "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\IniFileMapping\\Autorun.inf";

AuditFinding CheckRdp(const AuditFacts& facts) {
  AuditFinding f =
      NewFinding("rdp-enabled", "Remote Desktop accepts connections", Severity::kMedium,
                 {"https://msrc.microsoft.com/update-guide/vulnerability/CVE-2019-0708"});
  std::string error;
  std::optional<uint64_t> deny =
      RegistryNumber(facts, kTerminalServer, "fDenyTSConnections", &error);
  if (!error.empty()) return Unknown(f, error);
  if (!deny || *deny != 0) {
    return Pass(f, deny ? "fDenyTSConnections=" + std::to_string(*deny)
                        : "fDenyTSConnections absent (connections denied by default)");
  }
  std::optional<uint64_t> nla = RegistryNumber(facts, kRdpTcp, "UserAuthentication", &error);
  bool nla_on = nla && *nla != 0;
  if (!nla_on) f.severity = Severity::kHigh;
  return Fail(f,
              std::string("fDenyTSConnections=0 (Remote Desktop on); Network Level "
                          "Authentication ") +
                  (nla_on ? "required"
                          : "not required: the logon screen is reachable "
                            "without credentials (BlueKeep, brute force)"),
              "If remote support needs RDP, allow TCP 3389 only from the engineering or "
              "jump host addresses (host firewall or switch ACL), require Network Level "
              "Authentication and keep the station patched; otherwise turn Remote Desktop off "
              "(System Properties > Remote) after telling the DCS vendor's support.");
}

// Vista and later have three profiles; XP SP2 and 2003 SP1 have Domain and Standard.
std::vector<std::string> FirewallProfiles(const std::optional<WindowsVersion>& w) {
  if (w && w->major == 5) return {"DomainProfile", "StandardProfile"};
  return {"DomainProfile", "StandardProfile", "PublicProfile"};
}

// The effective EnableFirewall of one profile: Group Policy wins over the local setting; an
// absent value means on (the default since XP SP2). "" in *error when it could be read.
std::optional<uint64_t> ProfileEnabled(const AuditFacts& facts, const std::string& profile,
                                       std::string* source, std::string* error) {
  std::string policy_error;
  std::optional<uint64_t> policy =
      RegistryNumber(facts, "SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\" + profile,
                     "EnableFirewall", &policy_error);
  if (policy) {
    *source = "policy";
    return policy;
  }
  std::optional<uint64_t> local = RegistryNumber(
      facts,
      "SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\" + profile,
      "EnableFirewall", error);
  if (local) {
    *source = "local";
    return local;
  }
  if (error->empty()) *error = policy_error;
  return std::nullopt;
}

AuditFinding CheckWindowsFirewall(const AuditFacts& facts, const std::optional<WindowsVersion>& w) {
  AuditFinding f = NewFinding("firewall-disabled", "Host firewall off", Severity::kMedium);
  std::vector<std::string> off, seen, unreadable;
  for (const std::string& profile : FirewallProfiles(w)) {
    std::string source, error;
    std::optional<uint64_t> on = ProfileEnabled(facts, profile, &source, &error);
    if (!error.empty()) {
      unreadable.push_back(profile + " (" + error + ")");
    } else if (on && *on == 0) {
      off.push_back(profile + " (" + source + ")");
    } else {
      seen.push_back(profile + (on ? "=1" : " default on"));
    }
  }
  // XP's firewall runs in the SharedAccess service; Vista and later in MpsSvc.
  const char* service_name = (w && w->major == 5) ? "SharedAccess" : "MpsSvc";
  std::string service = ServiceWord(facts, service_name);
  bool service_down = false;
  if (facts.services) {
    const platform::ServiceInfo* s = FindService(facts, service_name);
    service_down = s == nullptr || s->state != platform::ServiceState::kRunning;
  }
  std::string fix =
      "Turn the Windows Firewall on for every profile with inbound rules for exactly the ports "
      "the DCS vendor documents for this station (test on the redundant partner or a spare "
      "first); a station with the firewall off exposes every listening service to a worm.";
  if (!off.empty() || service_down) {
    return Fail(f, (off.empty() ? "" : "EnableFirewall=0 for " + JoinList(off) + "; ") + service,
                fix);
  }
  if (!unreadable.empty() || !facts.services) {
    return Unknown(f, (unreadable.empty() ? "" : "unreadable: " + JoinList(unreadable) + "; ") +
                          service +
                          (facts.services ? "" : " (" + Reason(facts.services.error()) + ")"));
  }
  return Pass(f, JoinList(seen) + "; " + service);
}

// Bits of NoDriveTypeAutoRun that must be set: removable (0x04), fixed (0x08), network (0x10),
// CD-ROM (0x20), RAM disk (0x40). Defaults: 0x91 on XP, Vista, 2008 and later clients (leaves
// removable, fixed and CD-ROM drives on); 0x95 on Server 2003.
constexpr uint64_t kAutorunDriveBits = 0x04 | 0x08 | 0x10 | 0x20 | 0x40;

std::string Hex(uint64_t n) {
  const char* digits = "0123456789ABCDEF";
  std::string s;
  do {
    s.insert(s.begin(), digits[n % 16]);
    n /= 16;
  } while (n != 0);
  return "0x" + s;
}

AuditFinding CheckAutorun(const AuditFacts& facts, const std::optional<WindowsVersion>& w) {
  AuditFinding f = NewFinding("autorun-enabled", "AutoRun enabled for removable or other drives",
                              Severity::kMedium, {"https://support.microsoft.com/help/967715"});
  std::string error;
  std::optional<uint64_t> no_autorun =
      RegistryNumber(facts, kExplorerPolicies, "NoAutorun", &error);
  if (no_autorun && *no_autorun == 1) return Pass(f, "NoAutorun=1 (no AutoRun commands)");
  const Result<platform::RegistryValue>* mapping = FindRegistry(facts, kAutorunInfMapping, "");
  if (mapping != nullptr && mapping->has_value() &&
      (*mapping)->text.find("DoesNotExist") != std::string::npos) {
    return Pass(f, "Autorun.inf is mapped to " + (*mapping)->text + " (never read)");
  }
  std::optional<uint64_t> types =
      RegistryNumber(facts, kExplorerPolicies, "NoDriveTypeAutoRun", &error);
  if (!error.empty()) return Unknown(f, error);
  uint64_t value = types.value_or((w && w->major == 5 && w->minor == 2 && w->server) ? 0x95 : 0x91);
  std::string shown = "NoDriveTypeAutoRun=" + Hex(value) + (types ? "" : " (default)");
  if ((value & kAutorunDriveBits) == kAutorunDriveBits) return Pass(f, shown);
  std::vector<std::string> open;
  if (!(value & 0x04)) open.push_back("removable (USB)");
  if (!(value & 0x08)) open.push_back("fixed");
  if (!(value & 0x10)) open.push_back("network");
  if (!(value & 0x20)) open.push_back("CD-ROM");
  if (!(value & 0x40)) open.push_back("RAM disk");
  std::string evidence = shown + ": AutoRun on " + JoinList(open) + " drives";
  if (w && w->major == 5) {
    evidence += "; on XP/2003 the setting is honoured only with KB967715 (or KB950582)";
  }
  return Fail(f, evidence,
              "Set HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer "
              "NoDriveTypeAutoRun (DWORD) to 0xFF (or the Group Policy 'Turn off AutoPlay: All "
              "drives'); on XP/2003 install KB967715 first. USB sticks are how malware crosses "
              "the air gap to a DCS; use a scanning kiosk for media.");
}

AuditFinding CheckGuest(const AuditFacts& facts) {
  AuditFinding f = NewFinding("guest-enabled", "Guest account enabled", Severity::kMedium);
  if (!facts.accounts) return Unknown(f, "local accounts: " + Reason(facts.accounts.error()));
  for (const platform::LocalAccount& a : *facts.accounts) {
    bool guest = a.id == 501 || a.name == "Guest" || a.name == "guest";
    if (!guest) continue;
    if (a.disabled) return Pass(f, "the Guest account '" + a.name + "' is disabled");
    return Fail(f,
                "the Guest account '" + a.name + "' (RID " + std::to_string(a.id) +
                    ") is enabled: anyone on the network can use shares open to Everyone",
                "Disable it (net user " + a.name +
                    " /active:no) unless the DCS vendor documents a need; check the shares "
                    "this station offers.");
  }
  return Pass(f, "no Guest account (RID 501) listed");
}

}  // namespace

void EvaluateWindowsAccessChecks(const AuditFacts& facts, const std::optional<WindowsVersion>& w,
                                 std::vector<AuditFinding>& out) {
  out.push_back(CheckRdp(facts));
  out.push_back(CheckWindowsFirewall(facts, w));
  out.push_back(CheckAutorun(facts, w));
  out.push_back(CheckGuest(facts));
}

}  // namespace otguard::host::audit_internal
