// The audit's rules on synthetic facts (Windows releases evaluated on any OS), and the Linux
// file facts collected from planted trees.
#include "otguard/host/audit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "testing/temp_dir.h"

namespace otguard::host {
namespace {

using platform::RegistryType;
using platform::RegistryValue;
using testutil::TempDir;

constexpr char kLanman[] = "SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters";
constexpr char kExplorer[] = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer";
constexpr char kFirewall[] =
    "SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\";

platform::OsVersion Windows(const char* name, const char* version, const char* build) {
  platform::OsVersion os;
  os.family = "windows";
  os.name = name;
  os.version = version;
  os.build = build;
  return os;
}

platform::ServiceInfo Service(
    const char* name, platform::ServiceState state,
    platform::ServiceStartType start = platform::ServiceStartType::kAutomatic) {
  platform::ServiceInfo s;
  s.name = name;
  s.state = state;
  s.start_type = start;
  return s;
}

// A Windows host as most collectors see it: everything read, nothing set.
AuditFacts WindowsFacts(platform::OsVersion os, std::vector<std::string> kbs,
                        Result<std::string> srv_sys) {
  AuditFacts facts;
  facts.host_name = "ops-station-03";
  facts.family = "windows";
  facts.os = std::move(os);
  std::vector<platform::Hotfix> hotfixes;
  for (const std::string& kb : kbs) hotfixes.push_back({kb, "Security Update", "", "cbs"});
  facts.hotfixes = hotfixes;
  facts.srv_sys_version = std::move(srv_sys);
  facts.services =
      std::vector<platform::ServiceInfo>{Service("LanmanServer", platform::ServiceState::kRunning),
                                         Service("MpsSvc", platform::ServiceState::kRunning),
                                         Service("SharedAccess", platform::ServiceState::kRunning)};
  facts.sockets = std::vector<platform::SocketEndpoint>{};
  facts.accounts = std::vector<platform::LocalAccount>{};
  for (const char* key : {kLanman, "SYSTEM\\CurrentControlSet\\Services\\mrxsmb10",
                          "SYSTEM\\CurrentControlSet\\Control\\Terminal Server", kExplorer}) {
    for (const char* name :
         {"SMB1", "Start", "fDenyTSConnections", "NoAutorun", "NoDriveTypeAutoRun"}) {
      facts.registry[RegistryFact(key, name)] = Unexpected(NotFound("absent"));
    }
  }
  for (const char* profile : {"DomainProfile", "StandardProfile", "PublicProfile"}) {
    for (std::string key :
         {std::string(kFirewall) + profile,
          "SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\" + std::string(profile)}) {
      facts.registry[RegistryFact(key, "EnableFirewall")] = Unexpected(NotFound("absent"));
    }
  }
  return facts;
}

void SetDword(AuditFacts& facts, const std::string& key, const char* name, uint64_t n) {
  RegistryValue v;
  v.name = name;
  v.type = RegistryType::kDword;
  v.number = n;
  facts.registry[RegistryFact(key, name)] = v;
}

const AuditFinding& Find(const AuditReport& report, const std::string& id) {
  auto it = std::find_if(report.findings.begin(), report.findings.end(),
                         [&](const AuditFinding& f) { return f.id == id; });
  if (it == report.findings.end()) {
    ADD_FAILURE() << "no check " << id;
    static const AuditFinding none;
    return none;
  }
  return *it;
}

bool HasCheck(const AuditReport& report, const std::string& id) {
  return std::any_of(report.findings.begin(), report.findings.end(),
                     [&](const AuditFinding& f) { return f.id == id; });
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const platform::OsVersion kXpSp3 = Windows("Windows XP Professional", "5.1", "2600");
const platform::OsVersion kWin7Sp1 = Windows("Windows 7 Professional", "6.1", "7601");

TEST(AuditMs17010Test, XpSp3WithoutTheUpdateFailsCritical) {
  AuditReport r = EvaluateAudit(WindowsFacts(kXpSp3, {"KB958644"}, "5.1.2600.5512"));
  const AuditFinding& f = Find(r, "ms17-010-missing");
  EXPECT_EQ(f.status, AuditStatus::kFail);
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_TRUE(Has(f.evidence, "5.1.2600.5512 < 5.1.2600.7208")) << f.evidence;
  EXPECT_TRUE(Has(f.evidence, "KB4012598 not installed")) << f.evidence;
  EXPECT_TRUE(Has(f.fix, "KB4012598")) << f.fix;
  // The most severe failure comes first in the report.
  EXPECT_EQ(r.findings.front().id, "ms17-010-missing");
}

TEST(AuditMs17010Test, XpPatchedByKb4012598OrByFileVersion) {
  EXPECT_EQ(
      Find(EvaluateAudit(WindowsFacts(kXpSp3, {"KB4012598"}, "5.1.2600.5512")), "ms17-010-missing")
          .status,
      AuditStatus::kPass);
  const AuditFinding& f =
      Find(EvaluateAudit(WindowsFacts(kXpSp3, {}, "5.1.2600.7208")), "ms17-010-missing");
  EXPECT_EQ(f.status, AuditStatus::kPass);
  EXPECT_TRUE(Has(f.evidence, "5.1.2600.7208")) << f.evidence;
}

TEST(AuditMs17010Test, Windows7UnpatchedKbOrLaterRollup) {
  const AuditFinding unpatched = Find(
      EvaluateAudit(WindowsFacts(kWin7Sp1, {"KB2919355"}, "6.1.7601.17514")), "ms17-010-missing");
  EXPECT_EQ(unpatched.status, AuditStatus::kFail);
  EXPECT_TRUE(Has(unpatched.evidence, "none of KB4012212, KB4012215 installed"))
      << unpatched.evidence;
  EXPECT_TRUE(Has(unpatched.evidence, "6.1.7601.17514 < 6.1.7601.23689")) << unpatched.evidence;

  const AuditFinding by_kb = Find(
      EvaluateAudit(WindowsFacts(kWin7Sp1, {"KB4012215"}, "6.1.7601.17514")), "ms17-010-missing");
  EXPECT_EQ(by_kb.status, AuditStatus::kPass);
  EXPECT_TRUE(Has(by_kb.evidence, "KB4012215")) << by_kb.evidence;

  // A 2018 rollup superseded the March 2017 KBs: not listed, but srv.sys is newer.
  const AuditFinding by_rollup = Find(
      EvaluateAudit(WindowsFacts(kWin7Sp1, {"KB4103718"}, "6.1.7601.24117")), "ms17-010-missing");
  EXPECT_EQ(by_rollup.status, AuditStatus::kPass);
  EXPECT_TRUE(Has(by_rollup.evidence, ">= 6.1.7601.23689")) << by_rollup.evidence;
}

TEST(AuditMs17010Test, VistaComparesWithinItsServicingBranch) {
  platform::OsVersion vista = Windows("Windows Vista Business", "6.0", "6002");
  auto status = [&](const char* srv) {
    return Find(EvaluateAudit(WindowsFacts(vista, {}, std::string(srv))), "ms17-010-missing")
        .status;
  };
  EXPECT_EQ(status("6.0.6002.19742"), AuditStatus::kFail);  // GDR, one short
  EXPECT_EQ(status("6.0.6002.19743"), AuditStatus::kPass);
  EXPECT_EQ(status("6.0.6002.24066"), AuditStatus::kFail);  // LDR: its own minimum
  EXPECT_EQ(status("6.0.6002.24067"), AuditStatus::kPass);
  EXPECT_EQ(status("6.0.6003.20500"), AuditStatus::kPass);  // 2008 SP2 after the 2019 rebuild
}

TEST(AuditMs17010Test, Windows10ReleasesAndLaterBuilds) {
  platform::OsVersion w1607 = Windows("Windows 10 Enterprise 2016 LTSB", "10.0", "14393");
  EXPECT_EQ(Find(EvaluateAudit(WindowsFacts(w1607, {}, "10.0.14393.0")), "ms17-010-missing").status,
            AuditStatus::kFail);
  EXPECT_EQ(
      Find(EvaluateAudit(WindowsFacts(w1607, {"KB4013429"}, "10.0.14393.0")), "ms17-010-missing")
          .status,
      AuditStatus::kPass);
  // 1809 shipped fixed: nothing to install, whatever srv.sys says.
  platform::OsVersion w1809 = Windows("Windows 10 Enterprise LTSC 2019", "10.0", "17763");
  const AuditFinding f = Find(
      EvaluateAudit(WindowsFacts(w1809, {}, Unexpected(NotFound("srv.sys")))), "ms17-010-missing");
  EXPECT_EQ(f.status, AuditStatus::kPass);
}

TEST(AuditMs17010Test, UnknownWithoutSrvSysOrAnyKb) {
  const AuditFinding absent =
      Find(EvaluateAudit(WindowsFacts(kWin7Sp1, {}, Unexpected(NotFound("no srv.sys")))),
           "ms17-010-missing");
  EXPECT_EQ(absent.status, AuditStatus::kUnknown);
  EXPECT_TRUE(Has(absent.evidence, "srv.sys not found")) << absent.evidence;

  AuditFacts facts = WindowsFacts(kWin7Sp1, {}, Unexpected(Unimplemented("GetFileVersion")));
  facts.hotfixes = Unexpected(Unimplemented("ListHotfixes"));
  const AuditFinding nothing = Find(EvaluateAudit(facts), "ms17-010-missing");
  EXPECT_EQ(nothing.status, AuditStatus::kUnknown);
  EXPECT_TRUE(Has(nothing.evidence, "GetFileVersion")) << nothing.evidence;
}

TEST(AuditSmb1Test, AbsentValueOnWindows7MeansEnabled) {
  const AuditFinding f =
      Find(EvaluateAudit(WindowsFacts(kWin7Sp1, {}, "6.1.7601.23689")), "smb1-server-enabled");
  EXPECT_EQ(f.status, AuditStatus::kFail);
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_TRUE(Has(f.evidence, "absent")) << f.evidence;
  EXPECT_TRUE(Has(f.evidence, "LanmanServer running")) << f.evidence;
}

TEST(AuditSmb1Test, ExplicitValuesDecide) {
  AuditFacts off = WindowsFacts(kWin7Sp1, {}, "6.1.7601.23689");
  SetDword(off, kLanman, "SMB1", 0);
  EXPECT_EQ(Find(EvaluateAudit(off), "smb1-server-enabled").status, AuditStatus::kPass);
  AuditFacts on = WindowsFacts(Windows("Windows 10 Pro", "10.0", "19045"), {}, "10.0.19041.1");
  SetDword(on, kLanman, "SMB1", 1);
  const AuditFinding f = Find(EvaluateAudit(on), "smb1-server-enabled");
  EXPECT_EQ(f.status, AuditStatus::kFail);
  EXPECT_TRUE(Has(f.evidence, "SMB1=1")) << f.evidence;
}

TEST(AuditSmb1Test, Windows10WithoutTheFeatureAndXpWithoutChoice) {
  AuditFacts w10 =
      WindowsFacts(Windows("Windows 10 Pro", "10.0", "19045"), {}, Unexpected(NotFound("srv.sys")));
  EXPECT_EQ(Find(EvaluateAudit(w10), "smb1-server-enabled").status, AuditStatus::kPass);
  // XP has no SMB1 switch: the Server service running is the finding.
  AuditFacts xp = WindowsFacts(kXpSp3, {"KB4012598"}, "5.1.2600.7208");
  SetDword(xp, kLanman, "SMB1", 0);
  const AuditFinding f = Find(EvaluateAudit(xp), "smb1-server-enabled");
  EXPECT_EQ(f.status, AuditStatus::kFail);
  EXPECT_TRUE(Has(f.fix, "only SMBv1")) << f.fix;
  AuditReport report = EvaluateAudit(xp);
  EXPECT_FALSE(HasCheck(report, "smb1-client-enabled"));  // XP's client is SMBv1 only
}

TEST(AuditSmb1Test, UnreadableRegistryIsUnknown) {
  AuditFacts facts = WindowsFacts(kWin7Sp1, {}, "6.1.7601.23689");
  facts.registry[RegistryFact(kLanman, "SMB1")] = Unexpected(PermissionDenied("access denied"));
  const AuditFinding f = Find(EvaluateAudit(facts), "smb1-server-enabled");
  EXPECT_EQ(f.status, AuditStatus::kUnknown);
  EXPECT_TRUE(Has(f.evidence, "access denied")) << f.evidence;
  facts.registry.clear();  // nothing collected at all (the registry reader not implemented)
  EXPECT_EQ(Find(EvaluateAudit(facts), "smb1-server-enabled").status, AuditStatus::kUnknown);
}

platform::SocketEndpoint Listener(const char* address, uint16_t port, uint32_t pid) {
  platform::SocketEndpoint e;
  e.family = std::string(address).find(':') == std::string::npos ? 4 : 6;
  e.local_address = address;
  e.local_port = port;
  e.state = "LISTEN";
  e.pid = pid;
  return e;
}

TEST(AuditPortsTest, NetworkReachableRiskyPortsFailLoopbackDoesNot) {
  AuditFacts facts = WindowsFacts(kWin7Sp1, {}, "6.1.7601.23689");
  facts.sockets = std::vector<platform::SocketEndpoint>{
      Listener("0.0.0.0", 445, 4), Listener("127.0.0.1", 3389, 900),
      Listener("192.168.110.121", 139, 4), Listener("0.0.0.0", 502, 1200)};
  facts.process_names = {{4, "System"}};
  const AuditFinding f = Find(EvaluateAudit(facts), "risky-port-listening");
  EXPECT_EQ(f.status, AuditStatus::kFail);
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_TRUE(Has(f.evidence, "tcp 0.0.0.0:445 (System, pid 4) SMB")) << f.evidence;
  EXPECT_TRUE(Has(f.evidence, "192.168.110.121:139")) << f.evidence;
  EXPECT_FALSE(Has(f.evidence, "3389")) << f.evidence;
  EXPECT_FALSE(Has(f.evidence, "502")) << f.evidence;

  facts.sockets = std::vector<platform::SocketEndpoint>{Listener("::1", 445, 4)};
  EXPECT_EQ(Find(EvaluateAudit(facts), "risky-port-listening").status, AuditStatus::kPass);
  facts.sockets = Unexpected(Unimplemented("ListSockets"));
  EXPECT_EQ(Find(EvaluateAudit(facts), "risky-port-listening").status, AuditStatus::kUnknown);
}

TEST(AuditWindowsTest, FirewallProfileOffOrServiceStopped) {
  AuditFacts facts = WindowsFacts(kWin7Sp1, {}, "6.1.7601.23689");
  EXPECT_EQ(Find(EvaluateAudit(facts), "firewall-disabled").status, AuditStatus::kPass);
  SetDword(facts, std::string(kFirewall) + "PublicProfile", "EnableFirewall", 0);
  const AuditFinding f = Find(EvaluateAudit(facts), "firewall-disabled");
  EXPECT_EQ(f.status, AuditStatus::kFail);
  EXPECT_TRUE(Has(f.evidence, "PublicProfile")) << f.evidence;
  // XP: the SharedAccess service is the firewall; stopped means off.
  AuditFacts xp = WindowsFacts(kXpSp3, {}, "5.1.2600.7208");
  (*xp.services)[2].state = platform::ServiceState::kStopped;
  EXPECT_EQ(Find(EvaluateAudit(xp), "firewall-disabled").status, AuditStatus::kFail);
}

TEST(AuditWindowsTest, AutorunDefaultLeavesUsbOn) {
  AuditFacts facts = WindowsFacts(kXpSp3, {}, "5.1.2600.7208");
  const AuditFinding f = Find(EvaluateAudit(facts), "autorun-enabled");
  EXPECT_EQ(f.status, AuditStatus::kFail);
  EXPECT_TRUE(Has(f.evidence, "0x91 (default)")) << f.evidence;
  EXPECT_TRUE(Has(f.evidence, "removable (USB)")) << f.evidence;
  EXPECT_TRUE(Has(f.evidence, "KB967715")) << f.evidence;
  SetDword(facts, kExplorer, "NoDriveTypeAutoRun", 0xFF);
  EXPECT_EQ(Find(EvaluateAudit(facts), "autorun-enabled").status, AuditStatus::kPass);
}

TEST(AuditWindowsTest, GuestAndRdp) {
  AuditFacts facts = WindowsFacts(kWin7Sp1, {}, "6.1.7601.23689");
  platform::LocalAccount guest;
  guest.name = "Gast";  // localized: the RID tells
  guest.id = 501;
  facts.accounts = std::vector<platform::LocalAccount>{guest};
  EXPECT_EQ(Find(EvaluateAudit(facts), "guest-enabled").status, AuditStatus::kFail);
  (*facts.accounts)[0].disabled = true;
  EXPECT_EQ(Find(EvaluateAudit(facts), "guest-enabled").status, AuditStatus::kPass);

  SetDword(facts, "SYSTEM\\CurrentControlSet\\Control\\Terminal Server", "fDenyTSConnections", 0);
  const AuditFinding rdp = Find(EvaluateAudit(facts), "rdp-enabled");
  EXPECT_EQ(rdp.status, AuditStatus::kFail);
  EXPECT_EQ(rdp.severity, Severity::kHigh);  // no Network Level Authentication
}

TEST(AuditReportTest, JsonRecordsAndCounts) {
  AuditFacts facts = WindowsFacts(kXpSp3, {}, "5.1.2600.5512");
  facts.taken_at = EventTime::FromNanos(1700000000123456789LL);
  AuditReport r = EvaluateAudit(facts);
  EXPECT_EQ(r.taken_at, facts.taken_at);
  std::vector<nlohmann::json> records = AuditRecords(r);
  ASSERT_EQ(records.size(), r.findings.size() + 1);
  for (const nlohmann::json& record : records) {
    EXPECT_EQ(record["@timestamp"], "2023-11-14T22:13:20.123Z");  // the facts' time, every one
  }
  const nlohmann::json& first = records.front();
  EXPECT_EQ(first["event"]["kind"], "state");
  EXPECT_EQ(first["event"]["module"], "audit");
  EXPECT_EQ(first["event"]["dataset"], "otguard.audit");
  EXPECT_EQ(first["event"]["outcome"], "failure");
  EXPECT_EQ(first["event"]["severity"], 5);
  EXPECT_EQ(first["rule"]["id"], "ms17-010-missing");
  EXPECT_EQ(first["rule"]["category"], "hardening");
  EXPECT_EQ(first["otguard"]["severity"], "critical");
  EXPECT_FALSE(first["otguard"]["audit"].contains("severity"));  // one place: otguard.severity
  EXPECT_EQ(first["otguard"]["schema_version"], kEventSchemaVersion);
  EXPECT_EQ(first["rule"]["ruleset"], "otguard-audit");
  EXPECT_EQ(first["rule"]["version"], std::string(OtguardVersion()));
  EXPECT_TRUE(first["otguard"]["audit"].contains("fix"));
  EXPECT_EQ(first["host"]["os"]["family"], "windows");
  const nlohmann::json& summary = records.back();
  EXPECT_EQ(summary["event"]["dataset"], "otguard.audit.summary");
  AuditCounts c = CountFindings(r);
  EXPECT_EQ(summary["otguard"]["audit"]["failing"], c.failing);
  EXPECT_EQ(c.failing + c.unknown + c.passing, r.findings.size());
  EXPECT_EQ(summary["otguard"]["audit"]["failing_by_severity"]["critical"], 1);
}

// ---- Linux: facts from planted trees ----

void Chmod(const std::string& path, int mode) {
  std::filesystem::permissions(path, static_cast<std::filesystem::perms>(mode));
}

AuditFacts LinuxTreeFacts(const TempDir& tree) {
  AuditOptions options;
  options.root.root = tree.path();
  return CollectAuditFacts(options);
}

class AuditLinuxTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (platform::GetOsVersion().value_or(platform::OsVersion{}).family == "windows") {
      GTEST_SKIP() << "POSIX modes and /etc trees are Linux facts";
    }
    tree_.Mkdir("etc/ssh/sshd_config.d");
    tree_.Mkdir("usr/bin");
  }
  TempDir tree_;
};

TEST_F(AuditLinuxTreeTest, IncludedFileSetsRootLoginFirst) {
  tree_.Write("etc/ssh/sshd_config",
              "# Debian layout\nInclude /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n"
              "PasswordAuthentication no\n");
  tree_.Write("etc/ssh/sshd_config.d/10-vendor.conf", "PermitRootLogin=yes\n");
  tree_.Write("etc/ssh/sshd_config.d/20-site.conf", "PermitRootLogin prohibit-password\n");
  tree_.Write("etc/ssh/sshd_config.d/readme.txt", "PermitRootLogin no\n");
  AuditReport r = EvaluateAudit(LinuxTreeFacts(tree_));
  const AuditFinding& f = Find(r, "ssh-root-login");
  EXPECT_EQ(f.status, AuditStatus::kFail);
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_TRUE(Has(f.evidence, "/etc/ssh/sshd_config.d/10-vendor.conf:1")) << f.evidence;
  EXPECT_EQ(Find(r, "ssh-password-auth").status, AuditStatus::kPass);
  EXPECT_EQ(r.family, "linux");
  EXPECT_GT(r.taken_at, EventTime::FromNanos(1700000000LL * 1000000000LL));  // stamped when read
}

TEST_F(AuditLinuxTreeTest, RelativeIncludeAndMatchBlocks) {
  tree_.Write("etc/ssh/sshd_config",
              "Include sshd_config.d/*.conf\nMatch User backup\n  PermitRootLogin yes\n");
  tree_.Write("etc/ssh/sshd_config.d/10.conf", "PermitRootLogin no\n");
  const AuditFinding f = Find(EvaluateAudit(LinuxTreeFacts(tree_)), "ssh-root-login");
  EXPECT_EQ(f.status, AuditStatus::kFail);
  EXPECT_TRUE(Has(f.evidence, "Match User backup")) << f.evidence;
  // Unset everywhere: OpenSSH's default (prohibit-password) passes; password logins default on.
  tree_.Write("etc/ssh/sshd_config", "Port 22\n");
  std::filesystem::remove(tree_.File("etc/ssh/sshd_config.d/10.conf"));
  AuditReport r = EvaluateAudit(LinuxTreeFacts(tree_));
  EXPECT_EQ(Find(r, "ssh-root-login").status, AuditStatus::kPass);
  EXPECT_EQ(Find(r, "ssh-password-auth").status, AuditStatus::kFail);
  EXPECT_EQ(Find(r, "ssh-password-auth").severity, Severity::kLow);
}

TEST_F(AuditLinuxTreeTest, SelfIncludeIsAnErrorNotAHang) {
  tree_.Write("etc/ssh/sshd_config", "Include /etc/ssh/sshd_config\n");
  Result<std::vector<ConfigLine>> lines = ReadSshdConfig("/etc/ssh/sshd_config", {tree_.path()});
  ASSERT_FALSE(lines.has_value());
  EXPECT_EQ(lines.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Find(EvaluateAudit(LinuxTreeFacts(tree_)), "ssh-root-login").status,
            AuditStatus::kUnknown);
}

// An image's absolute link means a file of the image, never one of the host doing the audit.
TEST_F(AuditLinuxTreeTest, AbsoluteLinksInTheTreeStayInTheTree) {
  tree_.Mkdir("etc/ssh/otguard-image-only");
  tree_.Write("etc/ssh/otguard-image-only/sshd_config", "PermitRootLogin yes\n");
  std::filesystem::create_symlink("/etc/ssh/otguard-image-only/sshd_config",
                                  tree_.File("etc/ssh/sshd_config"));
  const AuditFinding f = Find(EvaluateAudit(LinuxTreeFacts(tree_)), "ssh-root-login");
  EXPECT_EQ(f.status, AuditStatus::kFail) << f.evidence;
  EXPECT_TRUE(Has(f.evidence, "PermitRootLogin yes")) << f.evidence;
}

TEST_F(AuditLinuxTreeTest, NoSshServerPasses) {
  EXPECT_EQ(Find(EvaluateAudit(LinuxTreeFacts(tree_)), "ssh-root-login").status,
            AuditStatus::kPass);
}

TEST_F(AuditLinuxTreeTest, WorldWritableFilesAndDirectoriesButNotSymlinksOrStickyDirs) {
  tree_.Mkdir("etc/cron.d");
  Chmod(tree_.Write("etc/cron.d/backup", "0 2 * * * root /usr/local/bin/backup\n"), 0666);
  Chmod(tree_.Write("usr/bin/ok", "#!/bin/sh\n"), 0755);
  Chmod(tree_.Mkdir("usr/bin/dropbox"), 0777);
  Chmod(tree_.Mkdir("etc/shared"), 01777);
  std::filesystem::create_symlink("/tmp", tree_.File("etc/link-to-tmp"));
  const AuditFinding f = Find(EvaluateAudit(LinuxTreeFacts(tree_)), "world-writable-system-path");
  EXPECT_EQ(f.status, AuditStatus::kFail);
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_TRUE(Has(f.evidence, "2 found")) << f.evidence;
  EXPECT_TRUE(Has(f.evidence, "/etc/cron.d/backup")) << f.evidence;
  EXPECT_TRUE(Has(f.evidence, "/usr/bin/dropbox")) << f.evidence;
  EXPECT_FALSE(Has(f.evidence, tree_.path())) << "paths are shown as on the audited host";
  EXPECT_FALSE(Has(f.evidence, "shared")) << f.evidence;
  EXPECT_FALSE(Has(f.evidence, "link-to-tmp")) << f.evidence;
}

TEST_F(AuditLinuxTreeTest, TheWalkStopsAtItsCap) {
  for (int i = 0; i < 50; ++i) tree_.Write("usr/bin/tool" + std::to_string(i), "x");
  AuditOptions options;
  options.root.root = tree_.path();
  options.max_walk_entries = 10;
  AuditFacts facts = CollectAuditFacts(options);
  ASSERT_TRUE(facts.world_writable.has_value());
  EXPECT_TRUE(facts.world_writable->truncated);
  EXPECT_LE(facts.world_writable->examined, 10u);
}

TEST_F(AuditLinuxTreeTest, LiveStateIsNotExaminedForATree) {
  AuditReport r = EvaluateAudit(LinuxTreeFacts(tree_));
  for (const char* id : {"risky-port-listening", "listening-all-interfaces", "firewall-disabled",
                         "kernel-aslr-disabled"}) {
    const AuditFinding& f = Find(r, id);
    EXPECT_EQ(f.status, AuditStatus::kUnknown) << id;
    EXPECT_TRUE(Has(f.evidence, "not examined")) << f.evidence;
  }
  EXPECT_FALSE(HasCheck(r, "smb1-server-enabled"));
}

TEST(AuditLinuxTest, PacketFilterAndAslrFromKernelText) {
  AuditFacts facts;
  facts.family = "linux";
  PacketFilterFacts none{Unexpected(NotFound("x")), Unexpected(NotFound("x")),
                         std::string("ext4 1000 1 - Live 0x0\n")};
  facts.packet_filter = none;
  facts.randomize_va_space = std::string("0\n");
  AuditReport r = EvaluateAudit(facts);
  EXPECT_EQ(Find(r, "firewall-disabled").status, AuditStatus::kFail);
  EXPECT_EQ(Find(r, "kernel-aslr-disabled").status, AuditStatus::kFail);
  EXPECT_EQ(Find(r, "kernel-aslr-disabled").severity, Severity::kMedium);

  PacketFilterFacts nft{Unexpected(NotFound("x")), Unexpected(NotFound("x")),
                        std::string("ext4 1000 1 - Live 0x0\nnf_tables 300000 0 - Live 0x0\n")};
  facts.packet_filter = nft;
  facts.randomize_va_space = std::string("2\n");
  r = EvaluateAudit(facts);
  const AuditFinding& fw = Find(r, "firewall-disabled");
  EXPECT_EQ(fw.status, AuditStatus::kUnknown);  // loaded, but the rules need netlink
  EXPECT_TRUE(Has(fw.evidence, "nf_tables")) << fw.evidence;
  EXPECT_EQ(Find(r, "kernel-aslr-disabled").status, AuditStatus::kPass);
}

TEST(AuditLinuxTest, EmptyPasswordAndListeningEverywhere) {
  AuditFacts facts;
  facts.family = "linux";
  platform::LocalAccount op, locked, unknown;
  op.name = "operator";
  op.empty_password = true;
  locked.name = "daemon";
  locked.disabled = true;
  locked.empty_password = true;
  unknown.name = "eng";
  facts.accounts = std::vector<platform::LocalAccount>{op, locked, unknown};
  facts.sockets = std::vector<platform::SocketEndpoint>{Listener("0.0.0.0", 22, 812),
                                                        Listener("127.0.0.1", 631, 900)};
  facts.process_names = {{812, "sshd"}};
  AuditReport r = EvaluateAudit(facts);
  const AuditFinding& empty = Find(r, "empty-password-account");
  EXPECT_EQ(empty.status, AuditStatus::kFail);
  EXPECT_TRUE(Has(empty.evidence, "operator")) << empty.evidence;
  EXPECT_FALSE(Has(empty.evidence, "daemon")) << empty.evidence;
  const AuditFinding& all = Find(r, "listening-all-interfaces");
  EXPECT_EQ(all.status, AuditStatus::kFail);
  EXPECT_TRUE(Has(all.evidence, "tcp 0.0.0.0:22 (sshd, pid 812)")) << all.evidence;
  EXPECT_FALSE(Has(all.evidence, "631")) << all.evidence;
}

TEST(AuditReportTest, TextTableAndExitCode) {
  AuditReport r = EvaluateAudit(WindowsFacts(kXpSp3, {}, "5.1.2600.5512"));
  r.host_name = "OPS-01";
  std::string text = AuditText(r, /*all=*/false);
  EXPECT_EQ(text.rfind("host: OPS-01  os: Windows XP Professional 5.1\n\n", 0), 0u) << text;
  EXPECT_NE(text.find("\nfail     critical  ms17-010-missing"), std::string::npos) << text;
  EXPECT_NE(text.find("    fix:      "), std::string::npos);
  AuditCounts c = CountFindings(r);
  std::string counts =
      std::to_string(c.checks) + " checks: " + std::to_string(c.failing) + " failing (1 critical";
  EXPECT_NE(text.find(counts), std::string::npos) << text;
  if (c.passing > 0) {
    EXPECT_NE(text.find("(--all shows them)"), std::string::npos);
    EXPECT_EQ(text.find("\npass "), std::string::npos);
    EXPECT_NE(AuditText(r, /*all=*/true).find("\npass "), std::string::npos);
  }
  EXPECT_EQ(AuditExitCode(r), 1);
  r.findings.clear();
  EXPECT_EQ(AuditExitCode(r), 0);
}

}  // namespace
}  // namespace otguard::host
