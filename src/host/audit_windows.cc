// The Windows checks: MS17-010, SMBv1 server and client, risky remote access (RDP), the host
// firewall, AutoRun, the Guest account. docs/audit.md says why each matters on a DCS station
// and where each number comes from.
#include <string>
#include <vector>

#include "host/audit_checks.h"

namespace otguard::host::audit_internal {
namespace {

constexpr char kLanmanServerParameters[] =
    "SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters";
constexpr char kMrxSmb10[] = "SYSTEM\\CurrentControlSet\\Services\\mrxsmb10";
constexpr char kMs17010Bulletin[] =
    "https://learn.microsoft.com/en-us/security-updates/securitybulletins/2017/ms17-010";
constexpr char kKb4023262[] =
    "https://support.microsoft.com/help/4023262/how-to-verify-that-ms17-010-is-installed";
constexpr char kKb2696547[] =
    "https://learn.microsoft.com/en-us/windows-server/storage/file-server/troubleshoot/"
    "detect-enable-and-disable-smbv1-v2-v3";

// MS17-010 per Windows release: the updates that carry the fix and the first srv.sys version
// that has it. KB numbers: Microsoft Security Bulletin MS17-010 (March 2017) and the May 2017
// out-of-band KB4012598 for XP, Server 2003 and Windows 8. srv.sys versions: Microsoft KB4023262
// "How to verify that MS17-010 is installed" (Method 2), cross-checked with Tenable's Nessus
// plugin 97737 (ms17-010.nasl), which tests the same file versions.
struct Ms17010Row {
  const char* release;
  int major, minor;
  int first_build, last_build;  // OS build range; Windows 10 has one row per release
  std::vector<const char*> kbs;
  const char* fixed_srv_sys;      // the first patched srv.sys
  const char* fixed_srv_sys_ldr;  // Vista/2008 only: the LDR branch's (revision >= 20000)
};

const std::vector<Ms17010Row>& Ms17010Table() {
  static const std::vector<Ms17010Row> rows = {
      {"Windows XP", 5, 1, 0, 99999, {"KB4012598"}, "5.1.2600.7208", nullptr},
      {"Windows Server 2003 / XP x64", 5, 2, 0, 99999, {"KB4012598"}, "5.2.3790.6021", nullptr},
      {"Windows Vista / Server 2008",
       6,
       0,
       0,
       99999,
       {"KB4012598"},
       "6.0.6002.19743",
       "6.0.6002.24067"},
      {"Windows 7 / Server 2008 R2",
       6,
       1,
       0,
       99999,
       {"KB4012212", "KB4012215"},
       "6.1.7601.23689",
       nullptr},
      {"Windows 8 / Server 2012",
       6,
       2,
       0,
       99999,
       {"KB4012598", "KB4012214", "KB4012217"},
       "6.2.9200.22099",
       nullptr},
      {"Windows 8.1 / Server 2012 R2",
       6,
       3,
       0,
       99999,
       {"KB4012213", "KB4012216"},
       "6.3.9600.18604",
       nullptr},
      {"Windows 10 1507", 10, 0, 10240, 10240, {"KB4012606"}, "10.0.10240.17319", nullptr},
      {"Windows 10 1511", 10, 0, 10586, 10586, {"KB4013198"}, "10.0.10586.839", nullptr},
      {"Windows 10 1607 / Server 2016",
       10,
       0,
       14393,
       14393,
       {"KB4013429"},
       "10.0.14393.953",
       nullptr},
  };
  return rows;
}

// Windows 10 1703 (build 15063) and everything later shipped with the fix.
constexpr int kFirstBuildShippedFixed = 15063;

const Ms17010Row* FindMs17010Row(const WindowsVersion& w) {
  for (const Ms17010Row& row : Ms17010Table()) {
    if (row.major == w.major && row.minor == w.minor && w.build >= row.first_build &&
        w.build <= row.last_build) {
      return &row;
    }
  }
  return nullptr;
}

std::string InstalledKb(const AuditFacts& facts, const std::vector<const char*>& kbs) {
  if (!facts.hotfixes) return "";
  for (const platform::Hotfix& h : *facts.hotfixes) {
    for (const char* kb : kbs) {
      if (h.id == kb) return kb;
    }
  }
  return "";
}

std::string Ms17010Fix(const Ms17010Row& row) {
  std::string kbs;
  for (const char* kb : row.kbs) kbs += std::string(kbs.empty() ? "" : " or ") + kb;
  std::string fix = "Install " + kbs + " (or any later cumulative update for " + row.release +
                    ") after the DCS vendor has approved it for this system release; apply it "
                    "station by station, redundant partner first. Until then block TCP 139 "
                    "and 445 to this host at the switch or firewall and disable SMBv1.";
  if (row.major == 5) {
    fix += " XP needs SP3 (x86) or SP2 (x64) for KB4012598; plan the station's replacement.";
  }
  if (row.major == 6 && row.minor == 1) fix += " Windows 7 RTM needs SP1 first.";
  return fix;
}

// "KB4012598 not installed (41 updates listed)": what the update list says.
std::string KbEvidence(const AuditFacts& facts, const Ms17010Row& row) {
  if (!facts.hotfixes) return "installed updates unknown (" + Reason(facts.hotfixes.error()) + ")";
  std::string names;
  for (const char* name : row.kbs) names += std::string(names.empty() ? "" : ", ") + name;
  return (row.kbs.size() == 1 ? names + " not installed" : "none of " + names + " installed") +
         " (" + std::to_string(facts.hotfixes->size()) + " updates listed)";
}

// No listed KB: srv.sys at or above the first fixed version means a later update carries the
// fix; below it, the hole is open.
AuditFinding& JudgeBySrvSys(AuditFinding& f, const AuditFacts& facts, const Ms17010Row& row,
                            const std::string& kbs_seen) {
  if (!facts.srv_sys_version) {
    const Status& why = facts.srv_sys_version.error();
    return Unknown(f, kbs_seen + "; " +
                          (why.code() == StatusCode::kNotFound
                               ? "srv.sys not found: the SMBv1 server driver is not installed "
                                 "here, so there is no version to compare"
                               : "srv.sys version unreadable: " + Reason(why)));
  }
  const std::string& text = *facts.srv_sys_version;
  std::optional<FileVersion> have = ParseFileVersion(text);
  if (!have) return Unknown(f, kbs_seen + "; srv.sys version '" + text + "' is not a number");
  // Vista and 2008 were serviced in two branches with their own fixed versions.
  const char* minimum = row.fixed_srv_sys;
  if (row.fixed_srv_sys_ldr != nullptr && (*have)[3] >= 20000) minimum = row.fixed_srv_sys_ldr;
  if (CompareFileVersions(*have, *ParseFileVersion(minimum)) >= 0) {
    return Pass(f, "srv.sys " + text + " >= " + minimum +
                       " (the first fixed version; a later update carries the fix)");
  }
  return Fail(f,
              kbs_seen + "; srv.sys " + text + " < " + minimum + " (" + row.release +
                  "): the EternalBlue hole is open",
              Ms17010Fix(row));
}

// Pass when a listed KB is installed or srv.sys is at least the fixed version (a later
// rollup superseded the KBs, so they need not be listed); fail when neither; unknown when
// neither can be told.
AuditFinding CheckMs17010(const AuditFacts& facts, const std::optional<WindowsVersion>& w) {
  AuditFinding f =
      NewFinding("ms17-010-missing", "MS17-010 (EternalBlue) security update", Severity::kCritical,
                 {kMs17010Bulletin, kKb4023262, "CVE-2017-0143", "CVE-2017-0144", "CVE-2017-0145"});
  if (!w) {
    return Unknown(f, "the Windows version is unknown: " +
                          (facts.os ? "'" + facts.os->version + "'" : Reason(facts.os.error())));
  }
  if (w->major == 10 && w->build >= kFirstBuildShippedFixed) {
    return Pass(f, "Windows build " + std::to_string(w->build) +
                       " (Windows 10 1703 or later) shipped with the fix");
  }
  const Ms17010Row* row = FindMs17010Row(*w);
  if (row == nullptr && (w->major < 5 || (w->major == 5 && w->minor == 0))) {
    return Fail(f, "Windows " + facts.os->version + " has no MS17-010 update at all",
                "No update exists for this Windows release: isolate the station (no SMB, TCP "
                "139/445 blocked at the switch) and plan its replacement with the DCS vendor.");
  }
  if (row == nullptr) {
    return Unknown(f, "Windows " + facts.os->version + " build " + std::to_string(w->build) +
                          " is not in the MS17-010 table");
  }
  std::string kb = InstalledKb(facts, row->kbs);
  if (!kb.empty()) return Pass(f, kb + " is installed");
  return JudgeBySrvSys(f, facts, *row, KbEvidence(facts, *row));
}

// True when the Server service cannot serve SMB: not installed, or disabled.
bool ServerServiceAbsentOrDisabled(const AuditFacts& facts) {
  if (!facts.services) return false;
  const platform::ServiceInfo* s = FindService(facts, "LanmanServer");
  return s == nullptr || s->start_type == platform::ServiceStartType::kDisabled;
}

constexpr char kSmb1ServerFix[] =
    "After the DCS vendor confirms no station, historian or backup tool of this system still "
    "needs SMBv1: set HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters SMB1 "
    "(DWORD) to 0 (Windows 8/2012 and later: Disable-WindowsOptionalFeature SMB1Protocol) and "
    "restart in a maintenance window. Block TCP 139/445 from outside the control network.";
constexpr char kSmb1XpFix[] =
    "Windows XP and Server 2003 speak only SMBv1; the SMB1 value has no effect. If the station "
    "shares no files, disable the Server service (sc config lanmanserver start= disabled) "
    "after the DCS vendor confirms it is unused; otherwise allow TCP 139/445 only from the "
    "engineering stations that need it (host firewall or switch ACL) and install KB4012598.";

AuditFinding CheckSmb1Server(const AuditFacts& facts, const std::optional<WindowsVersion>& w) {
  AuditFinding f =
      NewFinding("smb1-server-enabled", "SMBv1 server enabled", Severity::kHigh, {kKb2696547});
  std::string service = ServiceWord(facts, "LanmanServer");
  if (w && w->major == 5) {
    if (ServerServiceAbsentOrDisabled(facts)) return Pass(f, service);
    Fail(f, "Windows " + facts.os->version + " serves SMBv1 only; " + service, kSmb1XpFix);
    return f;
  }
  std::string error;
  std::optional<uint64_t> smb1 = RegistryNumber(facts, kLanmanServerParameters, "SMB1", &error);
  if (!error.empty()) return Unknown(f, error);
  if (smb1) {
    if (*smb1 == 0) return Pass(f, "LanmanServer\\Parameters SMB1=0; " + service);
    Fail(f, "LanmanServer\\Parameters SMB1=" + std::to_string(*smb1) + " (enabled); " + service,
         kSmb1ServerFix);
    return f;
  }
  // No SMB1 value: SMBv1 is on wherever its server component is installed.
  if (ServerServiceAbsentOrDisabled(facts)) {
    return Pass(f, "SMB1 value absent, but no SMB server runs: " + service);
  }
  if (!w) return Unknown(f, "SMB1 value absent and the Windows version unknown");
  if (w->major == 10 && w->build >= 16299 && !facts.srv_sys_version &&
      facts.srv_sys_version.error().code() == StatusCode::kNotFound) {
    return Pass(f, "SMB1 value absent and srv.sys not installed (SMB 1.0 feature removed)");
  }
  if (w->major == 10 && w->build >= 16299 && !facts.srv_sys_version) {
    return Unknown(f, "SMB1 value absent; whether the SMB 1.0 feature is installed is unknown (" +
                          Reason(facts.srv_sys_version.error()) + ")");
  }
  Fail(f, "LanmanServer\\Parameters SMB1 absent: SMBv1 is enabled by default here; " + service,
       kSmb1ServerFix);
  return f;
}

AuditFinding CheckSmb1Client(const AuditFacts& facts) {
  AuditFinding f =
      NewFinding("smb1-client-enabled", "SMBv1 client enabled", Severity::kLow, {kKb2696547});
  std::string error;
  std::optional<uint64_t> start = RegistryNumber(facts, kMrxSmb10, "Start", &error);
  if (!error.empty()) return Unknown(f, error);
  const Result<platform::RegistryValue>* raw = FindRegistry(facts, kMrxSmb10, "Start");
  if (!start && raw != nullptr && !raw->has_value()) {
    return Pass(f, "the SMBv1 client driver mrxsmb10 is not installed");
  }
  if (start && *start == 4) return Pass(f, "mrxsmb10 Start=4 (disabled)");
  Fail(f,
       "mrxsmb10 Start=" + (start ? std::to_string(*start) : std::string("?")) +
           ": this station can still talk SMBv1 to other hosts",
       "When no server this station uses needs SMBv1 (ask the DCS vendor; old NAS and "
       "printers may): sc config lanmanworkstation depend= bowser/mrxsmb20/nsi and "
       "sc config mrxsmb10 start= disabled, then restart in a maintenance window.");
  return f;
}

}  // namespace

void EvaluateWindowsChecks(const AuditFacts& facts, std::vector<AuditFinding>& out) {
  std::optional<WindowsVersion> w;
  if (facts.os) w = ParseWindowsVersion(*facts.os);
  out.push_back(CheckMs17010(facts, w));
  out.push_back(CheckSmb1Server(facts, w));
  if (!w || w->major >= 6) out.push_back(CheckSmb1Client(facts));
  EvaluateWindowsAccessChecks(facts, w, out);
}

}  // namespace otguard::host::audit_internal
