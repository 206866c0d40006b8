// The checks that apply on Windows and Linux alike: the ports EternalBlue-style worms and
// remote-access attacks use, and accounts that log on without a password (docs/audit.md).
#include <algorithm>
#include <string>
#include <vector>

#include "host/audit_checks.h"

namespace otguard::host::audit_internal {
namespace {

struct RiskyPort {
  uint16_t port;
  Severity severity;
  const char* what;
};

// 445 and 139: SMB (EternalBlue, the refinery's worm); 3389: Remote Desktop (BlueKeep, brute
// force); 135: the RPC endpoint mapper (MS03-026 Blaster; DCOM lateral movement).
constexpr RiskyPort kRiskyPorts[] = {
    {445, Severity::kHigh, "SMB"},
    {139, Severity::kHigh, "SMB over NetBIOS"},
    {3389, Severity::kHigh, "Remote Desktop"},
    {135, Severity::kMedium, "RPC endpoint mapper"},
};

AuditFinding CheckRiskyPorts(const AuditFacts& facts) {
  AuditFinding f =
      NewFinding("risky-port-listening",
                 "SMB, RPC or Remote Desktop port reachable from the network", Severity::kMedium);
  if (!facts.sockets) return Unknown(f, "sockets: " + Reason(facts.sockets.error()));
  std::vector<std::string> found;
  Severity worst = Severity::kInfo;
  for (const platform::SocketEndpoint& e : *facts.sockets) {
    if (e.protocol != platform::SocketProtocol::kTcp || !IsListening(e)) continue;
    // A loopback listener cannot be reached by another host, so it cannot spread a worm.
    if (IsLoopbackAddress(e.local_address)) continue;
    for (const RiskyPort& p : kRiskyPorts) {
      if (e.local_port != p.port) continue;
      found.push_back(DescribeSocket(facts, e) + " " + p.what);
      worst = std::max(worst, p.severity);
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  if (found.empty()) {
    return Pass(f, "none of TCP 135, 139, 445, 3389 listening on a non-loopback address");
  }
  f.severity = worst;
  return Fail(f, JoinList(found),
              "Find out with the DCS vendor which of these the station's role needs (file "
              "shares for engineering, OPC Classic over DCOM on 135, remote support over RDP). "
              "Stop the services it does not need; for the others allow the port only from "
              "the stations that use it, at the host firewall or the switch ACL. These are the "
              "ports the refinery's worm spread through.");
}

AuditFinding CheckEmptyPasswords(const AuditFacts& facts) {
  AuditFinding f = NewFinding("empty-password-account", "Accounts that log on without a password",
                              Severity::kHigh);
  if (!facts.accounts) return Unknown(f, "local accounts: " + Reason(facts.accounts.error()));
  std::vector<std::string> empty;
  size_t unknown = 0;
  for (const platform::LocalAccount& a : *facts.accounts) {
    if (a.disabled) continue;
    if (!a.empty_password) {
      ++unknown;
    } else if (*a.empty_password) {
      empty.push_back(a.name + (a.administrator ? " (administrator)" : ""));
    }
  }
  if (!empty.empty()) {
    return Fail(f,
                JoinList(empty, 20) + (facts.family == "windows"
                                           ? ": no password required (UF_PASSWD_NOTREQD)"
                                           : ": empty password field in /etc/shadow"),
                "Give each of these accounts a password or disable it (Linux: passwd -l NAME; "
                "Windows: net user NAME /active:no), after checking with the DCS vendor that "
                "no service logs on with it.");
  }
  if (unknown > 0) {
    return Unknown(f, std::to_string(unknown) +
                          " enabled accounts could not be checked (no access to the password "
                          "database; run as root/administrator)");
  }
  return Pass(f, "every enabled account has a password (" + std::to_string(facts.accounts->size()) +
                     " accounts)");
}

}  // namespace

void EvaluateCommonChecks(const AuditFacts& facts, std::vector<AuditFinding>& out) {
  out.push_back(CheckRiskyPorts(facts));
  out.push_back(CheckEmptyPasswords(facts));
}

}  // namespace otguard::host::audit_internal
