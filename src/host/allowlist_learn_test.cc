// History aggregation and Learn(): every merge kind, every refusal, transients.
#include <gtest/gtest.h>

#include <algorithm>

#include "host/testing/observations.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

using testutil::Conn;
using testutil::kDay;
using testutil::kHour;
using testutil::kSecond;
using testutil::kStart;
using testutil::Proc;
using testutil::Sha;

// Adds `o` to `h` on `days` days, three times a day (never transient by default policy).
template <typename O>
void Regular(History& h, O o, int days = 3) {
  for (int d = 0; d < days; ++d) {
    for (int k = 0; k < 3; ++k) {
      o.time = EventTime::FromNanos(kStart + d * kDay + k * 4 * kHour);
      h.Add(o);
    }
  }
}

const ProcessRule* FindProcess(const Proposal& p, ProcessRuleKind kind) {
  for (const ProcessRule& r : p.rules.processes) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

int CountKind(const Proposal& p, ProcessRuleKind kind) {
  return static_cast<int>(std::count_if(p.rules.processes.begin(), p.rules.processes.end(),
                                        [kind](const ProcessRule& r) { return r.kind == kind; }));
}

const Widening* WideningOf(const Proposal& p, const std::string& id) {
  for (const Widening& w : p.widenings) {
    if (w.rule_id == id) return &w;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// History

TEST(AllowlistHistory, CountsTimesDaysHoursAndDurationsPerItem) {
  History h;
  ProcessObservation p = Proc("/usr/bin/a", Sha('a'));
  p.time = EventTime::FromNanos(kStart + 2 * kHour);
  p.duration_ns = 5 * kSecond;
  p.parent_executable = "/usr/lib/systemd/systemd";
  p.user = "root";
  h.Add(p);
  p.time = EventTime::FromNanos(kStart + kDay + 13 * kHour);
  p.duration_ns = -1;
  p.user = "scada";
  h.Add(p);
  p.time = EventTime::FromNanos(kStart + 2 * kHour + 60 * kSecond);  // out of order, same day
  p.duration_ns = 7 * kSecond;
  h.Add(p);
  h.Add(Proc("/usr/bin/a", Sha('b')));  // another content: another item

  std::vector<ProcessItem> items = h.processes();
  ASSERT_EQ(items.size(), 2u);
  const ProcessItem& a = items[0];
  EXPECT_EQ(a.sha256, Sha('a'));
  EXPECT_EQ(a.seen.count, 3u);
  EXPECT_EQ(a.seen.first_seen.nanos(), kStart + 2 * kHour);
  EXPECT_EQ(a.seen.last_seen.nanos(), kStart + kDay + 13 * kHour);
  EXPECT_EQ(a.seen.days_seen, 2u);
  EXPECT_EQ(a.seen.hours_mask, (1u << 2) | (1u << 13));
  EXPECT_EQ(a.seen.total_duration_ns, 12 * kSecond);
  EXPECT_EQ(a.seen.durations_known, 2u);
  EXPECT_EQ(a.users, (std::vector<std::string>{"root", "scada"}));
  EXPECT_EQ(a.parents, (std::vector<std::string>{"/usr/lib/systemd/systemd"}));
  EXPECT_EQ(h.observations(), 4u);
}

TEST(AllowlistHistory, NetworkItemKeepsTheServicePortNotTheEphemeralOne) {
  History h;
  ConnectionObservation out = Conn("/opt/opc/server", Direction::kOutbound, "10.1.1.5", 502);
  h.Add(out);
  out.local_port = 50001;  // another ephemeral client port: the same item
  h.Add(out);
  ConnectionObservation in = Conn("/opt/opc/server", Direction::kInbound, "10.1.2.7", 4840);
  h.Add(in);
  in.remote_port = 60000;
  h.Add(in);
  ConnectionObservation listen = Conn("/opt/opc/server", Direction::kListen, "", 4840);
  listen.remote_address = "0.0.0.0";  // whatever the source put there: not part of the item
  h.Add(listen);

  std::vector<NetworkItem> items = h.network();
  ASSERT_EQ(items.size(), 3u);
  for (const NetworkItem& n : items) {
    switch (n.direction) {
      case Direction::kOutbound:
        EXPECT_EQ(n.port, 502);
        EXPECT_EQ(n.remote_address, "10.1.1.5");
        EXPECT_EQ(n.seen.count, 2u);
        break;
      case Direction::kInbound:
        EXPECT_EQ(n.port, 4840);
        EXPECT_EQ(n.remote_address, "10.1.2.7");
        EXPECT_EQ(n.seen.count, 2u);
        break;
      case Direction::kListen:
        EXPECT_EQ(n.port, 4840);
        EXPECT_EQ(n.remote_address, "");
        break;
    }
  }
}

TEST(AllowlistHistory, MergeAddsCountsAndUnitesDaysAndCopiesAreIndependent) {
  History a, b;
  a.Add(Proc("/usr/bin/a", Sha('a'), "", "", kStart));
  b.Add(Proc("/usr/bin/a", Sha('a'), "", "", kStart + kDay));
  b.Add(Proc("/usr/bin/a", Sha('a'), "", "", kStart + 10));
  b.Add(Proc("/usr/bin/b", Sha('b')));
  History before = a;  // copy-on-write: `before` must not see the merge
  a.Merge(b);
  ASSERT_EQ(a.processes().size(), 2u);
  EXPECT_EQ(a.processes()[0].seen.count, 3u);
  EXPECT_EQ(a.processes()[0].seen.days_seen, 2u);
  EXPECT_EQ(a.observations(), 4u);
  EXPECT_EQ(before.processes().size(), 1u);
  EXPECT_EQ(before.processes()[0].seen.count, 1u);
  a.Merge(a);
  EXPECT_EQ(a.processes()[0].seen.count, 6u);
  EXPECT_EQ(a.processes()[0].seen.days_seen, 2u);
}

// ---------------------------------------------------------------------------------------------
// Learn: processes

TEST(AllowlistLearn, PublisherPathForOneSignerWithEnoughFilesUnderOneProductFolder) {
  History h;
  const std::string root = "C:\\Program Files\\Vendor\\Product\\";
  Regular(h, Proc(root + "bin\\a.exe", Sha('1'), "Vendor Ltd"));
  Regular(h, Proc(root + "bin\\b.exe", Sha('2'), "Vendor Ltd"));
  Regular(h, Proc(root + "tools\\c.exe", Sha('3'), "Vendor Ltd"));
  Regular(h, Proc(root + "tools\\c.exe", Sha('4'), "Vendor Ltd"));  // upgraded
  Proposal p = Learn(h, MergePolicy{});
  ASSERT_EQ(p.rules.processes.size(), 1u);
  const ProcessRule& r = p.rules.processes[0];
  EXPECT_EQ(r.kind, ProcessRuleKind::kPublisherPath);
  EXPECT_EQ(r.path, root);  // the deepest folder they share, as the OS spelled it
  EXPECT_EQ(r.signer, "Vendor Ltd");
  EXPECT_EQ(r.id.substr(0, 2), "p-");
  EXPECT_EQ(r.id.size(), 14u);
  const Widening* w = WideningOf(p, r.id);
  ASSERT_NE(w, nullptr);
  EXPECT_NE(w->what.find("publisher+path"), std::string::npos);
  EXPECT_EQ(w->evidence.size(), 3u);  // the three files
  EXPECT_TRUE(p.transients.empty());
}

TEST(AllowlistLearn, PublisherFolderIsTheDeepestCommonFolderAndCaseInsensitive) {
  History h;
  Regular(h, Proc("C:\\Program Files (x86)\\Vendor\\Product\\bin\\a.exe", Sha('1'), "V"));
  Regular(h, Proc("c:/program files (x86)/VENDOR/product/bin/b.exe", Sha('2'), "V"));
  Regular(h, Proc("C:\\Program Files (x86)\\Vendor\\Product\\bin\\c.exe", Sha('3'), "V"));
  Proposal p = Learn(h, MergePolicy{});
  ASSERT_EQ(p.rules.processes.size(), 1u);
  EXPECT_EQ(p.rules.processes[0].kind, ProcessRuleKind::kPublisherPath);
  EXPECT_EQ(p.rules.processes[0].path, "C:\\Program Files (x86)\\Vendor\\Product\\bin\\");
}

TEST(AllowlistLearn, PublisherPathOnLinuxUnderOpt) {
  History h;
  for (const char* f : {"/opt/vendor/bin/a", "/opt/vendor/bin/b", "/opt/vendor/lib/c"}) {
    Regular(h, Proc(f, Sha(f[13]), "Vendor GmbH"));
  }
  Proposal p = Learn(h, MergePolicy{});
  ASSERT_EQ(p.rules.processes.size(), 1u);
  EXPECT_EQ(p.rules.processes[0].kind, ProcessRuleKind::kPublisherPath);
  EXPECT_EQ(p.rules.processes[0].path, "/opt/vendor/");
}

TEST(AllowlistLearn, RefusesPublisherPathWithTooFewFiles) {
  History h;
  const std::string root = "C:\\Program Files\\Vendor\\Product\\";
  Regular(h, Proc(root + "a.exe", Sha('1'), "Vendor Ltd"));
  Regular(h, Proc(root + "b.exe", Sha('2'), "Vendor Ltd"));
  Proposal p = Learn(h, MergePolicy{});  // publisher_path_min_files = 3
  EXPECT_EQ(CountKind(p, ProcessRuleKind::kPublisherPath), 0);
  EXPECT_EQ(CountKind(p, ProcessRuleKind::kHash), 2);
  EXPECT_TRUE(p.widenings.empty());
}

TEST(AllowlistLearn, RefusesPublisherPathAboveTheProductFolder) {
  // Three signed files, each in another product of one vendor: the common folder would be
  // "C:\Program Files\Vendor\", one level below Program Files: too wide.
  History h;
  Regular(h, Proc("C:\\Program Files\\Vendor\\One\\a.exe", Sha('1'), "Vendor Ltd"));
  Regular(h, Proc("C:\\Program Files\\Vendor\\Two\\b.exe", Sha('2'), "Vendor Ltd"));
  Regular(h, Proc("C:\\Program Files\\Vendor\\Three\\c.exe", Sha('3'), "Vendor Ltd"));
  // And three directly under a drive's folder: "D:\Tools\" is one level below D:\.
  Regular(h, Proc("D:\\Tools\\x.exe", Sha('4'), "Vendor Ltd"));
  Regular(h, Proc("D:\\Tools\\y.exe", Sha('5'), "Vendor Ltd"));
  Regular(h, Proc("D:\\Tools\\z.exe", Sha('6'), "Vendor Ltd"));
  Proposal p = Learn(h, MergePolicy{});
  EXPECT_EQ(CountKind(p, ProcessRuleKind::kPublisherPath), 0);
  EXPECT_EQ(CountKind(p, ProcessRuleKind::kHash), 6);
}

TEST(AllowlistLearn, RefusesPublisherPathInFolderNeverByDefault) {
  History h;
  for (char c : {'a', 'b', 'c', 'd'}) {
    Regular(h,
            Proc(std::string("C:\\Windows\\System32\\") + c + ".exe", Sha(c), "Microsoft Windows"));
    Regular(h, Proc(std::string("C:\\Users\\op\\AppData\\Vendor\\") + c + ".exe",
                    Sha(static_cast<char>(c + 4)), "Vendor Ltd"));
    Regular(h, Proc(std::string("/tmp/vendor/x/") + c, Sha(static_cast<char>(c + 8)), "V"));
  }
  Proposal p = Learn(h, MergePolicy{});
  EXPECT_EQ(CountKind(p, ProcessRuleKind::kPublisherPath), 0);
  EXPECT_EQ(CountKind(p, ProcessRuleKind::kHash), 12);
  // The reviewer sees why they were not merged.
  const ProcessRule* r = FindProcess(p, ProcessRuleKind::kHash);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->comment.find("never a publisher folder"), std::string::npos) << r->comment;
}

TEST(AllowlistLearn, PolicyFolderNeverReplacesTheDefaults) {
  History h;
  for (char c : {'a', 'b', 'c'}) {
    Regular(h, Proc(std::string("/srv/plant/app/") + c, Sha(c), "Plant"));
    Regular(h, Proc(std::string("/opt/vendor/") + c, Sha(static_cast<char>(c + 4)), "Vendor"));
  }
  MergePolicy policy;
  policy.folder_never = {"/opt/vendor/"};
  Proposal p = Learn(h, policy);
  ASSERT_EQ(CountKind(p, ProcessRuleKind::kPublisherPath), 1);
  EXPECT_EQ(FindProcess(p, ProcessRuleKind::kPublisherPath)->path, "/srv/plant/app/");
}

TEST(AllowlistLearn, PathSignerForOnePathWithSeveralHashesOfOneSigner) {
  History h;
  Regular(h, Proc("C:\\Windows\\System32\\svchost.exe", Sha('1'), "Microsoft Windows"));
  Regular(h, Proc("C:\\Windows\\System32\\svchost.exe", Sha('2'), "Microsoft Windows"));
  Proposal p = Learn(h, MergePolicy{});
  ASSERT_EQ(p.rules.processes.size(), 1u);
  const ProcessRule& r = p.rules.processes[0];
  EXPECT_EQ(r.kind, ProcessRuleKind::kPathSigner);
  EXPECT_EQ(r.path, "C:\\Windows\\System32\\svchost.exe");
  EXPECT_EQ(r.signer, "Microsoft Windows");
  const Widening* w = WideningOf(p, r.id);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->evidence.size(), 2u);
}

TEST(AllowlistLearn, MixedSignersOrUnsignedStayHashRules) {
  History h;
  Regular(h, Proc("C:\\Tools\\a.exe", Sha('1'), "Vendor Ltd"));
  Regular(h, Proc("C:\\Tools\\a.exe", Sha('2'), "Other Ltd"));
  Regular(h, Proc("/usr/local/sbin/plantd", Sha('3')));
  Regular(h, Proc("/usr/local/sbin/plantd", Sha('4')));
  Proposal p = Learn(h, MergePolicy{});
  ASSERT_EQ(p.rules.processes.size(), 2u);
  for (const ProcessRule& r : p.rules.processes) {
    EXPECT_EQ(r.kind, ProcessRuleKind::kHash);
    EXPECT_EQ(r.sha256.size(), 2u);
  }
  EXPECT_TRUE(p.widenings.empty());
}

TEST(AllowlistLearn, PackageRulePerInstalledPackage) {
  History h;
  Regular(h, Proc("/usr/sbin/sshd", Sha('1'), "", "openssh-server"));
  Regular(h, Proc("/usr/sbin/sshd", Sha('2'), "", "openssh-server"));
  Regular(h, Proc("/usr/lib/openssh/sftp-server", Sha('3'), "", "openssh-sftp-server"));
  Regular(h, Proc("/usr/bin/python3.11", Sha('4'), "", "python3.11-minimal"));
  Proposal p = Learn(h, MergePolicy{});
  ASSERT_EQ(p.rules.processes.size(), 3u);
  EXPECT_EQ(CountKind(p, ProcessRuleKind::kPackage), 3);
  for (const ProcessRule& r : p.rules.processes) {
    EXPECT_FALSE(r.package.empty());
    EXPECT_NE(WideningOf(p, r.id), nullptr);
  }
}

TEST(AllowlistLearn, TransientsGoToReviewNotToRules) {
  History h;
  h.Add(Proc("/tmp/once", Sha('1')));  // seen once
  ProcessObservation twice = Proc("/tmp/twice", Sha('2'));
  h.Add(twice);
  twice.time = EventTime::FromNanos(kStart + 3 * kDay);
  h.Add(twice);                   // seen twice, days apart: still transient (count <= 2)
  for (int k = 0; k < 50; ++k) {  // fifty times in ten minutes: a burst
    h.Add(Proc("/tmp/burst", Sha('3'), "", "", kStart + k * 12 * kSecond));
  }
  for (int k = 0; k < 3; ++k) {  // three times over two hours: regular
    h.Add(Proc("/opt/x/y/z", Sha('4'), "", "", kStart + k * kHour));
  }
  h.Add(Conn("/opt/x/y/z", Direction::kOutbound, "192.0.2.1", 443));
  Proposal p = Learn(h, MergePolicy{});
  ASSERT_EQ(p.rules.processes.size(), 1u);
  EXPECT_EQ(p.rules.processes[0].path, "/opt/x/y/z");
  EXPECT_TRUE(p.rules.network.empty());
  ASSERT_EQ(p.transients.size(), 4u);
  std::vector<std::string> whys;
  for (const Transient& t : p.transients) whys.push_back(t.why);
  EXPECT_NE(std::find(whys.begin(), whys.end(), "seen once"), whys.end());
  bool burst = std::any_of(whys.begin(), whys.end(), [](const std::string& w) {
    return w.find("50 times") != std::string::npos && w.find("min") != std::string::npos;
  });
  EXPECT_TRUE(burst);
}

TEST(AllowlistLearn, IdsAreStableAndDependOnContent) {
  History a, b;
  Regular(a, Proc("C:\\X\\a.exe", Sha('1')));
  Regular(b, Proc("c:/x/A.EXE", Sha('1')));  // the same file to Windows
  Proposal pa = Learn(a, MergePolicy{}), pb = Learn(b, MergePolicy{});
  ASSERT_EQ(pa.rules.processes.size(), 1u);
  ASSERT_EQ(pb.rules.processes.size(), 1u);
  EXPECT_EQ(pa.rules.processes[0].id, pb.rules.processes[0].id);
  EXPECT_EQ(pa.rules.processes[0].id, Learn(a, MergePolicy{}).rules.processes[0].id);
  History c;
  Regular(c, Proc("C:\\X\\a.exe", Sha('2')));
  EXPECT_NE(Learn(c, MergePolicy{}).rules.processes[0].id, pa.rules.processes[0].id);
}

// ---------------------------------------------------------------------------------------------
// Learn: network

TEST(AllowlistLearn, CidrRuleForManyPeersOfOneProcessAndPortInOneSubnet) {
  History h;
  for (int host = 11; host <= 50; ++host) {
    Regular(h, Conn("C:\\OPC\\modbus.exe", Direction::kOutbound, "10.10.1." + std::to_string(host),
                    502));
  }
  Proposal p = Learn(h, MergePolicy{});
  ASSERT_EQ(p.rules.network.size(), 1u);
  const NetworkRule& r = p.rules.network[0];
  EXPECT_EQ(r.remote, "10.10.1.0/26");  // the smallest prefix covering .11 - .50
  EXPECT_EQ(r.port, 502);
  EXPECT_EQ(r.executable, "C:\\OPC\\modbus.exe");
  EXPECT_EQ(r.direction, Direction::kOutbound);
  EXPECT_EQ(r.id.substr(0, 2), "n-");
  const Widening* w = WideningOf(p, r.id);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->evidence.size(), 40u);
}

TEST(AllowlistLearn, CidrNeverShorterThanThePolicyAndNeedsEnoughPeers) {
  History h;
  // Three peers spread over two /24s: no /23 (shorter than the policy's /24); the two in
  // 10.1.2.0/24 are too few for a CIDR rule.
  Regular(h, Conn("/opt/a/b/c", Direction::kOutbound, "10.1.2.1", 443));
  Regular(h, Conn("/opt/a/b/c", Direction::kOutbound, "10.1.2.200", 443));
  Regular(h, Conn("/opt/a/b/c", Direction::kOutbound, "10.1.3.1", 443));
  // Three in one /24, but each on another port: no merge either.
  for (int port : {80, 81, 82}) {
    Regular(h, Conn("/opt/a/b/c", Direction::kOutbound, "10.9.9." + std::to_string(port), port));
  }
  Proposal p = Learn(h, MergePolicy{});
  ASSERT_EQ(p.rules.network.size(), 6u);
  for (const NetworkRule& r : p.rules.network) {
    EXPECT_EQ(r.remote.find('/'), std::string::npos) << r.remote;
  }
  EXPECT_TRUE(p.widenings.empty());
}

TEST(AllowlistLearn, CidrSplitsPeersIntoSeveralSubnetsAndKeepsStraysExact) {
  History h;
  for (int host = 1; host <= 4; ++host) {
    Regular(h, Conn("/opt/a/b/c", Direction::kInbound, "10.1.2." + std::to_string(host), 4840));
    Regular(h,
            Conn("/opt/a/b/c", Direction::kInbound, "10.1.7." + std::to_string(100 + host), 4840));
  }
  Regular(h, Conn("/opt/a/b/c", Direction::kInbound, "192.168.5.5", 4840));
  MergePolicy policy;
  policy.cidr_min_prefix_v4 = 28;
  Proposal p = Learn(h, policy);
  std::vector<std::string> remotes;
  for (const NetworkRule& r : p.rules.network) remotes.push_back(r.remote);
  std::sort(remotes.begin(), remotes.end());
  EXPECT_EQ(remotes, (std::vector<std::string>{"10.1.2.0/29", "10.1.7.96/28", "192.168.5.5"}));
}

TEST(AllowlistLearn, CidrForIpv6AndMappedAddressesCountAsIpv4) {
  History h;
  for (const char* a : {"2001:db8:0:1::10", "2001:db8:0:1::11", "2001:DB8:0:1::12"}) {
    Regular(h, Conn("/opt/a/b/c", Direction::kOutbound, a, 443));
  }
  for (const char* a : {"::ffff:10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
    Regular(h, Conn("/opt/a/b/c", Direction::kOutbound, a, 53, "udp"));
  }
  Proposal p = Learn(h, MergePolicy{});
  std::vector<std::string> remotes;
  for (const NetworkRule& r : p.rules.network) remotes.push_back(r.remote);
  std::sort(remotes.begin(), remotes.end());
  EXPECT_EQ(remotes, (std::vector<std::string>{"10.0.0.0/30", "2001:db8:0:1::10/126"}));
}

TEST(AllowlistLearn, ListenRulePerProcessProtocolAndPortWithAnyPeer) {
  History h;
  Regular(h, Conn("/usr/sbin/sshd", Direction::kListen, "", 22));
  Regular(h, Conn("/usr/sbin/sshd", Direction::kListen, "", 22, "tcp"));
  Regular(h, Conn("/usr/sbin/chronyd", Direction::kListen, "", 123, "udp"));
  Proposal p = Learn(h, MergePolicy{});
  ASSERT_EQ(p.rules.network.size(), 2u);
  for (const NetworkRule& r : p.rules.network) {
    EXPECT_EQ(r.remote, "any");
    EXPECT_EQ(r.direction, Direction::kListen);
    EXPECT_FALSE(r.executable.empty());
  }
}

TEST(AllowlistLearn, ConnectionsOfUnknownProcessesAreNeverRules) {
  History h;
  Regular(h, Conn("", Direction::kOutbound, "10.0.0.1", 53));
  Proposal p = Learn(h, MergePolicy{});
  EXPECT_TRUE(p.rules.network.empty());
  ASSERT_EQ(p.transients.size(), 1u);
  EXPECT_EQ(p.transients[0].why, "owning process unknown");
}

}  // namespace
}  // namespace otguard::host

namespace otguard::host {
namespace {

TEST(AllowlistLearn, OddPathsAndAddressesNeitherCrashNorWiden) {
  History h;
  const char* paths[] = {"",
                         "\\",
                         "/",
                         "C:",
                         "C:\\",
                         "\\\\",
                         "\\\\srv",
                         "\\\\?\\C:\\x",
                         "..",
                         "C:\\..\\x.exe",
                         "a.exe",
                         "/opt/../x",
                         "//opt//v//x",
                         "C:\\A\\.\\B\\..\\c.exe"};
  for (const char* p : paths) {
    Regular(h, Proc(p, Sha('e'), "Vendor"));
    Regular(h, Conn(p, Direction::kOutbound, "not-an-address", 1));
    Regular(h, Conn(p, Direction::kOutbound, "", 2));
    Regular(h, Conn(p, Direction::kOutbound, "fe80::1%eth0", 3));
  }
  Proposal p = Learn(h, MergePolicy{});
  EXPECT_EQ(CountKind(p, ProcessRuleKind::kPublisherPath), 0);
  // Peers that are not addresses go to review: every proposal loads into a matcher.
  EXPECT_TRUE(p.rules.network.empty());
  size_t not_address = 0;
  for (const Transient& t : p.transients) {
    not_address += t.why.find("is not an IP address") != std::string::npos;
  }
  EXPECT_GE(not_address, 3u);
  auto pm = AllowlistMatcher::Build(p.rules);
  ASSERT_TRUE(pm.has_value()) << pm.error().ToString();
  for (const char* path : paths) (void)pm->Check(Proc(path, Sha('f')));
}

}  // namespace
}  // namespace otguard::host

namespace otguard::host {
namespace {

TEST(AllowlistLearn, ThePolicysThresholdsAreObeyed) {
  History h;
  h.Add(Proc("/opt/a/b/once", Sha('1')));
  for (int host = 1; host <= 4; ++host) {
    Regular(h, Conn("/opt/a/b/c", Direction::kOutbound, "10.0.0." + std::to_string(host), 502));
  }
  const std::string root = "C:\\Program Files\\Vendor\\Product\\";
  for (char c : {'a', 'b', 'c'}) {
    Regular(h, Proc(root + c + ".exe", Sha(c), "Vendor Ltd"));
  }
  MergePolicy keep_all;  // nothing is transient
  keep_all.transient_max_count = 0;
  keep_all.transient_max_span_ns = 0;
  keep_all.cidr_min_peers = 5;            // four peers are too few
  keep_all.publisher_path_min_files = 4;  // three files are too few
  Proposal p = Learn(h, keep_all);
  EXPECT_TRUE(p.transients.empty());
  EXPECT_EQ(p.rules.network.size(), 4u);
  EXPECT_EQ(CountKind(p, ProcessRuleKind::kPublisherPath), 0);
  EXPECT_EQ(CountKind(p, ProcessRuleKind::kHash), 4);

  MergePolicy strict;
  strict.transient_max_count = 10;  // nine sightings each: all transient
  Proposal q = Learn(h, strict);
  EXPECT_TRUE(q.rules.processes.empty());
  EXPECT_TRUE(q.rules.network.empty());
  EXPECT_EQ(q.transients.size(), 8u);
}

}  // namespace
}  // namespace otguard::host
