// AllowlistMatcher, Replay, Diff, CompareHosts and upgrades.
#include <gtest/gtest.h>

#include "host/testing/observations.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

using testutil::Conn;
using testutil::kSecond;
using testutil::kStart;
using testutil::Proc;
using testutil::Sha;

ProcessRule PRule(std::string id, ProcessRuleKind kind, std::string path,
                  std::vector<std::string> sha = {}, std::string signer = "",
                  std::string package = "") {
  ProcessRule r;
  r.id = std::move(id);
  r.kind = kind;
  r.path = std::move(path);
  r.sha256 = std::move(sha);
  r.signer = std::move(signer);
  r.package = std::move(package);
  return r;
}

NetworkRule NRule(std::string id, std::string exe, Direction d, std::string remote, uint16_t port,
                  std::string protocol = "tcp") {
  NetworkRule r;
  r.id = std::move(id);
  r.executable = std::move(exe);
  r.protocol = std::move(protocol);
  r.direction = d;
  r.remote = std::move(remote);
  r.port = port;
  return r;
}

Allowlist Station() {
  Allowlist a;
  a.version = 1;
  a.processes = {
      PRule("p-hash", ProcessRuleKind::kHash, "C:\\Tools\\report.exe", {Sha('1'), Sha('2')}),
      PRule("p-anywhere", ProcessRuleKind::kHash, "", {Sha('9')}),
      PRule("p-pathsigner", ProcessRuleKind::kPathSigner, "C:\\Windows\\System32\\svchost.exe", {},
            "Microsoft Windows"),
      PRule("p-publisher", ProcessRuleKind::kPublisherPath, "C:\\Program Files\\Vendor\\Product\\",
            {}, "Vendor Ltd"),
      PRule("p-package", ProcessRuleKind::kPackage, "", {}, "", "openssh-server"),
      PRule("p-path", ProcessRuleKind::kPath, "/opt/plant/bin/run.sh"),
  };
  a.network = {
      NRule("n-cidr", "C:\\OPC\\modbus.exe", Direction::kOutbound, "10.10.1.0/26", 502),
      NRule("n-exact", "C:\\PI\\opcint.exe", Direction::kOutbound, "10.20.0.5", 5450),
      NRule("n-listen", "C:\\OPC\\ua.exe", Direction::kListen, "any", 4840),
      NRule("n-v6", "/usr/sbin/chronyd", Direction::kOutbound, "2001:db8:1::/48", 123, "udp"),
      NRule("n-in", "C:\\OPC\\ua.exe", Direction::kInbound, "10.10.2.16/28", 4840),
  };
  return a;
}

AllowlistMatcher Matcher(const Allowlist& a = Station()) {
  auto m = AllowlistMatcher::Build(a);
  EXPECT_TRUE(m.has_value()) << m.error().ToString();
  return *m;
}

// ---------------------------------------------------------------------------------------------
// Processes

TEST(AllowlistMatcher, HashRuleMatchesItsPathAndContentsOnly) {
  AllowlistMatcher m = Matcher();
  EXPECT_EQ(m.Check(Proc("C:\\Tools\\report.exe", Sha('2'))).rule_id, "p-hash");
  EXPECT_TRUE(m.Check(Proc("c:/TOOLS/Report.exe", Sha('1'))).allowed);  // Windows spelling
  Verdict other_content = m.Check(Proc("C:\\Tools\\report.exe", Sha('3')));
  EXPECT_FALSE(other_content.allowed);
  EXPECT_NE(other_content.reason.find("C:\\Tools\\report.exe"), std::string::npos);
  EXPECT_NE(other_content.reason.find("content"), std::string::npos) << other_content.reason;
  EXPECT_EQ(other_content.mismatch, Mismatch::kContentChanged);
  EXPECT_EQ(other_content.rule_id, "p-hash");  // the rule the program was allowed by
  EXPECT_TRUE(IsModifiedProgram(other_content.mismatch));
  EXPECT_EQ(m.Check(Proc("C:\\Tools\\report.exe", Sha('2'))).mismatch, Mismatch::kNone);
  EXPECT_FALSE(m.Check(Proc("C:\\Temp\\report.exe", Sha('1'))).allowed);  // moved elsewhere
  EXPECT_EQ(m.Check(Proc("/anywhere/x", Sha('9'))).rule_id, "p-anywhere");
}

TEST(AllowlistMatcher, PathSignerNeedsTheSameSigner) {
  AllowlistMatcher m = Matcher();
  const std::string svchost = "C:\\Windows\\System32\\svchost.exe";
  EXPECT_EQ(m.Check(Proc(svchost, Sha('a'), "Microsoft Windows")).rule_id, "p-pathsigner");
  Verdict unsigned_file = m.Check(Proc(svchost, Sha('b')));
  EXPECT_FALSE(unsigned_file.allowed);
  EXPECT_NE(unsigned_file.reason.find("unsigned"), std::string::npos) << unsigned_file.reason;
  EXPECT_NE(unsigned_file.reason.find("Microsoft Windows"), std::string::npos);
  EXPECT_EQ(unsigned_file.mismatch, Mismatch::kSignerChanged);
  EXPECT_STREQ(MismatchName(unsigned_file.mismatch), "signer-changed");
  EXPECT_FALSE(m.Check(Proc(svchost, Sha('b'), "Microsoft Windows (evil)")).allowed);
}

TEST(AllowlistMatcher, PublisherPathMatchesUnderItsFolderWithItsSigner) {
  AllowlistMatcher m = Matcher();
  EXPECT_EQ(
      m.Check(Proc("C:\\Program Files\\Vendor\\Product\\new\\tool.exe", Sha('x'), "Vendor Ltd"))
          .rule_id,
      "p-publisher");
  EXPECT_TRUE(
      m.Check(Proc("c:\\program files\\VENDOR\\product\\a.exe", Sha('x'), "Vendor Ltd")).allowed);
  EXPECT_TRUE(
      m.Check(Proc("C:/Program Files/Vendor/Product/a.exe", Sha('x'), "Vendor Ltd")).allowed);
  // Another signer, no signer, a sibling folder whose name starts the same.
  Verdict other = m.Check(Proc("C:\\Program Files\\Vendor\\Product\\a.exe", Sha('x'), "Evil"));
  EXPECT_FALSE(other.allowed);
  EXPECT_NE(other.reason.find("Vendor Ltd"), std::string::npos) << other.reason;
  EXPECT_EQ(other.mismatch, Mismatch::kSignerNotAllowed);
  EXPECT_FALSE(IsModifiedProgram(other.mismatch));  // a new file, not a replaced one
  EXPECT_FALSE(m.Check(Proc("C:\\Program Files\\Vendor\\Product\\a.exe", Sha('x'))).allowed);
  EXPECT_FALSE(
      m.Check(Proc("C:\\Program Files\\Vendor\\ProductX\\a.exe", Sha('x'), "Vendor Ltd")).allowed);
}

TEST(AllowlistMatcher, RefusesDotDotSegmentsForPathRules) {
  AllowlistMatcher m = Matcher();
  for (const char* path : {"C:\\Program Files\\Vendor\\Product\\..\\..\\..\\Temp\\x.exe",
                           "C:/Program Files/Vendor/Product/../../x.exe",
                           "C:\\Program Files\\Vendor\\Product\\...\\x.exe",
                           "C:\\Program Files\\Vendor\\Product\\.. \\x.exe"}) {
    Verdict v = m.Check(Proc(path, Sha('x'), "Vendor Ltd"));
    EXPECT_FALSE(v.allowed) << path;
    EXPECT_NE(v.reason.find(".."), std::string::npos) << v.reason;
    EXPECT_EQ(v.mismatch, Mismatch::kUnmatchablePath) << path;
  }
  EXPECT_FALSE(m.Check(Proc("/opt/plant/bin/../bin/run.sh", Sha('x'))).allowed);
  // "." segments and doubled separators are harmless and normalised.
  EXPECT_TRUE(m.Check(Proc("/opt/plant//bin/./run.sh", Sha('x'))).allowed);
}

TEST(AllowlistMatcher, PackageRuleMatchesTheOwningPackage) {
  AllowlistMatcher m = Matcher();
  EXPECT_EQ(m.Check(Proc("/usr/sbin/sshd", Sha('s'), "", "openssh-server")).rule_id, "p-package");
  EXPECT_FALSE(m.Check(Proc("/usr/sbin/sshd", Sha('s'))).allowed);  // not owned (or modified)
  EXPECT_FALSE(m.Check(Proc("/usr/bin/nc", Sha('s'), "", "netcat-openbsd")).allowed);
}

TEST(AllowlistMatcher, PathRuleMatchesAnyContentAndLinuxPathsAreCaseSensitive) {
  AllowlistMatcher m = Matcher();
  EXPECT_EQ(m.Check(Proc("/opt/plant/bin/run.sh", Sha('q'))).rule_id, "p-path");
  EXPECT_FALSE(m.Check(Proc("/opt/plant/bin/RUN.sh", Sha('q'))).allowed);
}

TEST(AllowlistMatcher, UnknownProgramReasonNamesIt) {
  Verdict v = Matcher().Check(Proc("C:\\Windows\\NetworkDistribution\\svchost.exe", Sha('m')));
  EXPECT_FALSE(v.allowed);
  EXPECT_NE(v.reason.find("C:\\Windows\\NetworkDistribution\\svchost.exe"), std::string::npos);
  EXPECT_NE(v.reason.find("mmmmmmmmmmmm"), std::string::npos) << v.reason;
  EXPECT_EQ(v.mismatch, Mismatch::kNoRule);
  EXPECT_EQ(v.rule_id, "");
}

// ---------------------------------------------------------------------------------------------
// Connections

TEST(AllowlistMatcher, CidrAndExactPeersOnTheirPortAndProcessOnly) {
  AllowlistMatcher m = Matcher();
  EXPECT_EQ(m.Check(Conn("C:\\OPC\\modbus.exe", Direction::kOutbound, "10.10.1.63", 502)).rule_id,
            "n-cidr");
  EXPECT_TRUE(
      m.Check(Conn("c:\\opc\\MODBUS.exe", Direction::kOutbound, "::ffff:10.10.1.11", 502)).allowed);
  EXPECT_FALSE(
      m.Check(Conn("C:\\OPC\\modbus.exe", Direction::kOutbound, "10.10.1.64", 502)).allowed);
  EXPECT_FALSE(
      m.Check(Conn("C:\\OPC\\modbus.exe", Direction::kOutbound, "10.10.1.20", 503)).allowed);
  EXPECT_FALSE(
      m.Check(Conn("C:\\OPC\\other.exe", Direction::kOutbound, "10.10.1.20", 502)).allowed);
  EXPECT_FALSE(
      m.Check(Conn("C:\\OPC\\modbus.exe", Direction::kOutbound, "10.10.1.20", 502, "udp")).allowed);
  EXPECT_FALSE(
      m.Check(Conn("C:\\OPC\\modbus.exe", Direction::kInbound, "10.10.1.20", 502)).allowed);
  EXPECT_EQ(m.Check(Conn("C:\\PI\\opcint.exe", Direction::kOutbound, "10.20.0.5", 5450)).rule_id,
            "n-exact");
  EXPECT_FALSE(
      m.Check(Conn("C:\\PI\\opcint.exe", Direction::kOutbound, "10.20.0.6", 5450)).allowed);
  EXPECT_TRUE(m.Check(Conn("C:\\OPC\\ua.exe", Direction::kInbound, "10.10.2.31", 4840)).allowed);
  EXPECT_FALSE(m.Check(Conn("C:\\OPC\\ua.exe", Direction::kInbound, "10.10.2.32", 4840)).allowed);
}

TEST(AllowlistMatcher, Ipv6PrefixesAndListenAny) {
  AllowlistMatcher m = Matcher();
  EXPECT_TRUE(
      m.Check(Conn("/usr/sbin/chronyd", Direction::kOutbound, "2001:db8:1:ff::1", 123, "udp"))
          .allowed);
  EXPECT_FALSE(m.Check(Conn("/usr/sbin/chronyd", Direction::kOutbound, "2001:db8:2::1", 123, "udp"))
                   .allowed);
  EXPECT_EQ(m.Check(Conn("C:\\OPC\\ua.exe", Direction::kListen, "", 4840)).rule_id, "n-listen");
  EXPECT_FALSE(m.Check(Conn("C:\\OPC\\ua.exe", Direction::kListen, "", 4841)).allowed);
}

TEST(AllowlistMatcher, ConnectionReasonsSayWhatWasNotAllowed) {
  AllowlistMatcher m = Matcher();
  Verdict peer = m.Check(Conn("C:\\OPC\\modbus.exe", Direction::kOutbound, "10.10.9.7", 502));
  EXPECT_NE(peer.reason.find("10.10.9.7"), std::string::npos) << peer.reason;
  EXPECT_NE(peer.reason.find("10.10.1.0/26"), std::string::npos) << peer.reason;
  EXPECT_EQ(peer.mismatch, Mismatch::kUnknownPeer);
  Verdict port = m.Check(Conn("C:\\OPC\\modbus.exe", Direction::kOutbound, "45.76.1.2", 45560));
  EXPECT_NE(port.reason.find("45560"), std::string::npos) << port.reason;
  EXPECT_EQ(port.mismatch, Mismatch::kUnknownService);
  Verdict listen =
      m.Check(Conn("C:\\Windows\\System32\\svchost.exe", Direction::kListen, "", 26931));
  EXPECT_NE(listen.reason.find("listens on tcp port 26931"), std::string::npos) << listen.reason;
  EXPECT_NE(listen.reason.find("no network rule"), std::string::npos) << listen.reason;
  EXPECT_EQ(listen.mismatch, Mismatch::kNoRule);
}

TEST(AllowlistMatcher, HandWrittenRulesForAnyProcessOrAnyPort) {
  Allowlist a;
  a.network = {NRule("n-1", "", Direction::kOutbound, "10.0.0.1", 53, "udp"),
               NRule("n-2", "/usr/bin/ssh", Direction::kOutbound, "any", 0)};
  AllowlistMatcher m = Matcher(a);
  EXPECT_TRUE(m.Check(Conn("/usr/bin/dig", Direction::kOutbound, "10.0.0.1", 53, "udp")).allowed);
  EXPECT_TRUE(m.Check(Conn("/usr/bin/ssh", Direction::kOutbound, "203.0.113.9", 2222)).allowed);
  EXPECT_FALSE(m.Check(Conn("/usr/bin/dig", Direction::kOutbound, "10.0.0.2", 53, "udp")).allowed);
}

TEST(AllowlistMatcher, BuildRefusesBadPeers) {
  for (const char* remote : {"10.0.0.0/33", "10.0.0.1/24", "plc-7", "10.0.0.256", ""}) {
    Allowlist a;
    a.network = {NRule("n-bad", "/x", Direction::kOutbound, remote, 1)};
    auto m = AllowlistMatcher::Build(a);
    ASSERT_FALSE(m.has_value()) << remote;
    EXPECT_EQ(m.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(m.error().message().find("n-bad"), std::string::npos);
  }
}

// ---------------------------------------------------------------------------------------------
// Replay, diff, golden image

TEST(AllowlistReplay, AlertsFirstOfEachItemInTimeOrderAndCountsAll) {
  std::vector<Observation> history;
  ProcessObservation late = Proc("/tmp/x", Sha('x'));
  late.time = EventTime::FromNanos(kStart + 10);
  history.push_back(late);
  history.push_back(Proc("/opt/plant/bin/run.sh", Sha('1')));  // allowed
  history.push_back(late);
  ConnectionObservation early = Conn("C:\\OPC\\modbus.exe", Direction::kOutbound, "8.8.8.8", 502);
  early.time = EventTime::FromNanos(kStart + 5);
  history.push_back(early);
  early.local_port = 50001;  // another client port: the same item
  history.push_back(early);
  ReplayReport r = Replay(Matcher(), history);
  EXPECT_EQ(r.observations, 5u);
  EXPECT_EQ(r.alerts_total, 4u);
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<ConnectionObservation>(r.alerts[0].observation));
  EXPECT_TRUE(std::holds_alternative<ProcessObservation>(r.alerts[1].observation));
  EXPECT_FALSE(r.alerts[1].verdict.reason.empty());
}

TEST(AllowlistDiff, AddedRemovedAndChangedRules) {
  Allowlist before = Station();
  Allowlist after = before;
  after.processes.erase(after.processes.begin());  // p-hash removed
  after.network[1].remote = "10.20.0.6";           // n-exact changed
  after.network.push_back(NRule("n-new", "/x", Direction::kListen, "any", 22));
  AllowlistDiff d = Diff(before, after);
  ASSERT_EQ(d.processes_removed.size(), 1u);
  EXPECT_EQ(d.processes_removed[0].id, "p-hash");
  EXPECT_TRUE(d.processes_added.empty());
  EXPECT_EQ(d.network_added.size(), 2u);
  EXPECT_EQ(d.network_removed.size(), 1u);
  std::string text = FormatDiff(d);
  EXPECT_NE(text.find("- process p-hash hash C:\\Tools\\report.exe (2 contents)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("+ network n-new tcp listen /x on port 22\n"), std::string::npos) << text;
  EXPECT_NE(text.find("- network n-exact tcp outbound C:\\PI\\opcint.exe to 10.20.0.5 port 5450"),
            std::string::npos)
      << text;
  EXPECT_TRUE(FormatDiff(Diff(before, before)).empty());
}

TEST(AllowlistGolden, OutliersAgainstTheMajorityOfTheRole) {
  Allowlist common = Station();
  std::vector<std::pair<std::string, Allowlist>> hosts;
  for (int i = 1; i <= 5; ++i) hosts.push_back({"his0" + std::to_string(i), common});
  hosts[2].second.processes.push_back(
      PRule("p-odd", ProcessRuleKind::kHash, "C:\\x.exe", {Sha('o')}));
  hosts[4].second.network.erase(hosts[4].second.network.begin());  // lacks n-cidr
  std::vector<Outlier> out = CompareHosts(hosts);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].host, "his03");
  EXPECT_NE(out[0].what.find("p-odd"), std::string::npos);
  EXPECT_NE(out[0].what.find("1 of 5"), std::string::npos) << out[0].what;
  EXPECT_EQ(out[1].host, "his05");
  EXPECT_NE(out[1].what.find("lacks"), std::string::npos);
  EXPECT_NE(out[1].what.find("n-cidr"), std::string::npos);
  EXPECT_TRUE(CompareHosts({hosts[0], hosts[2]}).empty());  // two hosts: no majority
}

// ---------------------------------------------------------------------------------------------
// Upgrades

FileChange Change() {
  FileChange c;
  c.path = "C:\\Tools\\report.exe";
  c.old_sha256 = Sha('1');
  c.new_sha256 = Sha('7');
  c.time = EventTime::FromNanos(kStart + 100 * kSecond);
  return c;
}

TEST(AllowlistUpgrade, FollowsEachTrustedPath) {
  UpgradePolicy policy;
  FileChange signer = Change();
  signer.old_signer = signer.new_signer = "Vendor Ltd";
  EXPECT_TRUE(DecideUpgrade(signer, policy).follow);
  EXPECT_EQ(DecideUpgrade(signer, policy).reason, "same signer 'Vendor Ltd'");

  FileChange package = Change();
  package.package = "openssh-server";
  package.package_checksum_matches = true;
  EXPECT_TRUE(DecideUpgrade(package, policy).follow);
  EXPECT_NE(DecideUpgrade(package, policy).reason.find("openssh-server"), std::string::npos);

  UpgradePolicy window;
  window.windows.push_back(
      {EventTime::FromNanos(kStart), EventTime::FromNanos(kStart + 3600 * kSecond)});
  EXPECT_TRUE(DecideUpgrade(Change(), window).follow);
  EXPECT_NE(DecideUpgrade(Change(), window).reason.find("maintenance window"), std::string::npos);

  UpgradePolicy updaters;
  updaters.trusted_updaters = {"C:\\Windows\\System32\\msiexec.exe", "/usr/bin/dpkg"};
  FileChange msi = Change();
  msi.writer = "c:\\windows\\system32\\MSIEXEC.EXE";
  EXPECT_TRUE(DecideUpgrade(msi, updaters).follow);
}

TEST(AllowlistUpgrade, RefusesEverythingElseWithAReason) {
  UpgradePolicy policy;
  policy.windows.push_back({EventTime::FromNanos(kStart + 3600 * kSecond),
                            EventTime::FromNanos(kStart + 7200 * kSecond)});
  policy.trusted_updaters = {"/usr/bin/dpkg"};
  FileChange c = Change();
  c.old_signer = "Vendor Ltd";
  c.new_signer = "Other Ltd";
  c.package = "plant-tools";
  c.package_checksum_matches = false;
  c.writer = "/usr/bin/../bin/dpkg";  // no ".." tricks
  UpgradeDecision d = DecideUpgrade(c, policy);
  EXPECT_FALSE(d.follow);
  EXPECT_NE(d.reason.find("allowlisted program modified"), std::string::npos);
  EXPECT_NE(d.reason.find("'Vendor Ltd' to 'Other Ltd'"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("plant-tools"), std::string::npos);
  FileChange unsigned_both = Change();  // "" == "" is not the same publisher
  EXPECT_FALSE(DecideUpgrade(unsigned_both, UpgradePolicy{}).follow);
  c.time = EventTime::FromNanos(kStart + 7200 * kSecond);  // the window's end is outside it
  c.writer = "";
  EXPECT_FALSE(DecideUpgrade(c, policy).follow);
}

TEST(AllowlistUpgrade, FollowAddsTheNewHashAndAnAuditEntry) {
  Allowlist a = Station();
  FileChange c = Change();
  UpgradeDecision yes{true, "maintenance window"};
  Allowlist after = FollowUpgrade(a, c, yes);
  EXPECT_EQ(after.version, a.version + 1);
  ASSERT_EQ(after.changes.size(), 1u);
  EXPECT_EQ(after.changes[0].by, "upgrade");
  EXPECT_EQ(after.changes[0].version, after.version);
  EXPECT_NE(after.changes[0].what.find("C:\\Tools\\report.exe"), std::string::npos);
  auto m = AllowlistMatcher::Build(after);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->Check(Proc("C:\\Tools\\report.exe", Sha('7'))).allowed);
  EXPECT_TRUE(m->Check(Proc("C:\\Tools\\report.exe", Sha('1'))).allowed);  // the old stays
  EXPECT_EQ(after.processes.size(), a.processes.size());

  // Not followed: unchanged.
  Allowlist same = FollowUpgrade(a, c, UpgradeDecision{false, "no"});
  EXPECT_EQ(same.version, a.version);
  EXPECT_TRUE(same.changes.empty());

  // A file already allowed by its publisher rule: only the audit entry.
  FileChange vendor = Change();
  vendor.path = "C:\\Program Files\\Vendor\\Product\\a.exe";
  vendor.old_signer = vendor.new_signer = "Vendor Ltd";
  Allowlist followed = FollowUpgrade(a, vendor, DecideUpgrade(vendor, UpgradePolicy{}));
  EXPECT_EQ(Diff(a, followed).processes_added.size(), 0u);
  EXPECT_EQ(followed.changes.size(), 1u);

  // A followed file no rule names by hash (a path+signer rule, new signer, in a window): a new
  // hash rule for it.
  FileChange svchost = Change();
  svchost.path = "C:\\Windows\\System32\\svchost.exe";
  svchost.old_signer = "Microsoft Windows";
  svchost.new_signer = "Microsoft Windows Publisher";
  Allowlist added = FollowUpgrade(a, svchost, yes);
  ASSERT_EQ(Diff(a, added).processes_added.size(), 1u);
  EXPECT_EQ(Diff(a, added).processes_added[0].kind, ProcessRuleKind::kHash);
}

}  // namespace
}  // namespace otguard::host
