#include "nba/analyzers/smb/smb.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "nba/testing/fake_context.h"
#include "nba/testing/replay.h"

namespace otguard::nba::analyzers::smb {
namespace {

using testing::Pcap;
using testing::ReplayFiles;

// ---- Building SMB messages from the specifications' byte layouts -------------------------

void Le16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(x & 0xff);
  v.push_back(x >> 8);
}
void Le32(std::vector<uint8_t>& v, uint32_t x) {
  Le16(v, x & 0xffff);
  Le16(v, x >> 16);
}
void Text(std::vector<uint8_t>& v, std::string_view s) {
  v.insert(v.end(), s.begin(), s.end());
  v.push_back(0);
}

std::vector<uint8_t> Nbss(const std::vector<uint8_t>& smb) {
  std::vector<uint8_t> out = {0, static_cast<uint8_t>(smb.size() >> 16),
                              static_cast<uint8_t>(smb.size() >> 8),
                              static_cast<uint8_t>(smb.size())};
  out.insert(out.end(), smb.begin(), smb.end());
  return out;
}

// MS-CIFS 2.2.3.1 header + parameter and data blocks, NBSS framed.
struct Smb1 {
  uint8_t command = 0;
  bool reply = false;
  uint32_t status = 0;
  uint16_t tid = 0, pid = 0xfeff, uid = 0, mid = 1;
  std::vector<uint8_t> words{}, bytes{};

  std::vector<uint8_t> Build() const {
    std::vector<uint8_t> m = {0xff, 'S', 'M', 'B', command};
    Le32(m, status);
    m.push_back(reply ? 0x98 : 0x18);
    Le16(m, 0x4001);                // NT status codes, long names; OEM strings
    Le16(m, 0);                     // PIDHigh
    m.resize(m.size() + 8 + 2, 0);  // SecurityFeatures, Reserved
    Le16(m, tid);
    Le16(m, pid);
    Le16(m, uid);
    Le16(m, mid);
    m.push_back(static_cast<uint8_t>(words.size() / 2));
    m.insert(m.end(), words.begin(), words.end());
    Le16(m, static_cast<uint16_t>(bytes.size()));
    m.insert(m.end(), bytes.begin(), bytes.end());
    return Nbss(m);
  }
};

// MS-SMB2 2.2.1.2 sync header + body, NBSS framed.
std::vector<uint8_t> Smb2(uint16_t command, bool response, uint64_t message_id,
                          const std::vector<uint8_t>& body, uint32_t status = 0) {
  std::vector<uint8_t> m = {0xfe, 'S', 'M', 'B'};
  Le16(m, 64);
  Le16(m, 1);  // CreditCharge
  Le32(m, status);
  Le16(m, command);
  Le16(m, 1);  // credits
  Le32(m, response ? 1 : 0);
  Le32(m, 0);  // NextCommand
  Le32(m, static_cast<uint32_t>(message_id));
  Le32(m, 0);
  m.resize(64, 0);  // Reserved, TreeId, SessionId, Signature
  m.insert(m.end(), body.begin(), body.end());
  return Nbss(m);
}

// ---- What the analyser reported --------------------------------------------------------

using testing::RecordingContext;

std::set<std::string> AlertRules(const RecordingContext& ctx) {
  std::set<std::string> out;
  for (const auto& f : ctx.Alerts()) out.insert(f.rule);
  return out;
}

// ---- SMB1 pieces of an ordinary session ---------------------------------------------------

std::vector<uint8_t> NegotiateRequest() {
  Smb1 m{.command = 0x72};
  for (auto d : {"PC NETWORK PROGRAM 1.0", "LANMAN1.0", "NT LM 0.12"}) {
    m.bytes.push_back(0x02);
    Text(m.bytes, d);
  }
  return m.Build();
}
std::vector<uint8_t> NegotiateResponse(uint16_t index) {
  Smb1 m{.command = 0x72, .reply = true};
  Le16(m.words, index);
  m.words.resize(34, 0);  // the NT LM 0.12 response has 17 words
  return m.Build();
}
std::vector<uint8_t> SessionSetup(bool reply, uint16_t uid, uint32_t status = 0, uint16_t mid = 2) {
  Smb1 m{.command = 0x73, .reply = reply, .status = status, .uid = uid, .mid = mid};
  m.words = {0xff, 0, 0, 0};
  m.words.resize(reply ? 8 : 24, 0);
  m.bytes = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
  return m.Build();
}
std::vector<uint8_t> TreeConnect(uint16_t uid, std::string_view path, uint16_t mid = 3) {
  Smb1 m{.command = 0x75, .uid = uid, .mid = mid};
  m.words = {0xff, 0, 0, 0, 0, 0};
  Le16(m.words, 1);  // PasswordLength
  m.bytes = {0};
  Text(m.bytes, path);
  Text(m.bytes, "?????");
  return m.Build();
}
std::vector<uint8_t> TreeConnectResponse(uint16_t uid, uint16_t tid, uint16_t mid = 3) {
  Smb1 m{.command = 0x75, .reply = true, .tid = tid, .uid = uid, .mid = mid};
  m.words = {0xff, 0, 0, 0, 0, 0};
  return m.Build();
}
std::vector<uint8_t> ReadAndX(bool reply, uint16_t uid, uint16_t tid) {
  Smb1 m{.command = 0x2e, .reply = reply, .tid = tid, .uid = uid, .mid = 4};
  m.words = {0xff, 0, 0, 0};
  m.words.resize(24, 0);
  if (reply) m.bytes.assign(512, 0x61);
  return m.Build();
}

TEST(SmbAnalyzer, OrdinarySmb1SessionGivesNoAlertAndOneNegotiateObservation) {
  testing::Conversation s(Info());
  s.Client(NegotiateRequest()).Server(NegotiateResponse(2));
  s.Client(SessionSetup(false, 0)).Server(SessionSetup(true, 0x801, 0xc0000016));
  s.Client(SessionSetup(false, 0x801)).Server(SessionSetup(true, 0x801));
  s.Client(TreeConnect(0x801, "\\\\10.0.0.2\\SHARE")).Server(TreeConnectResponse(0x801, 7));
  s.Client(ReadAndX(false, 0x801, 7)).Server(ReadAndX(true, 0x801, 7));
  RecordingContext& ctx = s.Finish();
  EXPECT_EQ(ctx.protocol, "smb");
  EXPECT_TRUE(ctx.Alerts().empty());
  EXPECT_TRUE(ctx.anomalies.empty());
  ASSERT_EQ(ctx.findings.size(), 1u);
  const Finding& obs = ctx.findings[0];
  EXPECT_EQ(obs.rule, "smb.negotiate");
  EXPECT_EQ(obs.kind, Finding::Kind::kObservation);
  EXPECT_EQ(obs.fields["smb"]["dialect"], "NT LM 0.12");
  EXPECT_EQ(obs.fields["smb"]["smbv1"], true);
  EXPECT_EQ(obs.fields["smb"]["dialects_offered"].size(), 3u);
}

TEST(SmbAnalyzer, OrdinarySmb2SessionReportsTheDialectWithoutSmb1) {
  std::vector<uint8_t> negotiate = {36, 0, 5, 0, 1, 0, 0, 0};  // StructureSize, DialectCount ...
  negotiate.resize(36, 0);
  for (uint16_t d : {0x0202, 0x0210, 0x0300, 0x0302, 0x0311}) Le16(negotiate, d);
  std::vector<uint8_t> answer = {65, 0, 1, 0};
  Le16(answer, 0x0311);
  answer.resize(64, 0);
  std::vector<uint8_t> tree = {9, 0, 0, 0, 72, 0, 20, 0};
  for (char c : std::string("\\\\srv\\data")) Le16(tree, static_cast<uint16_t>(c));
  std::vector<uint8_t> read = {49, 0, 0, 0};
  read.resize(48, 0);
  testing::Conversation s(Info());
  s.Client(Smb2(0, false, 0, negotiate)).Server(Smb2(0, true, 0, answer));
  s.Client(Smb2(1, false, 1, std::vector<uint8_t>(24, 0)))
      .Server(Smb2(1, true, 1, std::vector<uint8_t>(8, 0)));
  s.Client(Smb2(3, false, 2, tree)).Server(Smb2(3, true, 2, std::vector<uint8_t>(16, 0)));
  s.Client(Smb2(8, false, 3, read)).Server(Smb2(8, true, 3, std::vector<uint8_t>(600, 0x62)));
  RecordingContext& ctx = s.Finish();
  EXPECT_EQ(ctx.protocol, "smb");
  EXPECT_TRUE(ctx.Alerts().empty());
  ASSERT_NE(ctx.Find("smb.negotiate"), nullptr);
  EXPECT_EQ(ctx.Find("smb.negotiate")->fields["smb"]["dialect"], "3.1.1");
  EXPECT_EQ(ctx.Find("smb.negotiate")->fields["smb"]["smbv1"], false);
  EXPECT_EQ(ctx.Find("smb.negotiate")->fields["smb"]["dialects_offered"].size(), 5u);
}

TEST(SmbAnalyzer, RetryAfterRefusedLogonIsNotAnExploit) {
  testing::Conversation s(Info());
  s.Client(NegotiateRequest()).Server(NegotiateResponse(2));
  s.Client(SessionSetup(false, 0)).Server(SessionSetup(true, 0, 0xc000006d));  // LOGON_FAILURE
  s.Client(SessionSetup(false, 0, 0, 3)).Server(SessionSetup(true, 0x802, 0, 3));
  s.Client(TreeConnect(0x802, "\\\\FILESRV\\IPC$", 4));
  EXPECT_TRUE(s.Finish().Alerts().empty());
}

TEST(SmbAnalyzer, TreeConnectAfterRefusedSessionIsAnExploitKit) {
  testing::Conversation s(Info());
  s.Client(NegotiateRequest()).Server(NegotiateResponse(2));
  s.Client(SessionSetup(false, 0)).Server(SessionSetup(true, 0, 0xc0000022));  // ACCESS_DENIED
  s.Client(TreeConnect(2048, "\\\\192.168.56.20\\IPC$"));
  RecordingContext& ctx = s.Finish();
  const Finding* f = ctx.Find("smb.exploit_kit.unissued_uid");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->category, Category::kExploit);
  EXPECT_EQ(f->actor, Direction::kToServer);
  EXPECT_EQ(f->technique, "T0866");
  EXPECT_EQ(f->fields["smb"]["uid"], 2048);
  EXPECT_EQ(f->fields["smb"]["session_status"], "0xc0000022");
  EXPECT_EQ(f->fields["smb"]["path_host_is_server"], false);
}

std::vector<uint8_t> NtTransOverflow(uint16_t mid) {
  // MS-CIFS 2.2.4.62.1 with function 0 and a 66512-byte data announcement; the data starts
  // with an OS/2 FEALIST whose SizeOfListInBytes is 0x10000.
  Smb1 m{.command = 0xa0, .tid = 2048, .uid = 2048, .mid = mid};
  m.words = {1, 0, 0};
  Le32(m.words, 30);      // TotalParameterCount
  Le32(m.words, 66512);   // TotalDataCount
  Le32(m.words, 30);      // MaxParameterCount
  Le32(m.words, 0);       // MaxDataCount
  Le32(m.words, 30);      // ParameterCount
  Le32(m.words, 75);      // ParameterOffset
  Le32(m.words, 20);      // DataCount
  Le32(m.words, 105);     // DataOffset
  m.words.push_back(1);   // SetupCount
  Le16(m.words, 0);       // Function
  Le16(m.words, 0);       // Setup[0]
  m.bytes.assign(30, 0);  // parameters at 75
  Le32(m.bytes, 0x10000);
  m.bytes.resize(50, 0);
  return m.Build();
}

std::vector<uint8_t> Trans2Secondary(uint16_t mid) {
  Smb1 m{.command = 0x33, .tid = 2048, .uid = 2048, .mid = mid};
  for (uint16_t w : {30, 66512 & 0xffff, 0, 0, 0, 64, 60, 20, 0}) Le16(m.words, w);
  m.bytes.assign(64, 0x41);
  return m.Build();
}

TEST(SmbAnalyzer, NtTransactContinuedByTrans2SecondaryIsEternalBlue) {
  testing::Conversation s(Info());
  s.Client(NegotiateRequest()).Server(NegotiateResponse(2));
  s.Client(NtTransOverflow(64));
  s.Server(Smb1{.command = 0xa0, .reply = true, .tid = 2048, .uid = 2048, .mid = 64}.Build());
  for (int i = 0; i < 4; ++i) s.Client(Trans2Secondary(64));
  RecordingContext& ctx = s.Finish();
  EXPECT_EQ(AlertRules(ctx), (std::set<std::string>{"smb.eternalblue.nt_trans_overflow",
                                                    "smb.eternalblue.nt_trans_trans2_secondary",
                                                    "smb.eternalblue.trans2_secondary_spray"}));
  const Finding* overflow = ctx.Find("smb.eternalblue.nt_trans_overflow");
  EXPECT_EQ(overflow->severity, Severity::kCritical);
  EXPECT_EQ(overflow->fields["smb"]["total_data_count"], 66512);
  EXPECT_EQ(overflow->fields["smb"]["fealist_size"], 0x10000);
  EXPECT_EQ(ctx.Find("smb.eternalblue.nt_trans_trans2_secondary")->fields["smb"]["mid"], 64);
  // Each rule once per flow, however many secondaries followed.
  EXPECT_EQ(ctx.Alerts().size(), 3u);
}

TEST(SmbAnalyzer, OrdinaryTrans2WithSecondariesIsNotAnExploit) {
  testing::Conversation s(Info());
  Smb1 primary{.command = 0x32, .tid = 5, .uid = 9, .mid = 7};
  for (uint16_t w : {6, 3000, 2, 40, 0, 0, 0, 0, 0, 6, 68, 100, 74}) Le16(primary.words, w);
  primary.words.push_back(1);  // SetupCount
  primary.words.push_back(0);
  Le16(primary.words, 0x0008);  // TRANS2_SET_FILE_INFORMATION
  primary.bytes.assign(106, 0);
  s.Client(primary.Build());
  for (int i = 0; i < 5; ++i) {
    Smb1 sec{.command = 0x33, .tid = 5, .uid = 9, .mid = 7};
    for (int w : {6, 3000, 0, 0, 0, 500, 60, 100 + 500 * i, 1}) {
      Le16(sec.words, static_cast<uint16_t>(w));
    }
    sec.bytes.assign(500, 0);
    s.Client(sec.Build());
  }
  EXPECT_TRUE(s.Finish().Alerts().empty());
}

std::vector<uint8_t> Trans2SessionSetup(uint16_t mid, bool reply, uint32_t status = 0) {
  Smb1 m{.command = 0x32, .reply = reply, .status = status, .tid = 2048, .uid = 2048, .mid = mid};
  if (!reply) {
    for (uint16_t w : {12, 0, 1, 0, 0, 0, 0x3401, 0x00ee, 0, 12, 66, 0, 78}) Le16(m.words, w);
    m.words.push_back(1);
    m.words.push_back(0);
    Le16(m.words, 0x000e);
    m.bytes.assign(13, 0);
  }
  return m.Build();
}

TEST(SmbAnalyzer, DoublePulsarPingAndImplantReply) {
  testing::Conversation s(Info());
  s.Client(Trans2SessionSetup(65, false));
  s.Server(Trans2SessionSetup(81, true, 0xc0000002));
  RecordingContext& ctx = s.Finish();
  EXPECT_EQ(AlertRules(ctx),
            (std::set<std::string>{"smb.doublepulsar.ping", "smb.doublepulsar.implant_reply"}));
  const Finding* reply = ctx.Find("smb.doublepulsar.implant_reply");
  EXPECT_EQ(reply->severity, Severity::kCritical);
  EXPECT_EQ(reply->fields["smb"]["request_mid"], 65);
  EXPECT_EQ(reply->fields["smb"]["reply_mid"], 81);
  EXPECT_EQ(reply->fields["smb"]["mid_delta"], 16);
}

TEST(SmbAnalyzer, CleanServerAnswerToDoublePulsarPingIsOnlyAPing) {
  testing::Conversation s(Info());
  s.Client(Trans2SessionSetup(65, false));
  s.Server(Trans2SessionSetup(65, true, 0xc0000002));
  EXPECT_EQ(AlertRules(s.Finish()), (std::set<std::string>{"smb.doublepulsar.ping"}));
}

TEST(SmbAnalyzer, PeekNamedPipeOnFidZeroIsTheMs17010Check) {
  Smb1 probe{.command = 0x25, .tid = 2048, .uid = 2048, .mid = 5};
  for (uint16_t w : {0, 0, 0xffff, 0xffff, 0, 0, 0, 0, 0, 0, 74, 0, 74}) Le16(probe.words, w);
  probe.words.push_back(2);
  probe.words.push_back(0);
  Le16(probe.words, 0x0023);  // TRANS_PEEK_NMPIPE
  Le16(probe.words, 0);       // FID 0
  probe.bytes = {0, '\\', 0, 'P', 0, 'I', 0, 'P', 0, 'E', 0, '\\', 0, 0, 0};
  testing::Conversation s(Info());
  s.Client(probe.Build());
  s.Server(Smb1{.command = 0x25, .reply = true, .status = 0xc0000205, .mid = 5}.Build());
  RecordingContext& ctx = s.Finish();
  const Finding* f = ctx.Find("smb.ms17_010.vuln_probe");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->fields["smb"]["server_vulnerable"], true);
  EXPECT_EQ(f->fields["smb"]["server_status"], "0xc0000205");
}

TEST(SmbAnalyzer, InvalidSmb2HeaderInAHugePacketIsPoolGrooming) {
  std::vector<uint8_t> groom = {0x00, 0x00, 0xff, 0xf7, 0xfe, 'S', 'M', 'B'};
  groom.resize(4000, 0);  // the connection closes before the announced 65527 bytes
  testing::Conversation s(Info());
  s.Client(groom);
  RecordingContext& ctx = s.Finish();
  ASSERT_NE(ctx.Find("smb.eternalblue.srvnet_groom"), nullptr);
  EXPECT_EQ(ctx.Find("smb.eternalblue.srvnet_groom")->fields["smb"]["length"], 65527);
}

TEST(SmbAnalyzer, SurvivesAGapAndMidStreamStart) {
  testing::Conversation s(Info());
  auto tail = NegotiateRequest();
  s.Client(std::vector<uint8_t>(tail.begin() + 10, tail.end()));  // started mid-message
  s.Client(Trans2SessionSetup(65, false));
  s.Send(Direction::kToServer, {});
  RecordingContext& ctx = s.Finish();
  EXPECT_NE(ctx.Find("smb.doublepulsar.ping"), nullptr);
  EXPECT_EQ(ctx.protocol, "smb");
}

TEST(SmbAnalyzer, Ms17010CheckRefusedByAPatchedServerIsNoExploitAlert) {
  Smb1 probe{.command = 0x25, .tid = 2048, .uid = 2048, .mid = 5};
  for (uint16_t w : {0, 0, 0xffff, 0xffff, 0, 0, 0, 0, 0, 0, 74, 0, 74}) Le16(probe.words, w);
  probe.words.push_back(2);
  probe.words.push_back(0);
  Le16(probe.words, 0x0023);
  Le16(probe.words, 0);
  testing::Conversation s(Info());
  s.Client(probe.Build());
  // STATUS_INVALID_HANDLE: what an MS17-010-patched server answers.
  s.Server(Smb1{.command = 0x25, .reply = true, .status = 0xc0000008, .mid = 5}.Build());
  RecordingContext& ctx = s.Finish();
  EXPECT_TRUE(ctx.Alerts().empty());
  const Finding* f = ctx.Find("smb.ms17_010.vuln_probe_refused");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, Finding::Kind::kObservation);
  EXPECT_EQ(f->fields["smb"]["server_vulnerable"], false);
}

TEST(SmbProbe, RecognisesSmbAndSessionRequestsOnly) {
  auto smb = NegotiateRequest();
  EXPECT_TRUE(Probe(Direction::kToServer, smb));
  std::vector<uint8_t> session_request = {0x81, 0, 0, 0x44, 0x20, 'E', 'F'};
  EXPECT_TRUE(Probe(Direction::kToServer, session_request));
  std::vector<uint8_t> http = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'};
  EXPECT_FALSE(Probe(Direction::kToServer, http));
  EXPECT_FALSE(Probe(Direction::kToServer, std::vector<uint8_t>{0, 0, 0, 0x30}));
}

// ---- The real captures ---------------------------------------------------------------------

struct Pair {
  std::string client, server;
  auto operator<=>(const Pair&) const = default;
};

std::set<Pair> ExploitPairs(const testing::Replay& replay) {
  std::set<Pair> out;
  for (const auto& f : replay.WithRule("smb.")) {
    if (f.finding.kind == Finding::Kind::kAlert && f.finding.category == Category::kExploit) {
      out.insert({f.flow.client.ip.ToString(), f.flow.server.ip.ToString()});
    }
  }
  return out;
}

TEST(SmbReplay, WannaCryEveryAttackedPairGetsAnExploitAlert) {
  auto replay = ReplayFiles({Pcap("wannacry.pcap")});
  std::set<Pair> pairs = ExploitPairs(replay);
  const std::string net = "192.168.116.";
  for (std::string victim : {"138", "143", "150", "172"}) {
    EXPECT_TRUE(pairs.count({net + "149", net + victim})) << "149 -> " << victim;
  }
  // The newly infected .138 attacks the others 74 s later (tshark: tcp.srcport != 445 from .138).
  for (std::string victim : {"143", "149", "150", "172"}) {
    EXPECT_TRUE(pairs.count({net + "138", net + victim})) << "138 -> " << victim;
  }
  EXPECT_EQ(pairs.size(), 8u);
  // The worm's core steps are each recognised somewhere.
  for (std::string rule :
       {"smb.eternalblue.nt_trans_trans2_secondary", "smb.eternalblue.nt_trans_overflow",
        "smb.doublepulsar.ping", "smb.doublepulsar.implant_reply", "smb.ms17_010.vuln_probe",
        "smb.exploit_kit.unissued_uid"}) {
    EXPECT_FALSE(replay.WithRule(rule).empty()) << rule;
  }
  for (const auto& f : replay.WithRule("smb.")) {
    if (f.finding.kind != Finding::Kind::kAlert) continue;
    EXPECT_EQ(f.finding.technique, "T0866");
    EXPECT_EQ(f.finding.actor, Direction::kToServer);
    EXPECT_TRUE(f.finding.severity == Severity::kHigh || f.finding.severity == Severity::kCritical);
  }
}

TEST(SmbReplay, WannaCryNegotiateObservationOncePerFlowAndSmb1) {
  auto replay = ReplayFiles({Pcap("wannacry.pcap")});
  std::map<uint64_t, int> per_flow;
  for (const auto& f : replay.WithRule("smb.negotiate")) {
    ++per_flow[f.flow.id];
    EXPECT_EQ(f.finding.fields["smb"]["smbv1"], true);
  }
  EXPECT_GE(per_flow.size(), 70u);
  for (const auto& [id, n] : per_flow) EXPECT_EQ(n, 1) << "flow " << id;
}

TEST(SmbReplay, MetasploitEternalBlueIsDetected) {
  auto replay = ReplayFiles({Pcap("ms17-010-metasploit-win7x64.pcap")});
  for (std::string rule :
       {"smb.eternalblue.nt_trans_trans2_secondary", "smb.eternalblue.nt_trans_overflow",
        "smb.eternalblue.trans2_secondary_spray", "smb.eternalblue.srvnet_groom"}) {
    EXPECT_FALSE(replay.WithRule(rule).empty()) << rule;
  }
  EXPECT_EQ(ExploitPairs(replay), (std::set<Pair>{{"192.168.198.224", "192.168.198.225"}}));
}

TEST(SmbReplay, PatchedTargetGivesNoExploitAlert) {
  auto replay = ReplayFiles({Pcap("eternalblue-failed-patched-win7.pcap")});
  // The attempt never gets past ICMP/NetBIOS name traffic: no SMB exploitation traffic.
  EXPECT_TRUE(ExploitPairs(replay).empty());
  for (const auto& f : replay.WithRule("smb.")) {
    EXPECT_NE(f.finding.kind, Finding::Kind::kAlert) << f.finding.rule;
  }
}

TEST(SmbReplay, QuietOnAPlantNetworkAndAPortScan) {
  for (std::string name : {"modbus-scada-mb2.pcap", "smb-445-slow-scan.pcap"}) {
    auto replay = ReplayFiles({Pcap(name)});
    for (const auto& f : replay.WithRule("smb.")) {
      EXPECT_NE(f.finding.kind, Finding::Kind::kAlert) << name << ": " << f.finding.rule;
    }
  }
}

}  // namespace
}  // namespace otguard::nba::analyzers::smb
