// The allowlist TOML file: what an engineer approves is read exactly, a mistake is refused with
// the file, the rule and the key named, and the written form is stable and round-trips.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

constexpr char kExample[] = R"(# hand-written, keys in any order
[allowlist]
format = 1
version = 2
host = "ops-station-03"

[[process]]
kind = "publisher-path"
id = "p-b00000000001"
path = 'C:\Program Files\Yokogawa\'
signer = "Yokogawa Electric Corporation"
comment = "7 files, seen 14 days"

[[process]]
id = "p-a00000000001"
kind = "hash"
path = "/usr/bin/opcua-gw"
sha256 = ["BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]

[[process]]
id = "p-c00000000001"
kind = "package"
package = "openssh-server"

[[network]]
id = "n-000000000002"
process = "/usr/bin/opcua-gw"
protocol = "tcp"
direction = "outbound"
remote = "10.1.2.0/24"
port = 502

[[network]]
id = "n-000000000001"
process = "/usr/sbin/sshd"
protocol = "tcp"
direction = "listen"
port = 22

[[change]]
version = 1
time = "2026-12-01T08:00:00Z"
by = "engineer@ews-01"
what = "approved 4 rules"

[[change]]
version = 2
time = "2026-12-05T06:30:00.5Z"
by = "upgrade"
what = "followed upgrade of /usr/bin/opcua-gw: dpkg checksum"
)";

TEST(AllowlistFile, ReadsAHandWrittenFileIntoItsCanonicalForm) {
  auto a = ParseAllowlist(kExample, "allowlist.toml");
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->version, 2u);
  EXPECT_EQ(a->host, "ops-station-03");
  ASSERT_EQ(a->processes.size(), 3u);
  EXPECT_EQ(a->processes[0].id, "p-a00000000001");  // sorted by id
  EXPECT_EQ(a->processes[0].kind, ProcessRuleKind::kHash);
  EXPECT_EQ(a->processes[0].sha256,
            (std::vector<std::string>{std::string(64, 'a'), std::string(64, 'b')}));
  EXPECT_EQ(a->processes[1].kind, ProcessRuleKind::kPublisherPath);
  EXPECT_EQ(a->processes[1].path, "C:\\Program Files\\Yokogawa\\");
  EXPECT_EQ(a->processes[2].package, "openssh-server");
  ASSERT_EQ(a->network.size(), 2u);
  EXPECT_EQ(a->network[0].id, "n-000000000001");
  EXPECT_EQ(a->network[0].direction, Direction::kListen);
  EXPECT_EQ(a->network[0].remote, "any");
  EXPECT_EQ(a->network[1].remote, "10.1.2.0/24");
  EXPECT_EQ(a->network[1].port, 502);
  ASSERT_EQ(a->changes.size(), 2u);
  EXPECT_EQ(a->changes[1].time.nanos() % 1000000000, 500000000);
  EXPECT_EQ(a->changes[1].by, "upgrade");
}

TEST(AllowlistFile, FormatIsStableAndRoundTrips) {
  auto a = ParseAllowlist(kExample, "allowlist.toml");
  ASSERT_TRUE(a);
  std::string text = FormatAllowlist(*a);
  auto b = ParseAllowlist(text, "formatted");
  ASSERT_TRUE(b) << b.error().ToString() << "\n" << text;
  EXPECT_EQ(*b, *a);
  EXPECT_EQ(FormatAllowlist(*b), text);
  // Readable: a Windows folder as written, rules in id order, one hash per line.
  EXPECT_NE(text.find("path = 'C:\\Program Files\\Yokogawa\\'\n"), std::string::npos) << text;
  EXPECT_LT(text.find("p-a00000000001"), text.find("p-b00000000001"));
  EXPECT_NE(text.find("sha256 = [\n  \"aaaa"), std::string::npos) << text;
  EXPECT_NE(text.find("time = \"2026-12-05T06:30:00.500Z\""), std::string::npos) << text;
}

TEST(AllowlistFile, RulesInAnyOrderFormatTheSame) {
  auto a = ParseAllowlist(kExample, "allowlist.toml");
  ASSERT_TRUE(a);
  Allowlist shuffled = *a;
  std::reverse(shuffled.processes.begin(), shuffled.processes.end());
  std::reverse(shuffled.network.begin(), shuffled.network.end());
  EXPECT_EQ(FormatAllowlist(shuffled), FormatAllowlist(*a));
}

std::string Header() { return "[allowlist]\nformat = 1\nversion = 1\n"; }

struct Bad {
  std::string toml;
  std::string error;
};

TEST(AllowlistFile, MistakesAreRefusedNamingOriginRuleAndKey) {
  const std::string h = Header();
  const std::string sha = std::string(64, 'a');
  const Bad cases[] = {
      {"[allowlist\n", "allowlist.toml:1:"},
      {"format = 1\n", "allowlist.toml: format: unknown key 'format'"},
      {"", "allowlist.toml: missing [allowlist]"},
      {"[allowlist]\nversion = 1\n", "allowlist.toml: allowlist.format: missing"},
      {"[allowlist]\nformat = 2\nversion = 1\n", "allowlist.format: format 2 is newer"},
      {"[allowlist]\nformat = 1\nversion = -1\n", "allowlist.version: -1 is out of range"},
      {"[allowlist]\nformat = 1\nversion = 1\nhots = 'x'\n",
       "allowlist.hots: unknown key 'hots' (did you mean 'host'?)"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'hsh'\n",
       "allowlist.toml: process[1].kind: unknown kind 'hsh' (hash, path, path-signer, "
       "publisher-path, package) (line 6)"},
      {h + "[[process]]\nid = 'p-1'\n", "process[1].kind: missing"},
      {h + "[[process]]\nkind = 'path'\npath = '/x'\n", "process[1].id: missing"},
      {h + "[[process]]\nid = 'x-1'\nkind = 'path'\npath = '/x'\n",
       "process[1].id: 'x-1' is not \"p-\""},
      {h + "[[process]]\nid = 'p-1'\nkind = 'hash'\n",
       "process[1].sha256: missing (a 'hash' rule needs it)"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'hash'\nsha256 = ['abc']\n",
       "process[1].sha256[1]: 'abc' has 3 characters, not 64 hex digits"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'hash'\nsha256 = ['" + std::string(64, 'g') + "']\n",
       "process[1].sha256[1]:"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'hash'\nsha256 = ['" + sha + "', '" + sha + "']\n",
       "process[1].sha256: '" + sha + "' twice"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'hash'\nsha256 = []\n",
       "process[1].sha256: must be a non-empty array"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'path'\npath = 'bin/x'\n",
       "process[1].path: 'bin/x' is not an absolute path"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'path-signer'\npath = '/x'\n",
       "process[1].signer: missing (a 'path-signer' rule needs it)"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'publisher-path'\npath = 'C:\\Vendor'\nsigner = 'V'\n",
       "process[1].path: 'C:\\Vendor' is a file; a publisher-path rule names a folder"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'package'\npackage = 'x'\npath = '/usr/bin/x'\n",
       "process[1].path: a 'package' rule has no path"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'path'\npath = '/x'\npaht = '/y'\n",
       "process[1].paht: unknown key 'paht' (did you mean 'path'?)"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'path'\npath = \"/x\\ny\"\n",
       "process[1].path: has a control character"},
      {h + "[[process]]\nid = 'p-1'\nkind = 'path'\npath = '/x'\n"
           "[[process]]\nid = 'p-1'\nkind = 'path'\npath = '/y'\n",
       "process[2].id: duplicate id 'p-1' (also process[1])"},
      {"process = 1\n" + h, "process: must be [[process]] tables"},
      {h + "[[network]]\nid = 'n-1'\nprotocol = 'tcp'\ndirection = 'outbound'\nport = 1\n",
       "network[1].remote: missing"},
      {h + "[[network]]\nid = 'n-1'\nprotocol = 'tcp'\ndirection = 'outbound'\nremote = "
           "'10.1.2.5/24'\nport = 1\n",
       "network[1].remote: '10.1.2.5/24' has bits set beyond the prefix length"},
      {h + "[[network]]\nid = 'n-1'\nprotocol = 'tcp'\ndirection = 'outbound'\nremote = "
           "'10.1.2/24'\nport = 1\n",
       "network[1].remote: '10.1.2/24' is not an address"},
      {h + "[[network]]\nid = 'n-1'\nprotocol = 'tcp'\ndirection = 'outbound'\nremote = "
           "'any'\nport = 65536\n",
       "network[1].port: 65536 is out of range 0..65535"},
      {h + "[[network]]\nid = 'n-1'\nprotocol = 'tcp'\ndirection = 'outbound'\nremote = "
           "'any'\nport = '80'\n",
       "network[1].port: must be an integer"},
      {h + "[[network]]\nid = 'n-1'\nprotocol = 'sctp'\ndirection = 'outbound'\nremote = "
           "'any'\nport = 1\n",
       "network[1].protocol: must be \"tcp\" or \"udp\""},
      {h + "[[network]]\nid = 'n-1'\nprotocol = 'tcp'\ndirection = 'up'\nremote = 'any'\nport = "
           "1\n",
       "network[1].direction: unknown direction 'up'"},
      {h + "[[network]]\nid = 'n-1'\nprotocol = 'tcp'\ndirection = 'listen'\nremote = "
           "'1.2.3.4'\nport = 1\n",
       "network[1].remote: a listen rule's remote is \"any\""},
      {h + "[[network]]\nid = 'n-1'\nprotocol = 'tcp'\ndirection = 'listen'\n",
       "network[1].port: missing (0 for any port)"},
      {h + "[[change]]\nversion = 2\ntime = '2026-12-05T00:00:00Z'\nby = 'x'\nwhat = ''\n",
       "change[1].version: 2 is newer than the allowlist's 1"},
      {h + "[[change]]\nversion = 1\ntime = '2026-12-05'\nby = 'x'\n",
       "change[1].time: not an RFC 3339"},
      {h + "[[change]]\nversion = 1\ntime = '2026-12-05T00:00:00Z'\n", "change[1].by: missing"},
  };
  for (const Bad& bad : cases) {
    auto a = ParseAllowlist(bad.toml, "allowlist.toml");
    ASSERT_FALSE(a) << bad.toml;
    EXPECT_EQ(a.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(a.error().message().find(bad.error), std::string::npos)
        << bad.toml << "\n-> " << a.error().message() << "\nwanted: " << bad.error;
  }
}

TEST(AllowlistFile, AddressesAreWrittenInCanonicalForm) {
  auto a = ParseAllowlist(Header() +
                              "[[network]]\nid = 'n-1'\nprotocol = 'udp'\ndirection = 'inbound'\n"
                              "remote = '2001:DB8:0:0::/64'\nport = 0\n"
                              "[[network]]\nid = 'n-2'\nprotocol = 'udp'\ndirection = 'inbound'\n"
                              "remote = '10.1.2.3/32'\nport = 161\n",
                          "a.toml");
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->network[0].remote, "2001:db8::/64");
  EXPECT_EQ(a->network[1].remote, "10.1.2.3");
}

// Generated allowlists of every kind, with awkward texts: Parse(Format(x)) == x.
Allowlist Generated(std::mt19937_64& random) {
  static const char* kTexts[] = {"plain",
                                 "with 'quote'",
                                 "back\\slash",
                                 "both ' and \\",
                                 "tab\there",
                                 "\"double\"",
                                 "unicode \xC3\xA9\xE2\x82\xAC",
                                 ""};
  auto text = [&] { return std::string(kTexts[random() % 8]); };
  auto hex = [&] {
    std::string h;
    for (int i = 0; i < 64; ++i) h += "0123456789abcdef"[random() % 16];
    return h;
  };
  Allowlist a;
  a.version = random() % 50;
  a.host = text();
  int processes = static_cast<int>(random() % 20);
  for (int i = 0; i < processes; ++i) {
    ProcessRule r;
    r.id = "p-" + std::to_string(1000 + i);
    r.kind = static_cast<ProcessRuleKind>(random() % 5);
    std::string folder = random() % 2 ? "/opt/" + std::to_string(i) + "/"
                                      : "C:\\Program Files\\V" + std::to_string(i) + "\\";
    switch (r.kind) {
      case ProcessRuleKind::kHash:
        for (int h = 0, n = 1 + static_cast<int>(random() % 3); h < n; ++h)
          r.sha256.push_back(hex());
        std::sort(r.sha256.begin(), r.sha256.end());
        if (random() % 2) r.path = folder + "x.exe";
        break;
      case ProcessRuleKind::kPath:
        r.path = folder + text() + ".exe";
        break;
      case ProcessRuleKind::kPathSigner:
        r.path = folder + "y";
        r.signer = "Signer " + text();
        break;
      case ProcessRuleKind::kPublisherPath:
        r.path = folder;
        r.signer = "Publisher " + text();
        break;
      case ProcessRuleKind::kPackage:
        r.package = "pkg-" + std::to_string(i);
        break;
    }
    r.comment = text();
    a.processes.push_back(r);
  }
  int network = static_cast<int>(random() % 20);
  for (int i = 0; i < network; ++i) {
    NetworkRule r;
    r.id = "n-" + std::to_string(1000 + i);
    r.executable = random() % 4 ? "/usr/bin/n" + std::to_string(i) : "";
    r.protocol = random() % 2 ? "tcp" : "udp";
    r.direction = static_cast<Direction>(random() % 3);
    static const char* kRemotes[] = {"any",           "10.1.2.3",       "10.1.2.0/24",
                                     "2001:db8::/64", "::ffff:1.2.3.4", "fe80::1"};
    r.remote = r.direction == Direction::kListen ? "any" : kRemotes[random() % 6];
    r.port = static_cast<uint16_t>(random());
    r.comment = text();
    a.network.push_back(r);
  }
  for (uint64_t v = 1; v <= a.version && v < 5; ++v) {
    a.changes.push_back({v, EventTime::FromNanos(static_cast<int64_t>(random() >> 2)),
                         "engineer " + text() + "x", text()});
  }
  return a;
}

TEST(AllowlistFile, GeneratedAllowlistsRoundTrip) {
  std::mt19937_64 random(13);
  for (int i = 0; i < 300; ++i) {
    Allowlist a = Generated(random);
    std::string text = FormatAllowlist(a);
    auto back = ParseAllowlist(text, "generated.toml");
    ASSERT_TRUE(back) << back.error().ToString() << "\n" << text;
    ASSERT_EQ(*back, a) << text;
  }
}

}  // namespace
}  // namespace otguard::host
