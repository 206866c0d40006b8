// The correlator's thresholds and windows on synthetic flows, one event at a time: SMB fan-out,
// scans (fast and slow), baseline deviations and their per-client cap, and the deduplication
// of repeated alerts. The whole-capture replays (analysis_test.cc, tests/integration/nba_pcaps)
// show that real attacks are found; these tests pin each edge (at, one below, one above).
#include "correlator.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace otguard::nba::internal {
namespace {

constexpr Micros kSecond = kMicrosPerSecond;
constexpr Micros kMinute = 60 * kSecond;
constexpr Micros kHour = 60 * kMinute;
constexpr Micros kT0 = 1'700'000'000 * kSecond;  // an ordinary capture time (2023)

IpAddress Ip(const std::string& text) {
  auto ip = IpAddress::Parse(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(IpAddress{});
}

// "10.0.0.<n>": the plant's hosts, by number.
IpAddress Host(int n) { return Ip("10.0.0." + std::to_string(n)); }

// How the server side of a TCP flow ended, as the engine records it.
enum class Outcome {
  kUnanswered,     // SYNs only: nothing came back
  kRefused,        // the server reset the SYN
  kHalfOpen,       // SYN-ACK, then the prober reset (a SYN scan finding an open port)
  kAnswered,       // handshake, data both ways, FIN both ways
  kAnsweredReset,  // handshake, data both ways, then a RST (common for SMB clients)
};

class CorrelatorTest : public ::testing::Test {
 protected:
  // The correlator keeps a reference to the options: set them before the first event.
  Correlator& C() {
    if (!correlator_) correlator_ = std::make_unique<Correlator>(options_, intel_, result_);
    return *correlator_;
  }

  FlowInfo Flow(const IpAddress& client, const IpAddress& server, uint16_t port, Micros start,
                Outcome outcome = Outcome::kAnswered, Transport transport = Transport::kTcp) {
    FlowInfo f;
    f.id = ++next_id_;
    f.first_packet_index = f.last_packet_index = next_id_ * 10;
    f.client = {client, static_cast<uint16_t>(49152 + next_id_ % 10000)};
    f.server = {server, port};
    f.transport = transport;
    f.first_seen = start;
    f.last_seen = start + kSecond;
    auto set = [&](uint64_t up, uint64_t down, uint64_t up_data, uint64_t down_data,
                   TcpState state) {
      f.packets[0] = up;
      f.packets[1] = down;
      f.payload_bytes[0] = up_data;
      f.payload_bytes[1] = down_data;
      f.bytes[0] = up * 60 + up_data;
      f.bytes[1] = down * 60 + down_data;
      f.tcp_state = transport == Transport::kTcp ? state : TcpState::kNone;
    };
    switch (outcome) {
      case Outcome::kUnanswered:
        set(3, 0, 0, 0, TcpState::kSynSent);
        break;
      case Outcome::kRefused:
        set(1, 1, 0, 0, TcpState::kReset);
        break;
      case Outcome::kHalfOpen:
        set(2, 1, 0, 0, TcpState::kReset);
        break;
      case Outcome::kAnswered:
        set(6, 5, 300, 900, TcpState::kClosed);
        break;
      case Outcome::kAnsweredReset:
        set(6, 5, 300, 900, TcpState::kReset);
        break;
    }
    return f;
  }

  // The whole life of a flow, as the engine reports it: the server's first packet, unless it
  // is a RST, makes the flow answered.
  void Run(const FlowInfo& f, Outcome outcome = Outcome::kAnswered) {
    C().OnFlowStart(f);
    if (outcome != Outcome::kUnanswered && outcome != Outcome::kRefused) C().OnFlowAnswered(f);
    C().OnFlowEnd(
        f, outcome == Outcome::kUnanswered ? FlowEndReason::kIdleTimeout : FlowEndReason::kClosed);
  }

  // A TCP connection from `client` to `server`:`port` at `start`, start to end.
  void Connect(const IpAddress& client, const IpAddress& server, uint16_t port, Micros start,
               Outcome outcome = Outcome::kAnswered) {
    Run(Flow(client, server, port, start, outcome), outcome);
  }

  std::vector<Alert> WithRule(const std::string& rule) const {
    std::vector<Alert> out;
    for (const Alert& a : result_.alerts) {
      if (a.rule == rule) out.push_back(a);
    }
    return out;
  }

  static std::vector<std::string> Targets(const Alert& a) {
    std::vector<std::string> out;
    for (const auto& t : a.fields["nba"]["targets"]) out.push_back(t.get<std::string>());
    return out;
  }

  AnalysisOptions options_;
  Intel intel_;
  AnalysisResult result_;
  uint64_t next_id_ = 0;

 private:
  std::unique_ptr<Correlator> correlator_;
};

// ---- SMB fan-out ---------------------------------------------------------------------------

class FanOutTest : public CorrelatorTest {
 protected:
  const IpAddress worm_ = Ip("192.168.1.10");
  // `n` distinct SMB servers, 100 ms apart, from the worm.
  void FanOut(int n, Micros start = kT0, Micros step = 100'000, int first_host = 100) {
    for (int i = 0; i < n; ++i) Connect(worm_, Host(first_host + i), 445, start + i * step);
  }
};

TEST_F(FanOutTest, DefaultsAreFourHostsInTenSeconds) {
  // The numbers the tests below rely on (and docs/ cite): a change here is a product change.
  EXPECT_EQ(options_.detection.fanout_hosts, 4u);
  EXPECT_EQ(options_.detection.fanout_window, 10 * kSecond);
}

TEST_F(FanOutTest, OneHostFewerThanTheThresholdIsSilent) {
  FanOut(3);
  EXPECT_TRUE(WithRule("nba.smb_fanout").empty());
  EXPECT_TRUE(result_.alerts.empty()) << "no baseline: nothing else to say either";
}

TEST_F(FanOutTest, ExactlyTheThresholdAlertsWithEveryTargetInTimeOrder) {
  FanOut(4);
  auto fanout = WithRule("nba.smb_fanout");
  ASSERT_EQ(fanout.size(), 1u);
  const Alert& a = fanout[0];
  EXPECT_EQ(a.source.ip, worm_);
  EXPECT_EQ(a.destination.ip, Host(103)) << "the target that crossed the threshold";
  EXPECT_EQ(a.destination.port, 445);
  EXPECT_EQ(a.category, Category::kLateralMovement);
  EXPECT_EQ(a.severity, Severity::kHigh);
  EXPECT_EQ(a.ts, kT0 + 300'000);
  EXPECT_EQ(Targets(a),
            (std::vector<std::string>{"10.0.0.100", "10.0.0.101", "10.0.0.102", "10.0.0.103"}));
  EXPECT_EQ(a.evidence_times,
            (std::vector<Micros>{kT0, kT0 + 100'000, kT0 + 200'000, kT0 + 300'000}));
  EXPECT_EQ(a.fields["nba"]["span_ms"], 300);
  EXPECT_EQ(a.fields["nba"]["window_seconds"], 10);
}

TEST_F(FanOutTest, MoreTargetsStillGiveOneAlertPerActor) {
  FanOut(5);
  ASSERT_EQ(WithRule("nba.smb_fanout").size(), 1u);
  FanOut(50, kT0 + kSecond, 10'000, 150);  // the worm goes on through the subnet
  auto fanout = WithRule("nba.smb_fanout");
  ASSERT_EQ(fanout.size(), 1u) << "one alert per infected host, not one per target";
  EXPECT_EQ(Targets(fanout[0]).size(), 4u) << "the evidence is what crossed the threshold";
}

TEST_F(FanOutTest, EachActorHasItsOwnCount) {
  // Two hosts reaching two servers each: four SMB servers, but no host fans out.
  Connect(Host(1), Host(100), 445, kT0);
  Connect(Host(1), Host(101), 445, kT0 + 1);
  Connect(Host(2), Host(102), 445, kT0 + 2);
  Connect(Host(2), Host(103), 445, kT0 + 3);
  EXPECT_TRUE(WithRule("nba.smb_fanout").empty());
  // Two infected hosts: two alerts, one each.
  FanOut(4);
  for (int i = 0; i < 4; ++i) Connect(Host(7), Host(120 + i), 445, kT0 + 2 * kSecond + i);
  auto fanout = WithRule("nba.smb_fanout");
  ASSERT_EQ(fanout.size(), 2u);
  EXPECT_EQ(fanout[0].source.ip, worm_);
  EXPECT_EQ(fanout[1].source.ip, Host(7));
}

TEST_F(FanOutTest, ConfiguredThresholdIsHonouredAtEachSide) {
  for (size_t hosts : {2u, 6u, 10u}) {
    for (size_t n : {hosts - 1, hosts, hosts + 1}) {
      AnalysisOptions options;
      options.detection.fanout_hosts = hosts;
      AnalysisResult result;
      Intel intel;
      Correlator c(options, intel, result);
      for (size_t i = 0; i < n; ++i) {
        FlowInfo f = Flow(worm_, Host(100 + static_cast<int>(i)), 445, kT0 + i * kSecond / 2);
        c.OnFlowStart(f);
      }
      size_t alerts = 0;
      for (const Alert& a : result.alerts) alerts += a.rule == "nba.smb_fanout";
      EXPECT_EQ(alerts, n >= hosts ? 1u : 0u) << hosts << " hosts configured, " << n << " seen";
    }
  }
}

TEST_F(FanOutTest, RepeatedConnectionsToTheSameServerDoNotCount) {
  // An ordinary client: its file server and its domain controller, over and over.
  for (int i = 0; i < 20; ++i) {
    Connect(worm_, Host(100), 445, kT0 + i * 100'000);
    Connect(worm_, Host(101), 445, kT0 + i * 100'000 + 50'000);
  }
  Connect(worm_, Host(102), 445, kT0 + 3 * kSecond);
  EXPECT_TRUE(WithRule("nba.smb_fanout").empty());
  Connect(worm_, Host(103), 445, kT0 + 4 * kSecond);
  EXPECT_EQ(WithRule("nba.smb_fanout").size(), 1u);
}

TEST_F(FanOutTest, Port139CountsAndOtherPortsDoNot) {
  Connect(worm_, Host(100), 445, kT0);
  Connect(worm_, Host(101), 139, kT0 + 1);
  Connect(worm_, Host(102), 80, kT0 + 2);
  Connect(worm_, Host(103), 3389, kT0 + 3);
  Run(Flow(worm_, Host(104), 445, kT0 + 4, Outcome::kAnswered, Transport::kUdp));
  EXPECT_TRUE(WithRule("nba.smb_fanout").empty());
  Connect(worm_, Host(105), 139, kT0 + 5);
  Connect(worm_, Host(106), 445, kT0 + 6);
  auto fanout = WithRule("nba.smb_fanout");
  ASSERT_EQ(fanout.size(), 1u);
  EXPECT_EQ(Targets(fanout[0]),
            (std::vector<std::string>{"10.0.0.100", "10.0.0.101", "10.0.0.105", "10.0.0.106"}));
}

TEST_F(FanOutTest, BroadcastAndMulticastAreNoTargets) {
  Connect(worm_, Host(100), 445, kT0);
  Connect(worm_, Host(101), 445, kT0 + 1);
  Connect(worm_, Host(102), 445, kT0 + 2);
  Connect(worm_, Ip("10.0.0.255"), 445, kT0 + 3);
  Connect(worm_, Ip("239.1.2.3"), 445, kT0 + 4);
  EXPECT_TRUE(WithRule("nba.smb_fanout").empty());
}

// The window is closed: targets whose connections lie exactly fanout_window apart are "within"
// it (10 s means "in at most 10 s").
TEST_F(FanOutTest, TargetsExactlyTheWindowApartAreWithinIt) {
  Micros window = options_.detection.fanout_window;
  Connect(worm_, Host(100), 445, kT0);
  Connect(worm_, Host(101), 445, kT0 + kSecond);
  Connect(worm_, Host(102), 445, kT0 + 2 * kSecond);
  Connect(worm_, Host(103), 445, kT0 + window);
  auto fanout = WithRule("nba.smb_fanout");
  ASSERT_EQ(fanout.size(), 1u);
  EXPECT_EQ(fanout[0].fields["nba"]["span_ms"], window / 1000);
}

TEST_F(FanOutTest, WindowEdgeOneMicrosecondEachSide) {
  for (Micros last : {10 * kSecond - 1, 10 * kSecond, 10 * kSecond + 1}) {
    AnalysisOptions options;
    AnalysisResult result;
    Intel intel;
    Correlator c(options, intel, result);
    std::vector<Micros> times = {0, kSecond, 2 * kSecond, last};
    for (size_t i = 0; i < times.size(); ++i) {
      c.OnFlowStart(Flow(worm_, Host(100 + static_cast<int>(i)), 445, kT0 + times[i]));
    }
    EXPECT_EQ(result.alerts.size(), last <= options.detection.fanout_window ? 1u : 0u)
        << "4th target " << last << " us after the 1st";
  }
}

TEST_F(FanOutTest, ATargetOneMicrosecondOutsideTheWindowHasLeftIt) {
  Micros window = options_.detection.fanout_window;
  Connect(worm_, Host(100), 445, kT0);
  Connect(worm_, Host(101), 445, kT0 + kSecond);
  Connect(worm_, Host(102), 445, kT0 + 2 * kSecond);
  Connect(worm_, Host(103), 445, kT0 + window + 1);
  EXPECT_TRUE(WithRule("nba.smb_fanout").empty()) << "only 3 targets within 10 s";
  // The window slides: the next target makes four within 10 s again (the first one is out).
  Connect(worm_, Host(104), 445, kT0 + window + 2);
  auto fanout = WithRule("nba.smb_fanout");
  ASSERT_EQ(fanout.size(), 1u);
  EXPECT_EQ(Targets(fanout[0]),
            (std::vector<std::string>{"10.0.0.101", "10.0.0.102", "10.0.0.103", "10.0.0.104"}));
}

// The window holds each target's latest connection: a server the worm reconnected to a moment
// ago is within the last 10 s, however long ago it first went there.
TEST_F(FanOutTest, ATargetReconnectedToStaysInTheWindow) {
  Connect(worm_, Host(100), 445, kT0);
  Connect(worm_, Host(100), 445, kT0 + 9 * kSecond);
  Connect(worm_, Host(101), 445, kT0 + 10 * kSecond + 500'000);
  Connect(worm_, Host(102), 445, kT0 + 10 * kSecond + 600'000);
  Connect(worm_, Host(103), 445, kT0 + 10 * kSecond + 700'000);
  auto fanout = WithRule("nba.smb_fanout");
  ASSERT_EQ(fanout.size(), 1u) << "4 servers within 1.7 s";
  // The evidence is each target's first connection: when the worm first reached it.
  EXPECT_EQ(fanout[0].evidence_times.front(), kT0);
  EXPECT_EQ(fanout[0].fields["nba"]["span_ms"], 10'700);
}

TEST_F(FanOutTest, TargetsSpreadWiderThanTheWindowNeverAlert) {
  // One new SMB server every 4 s: at most three within any 10 s.
  FanOut(30, kT0, 4 * kSecond);
  EXPECT_TRUE(WithRule("nba.smb_fanout").empty());
}

TEST_F(FanOutTest, TimestampsGoingBackwardsCountByDistance) {
  // A capture's timestamps are not always in order (several capture points, NIC queues):
  // the distance in time, whichever way, decides.
  Connect(worm_, Host(100), 445, kT0 + 9 * kSecond);
  Connect(worm_, Host(101), 445, kT0 + 8 * kSecond);
  Connect(worm_, Host(102), 445, kT0 + 8 * kSecond + 500'000);
  Connect(worm_, Host(103), 445, kT0);
  auto fanout = WithRule("nba.smb_fanout");
  ASSERT_EQ(fanout.size(), 1u);
  EXPECT_EQ(fanout[0].evidence_times.front(), kT0) << "in time order";
  EXPECT_EQ(fanout[0].fields["nba"]["span_ms"], 9000);
}

// ---- scans ---------------------------------------------------------------------------------

class ScanTest : public CorrelatorTest {
 protected:
  const IpAddress scanner_ = Ip("176.192.150.3");
  // Attempts on `port` to `n` distinct hosts, `step` apart.
  void Probe(int n, Outcome outcome, uint16_t port = 445, Micros start = kT0, Micros step = kSecond,
             int first_host = 100) {
    for (int i = 0; i < n; ++i) {
      Connect(scanner_, Host(first_host + i), port, start + i * step, outcome);
    }
  }
  std::vector<Alert> Scans() const {
    auto fast = WithRule("nba.scan"), slow = WithRule("nba.slow_scan");
    fast.insert(fast.end(), slow.begin(), slow.end());
    return fast;
  }
};

TEST_F(ScanTest, DefaultsAreFiveHostsInADay) {
  EXPECT_EQ(options_.detection.scan_hosts, 5u);
  EXPECT_EQ(options_.detection.scan_window, 24 * kHour);
}

TEST_F(ScanTest, OneHostFewerThanTheThresholdIsSilent) {
  Probe(4, Outcome::kUnanswered);
  EXPECT_TRUE(Scans().empty());
  // (Four SMB servers tried in 3 s are an SMB fan-out, answered or not: the worm's view.)
  EXPECT_EQ(WithRule("nba.smb_fanout").size(), 1u);
}

TEST_F(ScanTest, ExactlyTheThresholdOfUnansweredAttemptsIsAScan) {
  Probe(5, Outcome::kUnanswered);
  auto scans = Scans();
  ASSERT_EQ(scans.size(), 1u);
  const Alert& a = scans[0];
  EXPECT_EQ(a.rule, "nba.scan") << "4 s is no slow scan";
  EXPECT_EQ(a.source.ip, scanner_);
  EXPECT_EQ(a.destination.port, 445);
  EXPECT_EQ(a.category, Category::kScan);
  EXPECT_EQ(a.severity, Severity::kHigh) << "SMB";
  EXPECT_EQ(a.flow_id, 0u) << "about many flows";
  EXPECT_EQ(a.ts, kT0 + 4 * kSecond) << "the last attempt";
  EXPECT_EQ(Targets(a).size(), 5u);
  EXPECT_EQ(a.evidence_times.size(), 5u);
  EXPECT_EQ(a.fields["nba"]["span_seconds"], 4);
}

TEST_F(ScanTest, MoreAttemptsStillGiveOneAlertPerActorAndPort) {
  Probe(6, Outcome::kUnanswered);
  Probe(40, Outcome::kUnanswered, 445, kT0 + kMinute, kSecond, 150);
  ASSERT_EQ(Scans().size(), 1u);
  // Another port is another scan (and not SMB: medium).
  Probe(5, Outcome::kUnanswered, 3389);
  auto scans = Scans();
  ASSERT_EQ(scans.size(), 2u);
  EXPECT_EQ(scans[1].destination.port, 3389);
  EXPECT_EQ(scans[1].severity, Severity::kMedium);
}

TEST_F(ScanTest, AttemptsOnDifferentPortsAreNotAddedUp) {
  Probe(3, Outcome::kUnanswered, 445);
  Probe(2, Outcome::kUnanswered, 139, kT0, kSecond, 103);
  Probe(4, Outcome::kUnanswered, 3389, kT0, kSecond, 110);
  EXPECT_TRUE(Scans().empty());
}

TEST_F(ScanTest, ConfiguredThresholdIsHonouredAtEachSide) {
  for (size_t hosts : {2u, 5u, 9u}) {
    for (size_t n : {hosts - 1, hosts, hosts + 1}) {
      AnalysisOptions options;
      options.detection.scan_hosts = hosts;
      AnalysisResult result;
      Intel intel;
      Correlator c(options, intel, result);
      for (size_t i = 0; i < n; ++i) {
        FlowInfo f = Flow(scanner_, Host(100 + static_cast<int>(i)), 445, kT0 + i * kSecond,
                          Outcome::kUnanswered);
        c.OnFlowStart(f);
        c.OnFlowEnd(f, FlowEndReason::kIdleTimeout);
      }
      size_t alerts = 0;
      for (const Alert& a : result.alerts) alerts += a.category == Category::kScan;
      EXPECT_EQ(alerts, n >= hosts ? 1u : 0u) << hosts << " hosts configured, " << n << " probed";
    }
  }
}

TEST_F(ScanTest, RefusedAttemptsCountLikeUnansweredOnes) {
  Probe(2, Outcome::kUnanswered);
  Probe(3, Outcome::kRefused, 445, kT0 + 10 * kSecond, kSecond, 102);
  EXPECT_EQ(Scans().size(), 1u);
}

TEST_F(ScanTest, SynScanProbesOfOpenPortsCount) {
  // SYN, SYN-ACK, RST from the prober: it learned the port is open and never used it.
  Probe(5, Outcome::kHalfOpen);
  EXPECT_EQ(Scans().size(), 1u);
}

TEST_F(ScanTest, AnsweredConnectionsAreNoFailedAttempts) {
  Probe(4, Outcome::kUnanswered);
  Probe(10, Outcome::kAnswered, 445, kT0 + kMinute, kSecond, 150);
  EXPECT_TRUE(Scans().empty()) << "a client of ten file servers is no scanner";
}

TEST_F(ScanTest, ConnectionsThatExchangedDataThenResetAreNoFailedAttempts) {
  // Windows SMB clients often end sessions with a RST: the servers did answer.
  Probe(4, Outcome::kUnanswered);
  Probe(10, Outcome::kAnsweredReset, 445, kT0 + kMinute, kSecond, 150);
  EXPECT_TRUE(Scans().empty());
}

TEST_F(ScanTest, RepeatedAttemptsOnOneHostCountOnce) {
  for (int i = 0; i < 10; ++i) {
    Connect(scanner_, Host(100 + i % 4), 445, kT0 + i * kSecond, Outcome::kUnanswered);
  }
  EXPECT_TRUE(Scans().empty());
}

TEST_F(ScanTest, UdpAndPairsKnownToTheBaselineDoNotCount) {
  Baseline baseline;
  baseline.AddTalk({scanner_, Host(100), Transport::kTcp, 445});
  options_.baseline = &baseline;
  Probe(4, Outcome::kUnanswered, 445, kT0, kSecond, 101);
  Connect(scanner_, Host(100), 445, kT0 + 10 * kSecond, Outcome::kUnanswered);
  for (int i = 0; i < 5; ++i) {
    Run(Flow(scanner_, Host(120 + i), 445, kT0 + i, Outcome::kUnanswered, Transport::kUdp),
        Outcome::kUnanswered);
  }
  EXPECT_TRUE(Scans().empty());
}

// The real capture smb-445-slow-scan.pcap: 9 hosts over 1.7 hours. However spread out within
// the scan window, it is one scan, reported as slow.
TEST_F(ScanTest, NineHostsOverOnePointSevenHoursIsOneSlowScan) {
  Micros step = (102 * kMinute) / 8;  // 1.7 h from the first to the ninth
  Probe(9, Outcome::kUnanswered, 445, kT0, step);
  auto scans = Scans();
  ASSERT_EQ(scans.size(), 1u);
  const Alert& a = scans[0];
  EXPECT_EQ(a.rule, "nba.slow_scan");
  EXPECT_EQ(a.category, Category::kScan);
  EXPECT_EQ(Targets(a).size(), 5u) << "reported when the fifth host was probed";
  EXPECT_EQ(a.fields["nba"]["span_seconds"], 4 * step / kSecond);
  EXPECT_EQ(a.ts, kT0 + 4 * step);
  EXPECT_NE(a.message.find("slow scan"), std::string::npos) << a.message;
}

TEST_F(ScanTest, FlowsEndingOutOfStartOrderStillFormOneScan) {
  // Unanswered flows end at their idle timeout, not in the order they started.
  std::vector<FlowInfo> flows;
  for (int i = 0; i < 5; ++i) {
    flows.push_back(Flow(scanner_, Host(100 + i), 445, kT0 + i * kHour, Outcome::kUnanswered));
    C().OnFlowStart(flows.back());
  }
  for (auto it = flows.rbegin(); it != flows.rend(); ++it) {
    C().OnFlowEnd(*it, FlowEndReason::kIdleTimeout);
  }
  auto scans = Scans();
  ASSERT_EQ(scans.size(), 1u);
  EXPECT_EQ(scans[0].ts, kT0 + 4 * kHour) << "the latest attempt, whatever the end order";
  EXPECT_EQ(scans[0].fields["nba"]["span_seconds"], 4 * 3600);
}

// A scan is slow when its attempts span more than a minute; a minute or less is an ordinary
// scan. Both are reported, under different names.
TEST_F(ScanTest, SlowMeansMoreThanAMinute) {
  Probe(5, Outcome::kUnanswered, 445, kT0, 15 * kSecond);             // exactly 60 s
  Probe(5, Outcome::kUnanswered, 3389, kT0, 15 * kSecond + 250'000);  // 61 s
  auto scans = Scans();
  ASSERT_EQ(scans.size(), 2u);
  EXPECT_EQ(scans[0].rule, "nba.scan");
  EXPECT_EQ(scans[0].destination.port, 445);
  EXPECT_EQ(scans[1].rule, "nba.slow_scan");
  EXPECT_EQ(scans[1].destination.port, 3389);
}

// The scan window is closed like the fan-out window: attempts exactly scan_window apart are
// within it; one microsecond more and the first has left it.
TEST_F(ScanTest, AttemptsExactlyTheWindowApartAreWithinIt) {
  Micros window = options_.detection.scan_window;
  Probe(4, Outcome::kUnanswered, 445, kT0, kHour);
  Connect(scanner_, Host(200), 445, kT0 + window, Outcome::kUnanswered);
  auto scans = Scans();
  ASSERT_EQ(scans.size(), 1u);
  EXPECT_EQ(scans[0].fields["nba"]["span_seconds"], window / kSecond);
}

TEST_F(ScanTest, WindowEdgeOneMicrosecondEachSide) {
  for (Micros last : {24 * kHour - 1, 24 * kHour, 24 * kHour + 1}) {
    AnalysisOptions options;
    AnalysisResult result;
    Intel intel;
    Correlator c(options, intel, result);
    std::vector<Micros> times = {0, kHour, 2 * kHour, 3 * kHour, last};
    for (size_t i = 0; i < times.size(); ++i) {
      FlowInfo f = Flow(scanner_, Host(100 + static_cast<int>(i)), 3389, kT0 + times[i],
                        Outcome::kUnanswered);
      c.OnFlowStart(f);
      c.OnFlowEnd(f, FlowEndReason::kIdleTimeout);
    }
    EXPECT_EQ(result.alerts.size(), last <= options.detection.scan_window ? 1u : 0u)
        << "5th attempt " << last << " us after the 1st";
  }
}

TEST_F(ScanTest, AnAttemptOneMicrosecondOutsideTheWindowHasLeftIt) {
  Micros window = options_.detection.scan_window;
  Probe(4, Outcome::kUnanswered, 445, kT0, kHour);
  Connect(scanner_, Host(200), 445, kT0 + window + 1, Outcome::kUnanswered);
  EXPECT_TRUE(Scans().empty()) << "4 attempts within 24 h";
  Connect(scanner_, Host(201), 445, kT0 + window + 2, Outcome::kUnanswered);
  EXPECT_EQ(Scans().size(), 1u) << "the window slides: 5 within 24 h again";
}

TEST_F(ScanTest, AHostProbedAgainStaysInTheWindow) {
  Connect(scanner_, Host(100), 445, kT0, Outcome::kUnanswered);
  Connect(scanner_, Host(100), 445, kT0 + 23 * kHour, Outcome::kUnanswered);
  Probe(4, Outcome::kUnanswered, 445, kT0 + 24 * kHour + kSecond, kMinute, 101);
  auto scans = Scans();
  ASSERT_EQ(scans.size(), 1u) << "5 hosts probed within 1 h 3 min";
  EXPECT_EQ(scans[0].evidence_times.front(), kT0) << "the first attempt on each host";
  EXPECT_EQ(scans[0].fields["nba"]["span_seconds"], 24 * 3600 + 1 + 3 * 60);
}

// Which scans are slow is the scan's own matter: the fan-out window has no say in it.
TEST_F(ScanTest, SlowDoesNotDependOnTheFanOutWindow) {
  options_.detection.fanout_window = 30 * kSecond;
  Probe(5, Outcome::kUnanswered, 3389, kT0, 15 * kSecond + 250'000);  // 61 s
  auto scans = Scans();
  ASSERT_EQ(scans.size(), 1u);
  EXPECT_EQ(scans[0].rule, "nba.slow_scan");
}

TEST_F(ScanTest, OnePerDayForAWeekIsNoScan) {
  Probe(7, Outcome::kUnanswered, 445, kT0, 24 * kHour + kSecond);
  EXPECT_TRUE(Scans().empty());
}

// ---- baseline deviations -------------------------------------------------------------------

class BaselineDeviationTest : public CorrelatorTest {
 protected:
  // The plant as learned: the engineering station (1) polls the PLC (2) over Modbus and reads
  // the file server (3) over SMB; the historian (4) reads the PLC too.
  void SetUp() override {
    for (auto [client, server, port] : {std::tuple{1, 2, 502}, {1, 3, 445}, {4, 2, 502}}) {
      baseline_.AddTalk({Host(client), Host(server), Transport::kTcp, uint16_t(port)});
      baseline_.AddService({Host(server), Transport::kTcp, uint16_t(port)});
    }
    options_.baseline = &baseline_;
    intel_.AddPoolPort(3333);
  }
  Baseline baseline_;
};

TEST_F(BaselineDeviationTest, TrafficSeenInTheBaselineIsSilent) {
  for (int i = 0; i < 3; ++i) {
    Connect(Host(1), Host(2), 502, kT0 + i * kSecond);
    Connect(Host(1), Host(3), 445, kT0 + i * kSecond + 1);
    Connect(Host(4), Host(2), 502, kT0 + i * kSecond + 2);
  }
  for (const Alert& a : result_.alerts) ADD_FAILURE() << AlertToText(a);
  EXPECT_EQ(result_.capped_alerts, 0u);
  EXPECT_EQ(result_.duplicate_alerts, 0u);
}

TEST_F(BaselineDeviationTest, WithoutABaselineThereAreNoDeviations) {
  options_.baseline = nullptr;
  Connect(Host(9), Host(8), 445, kT0);
  Connect(Host(1), Host(2), 3333, kT0 + 1);
  EXPECT_TRUE(result_.alerts.empty());
}

TEST_F(BaselineDeviationTest, ANewPairAlertsOnceHoweverManyFlows) {
  for (int i = 0; i < 5; ++i) Connect(Host(4), Host(5), 502, kT0 + i * kSecond);
  auto talker = WithRule("nba.new_talker");
  ASSERT_EQ(talker.size(), 1u);
  EXPECT_EQ(talker[0].source.ip, Host(4));
  EXPECT_EQ(talker[0].destination.ip, Host(5));
  EXPECT_EQ(talker[0].ts, kT0) << "the first flow is the evidence";
  EXPECT_EQ(talker[0].category, Category::kNewTalker);
  // Port 502 is one the historian already uses: no new outbound port. The PLC-like service on
  // 10.0.0.5 is new, once.
  EXPECT_TRUE(WithRule("nba.new_outbound_port").empty());
  EXPECT_EQ(WithRule("nba.new_service").size(), 1u);
  EXPECT_EQ(result_.alerts.size(), 2u);
}

TEST_F(BaselineDeviationTest, AKnownPairOnANewPortIsNoNewTalker) {
  Connect(Host(1), Host(2), 8080, kT0);
  EXPECT_TRUE(WithRule("nba.new_talker").empty());
  auto outbound = WithRule("nba.new_outbound_port");
  ASSERT_EQ(outbound.size(), 1u);
  EXPECT_EQ(outbound[0].severity, Severity::kMedium);
  EXPECT_EQ(WithRule("nba.new_service").size(), 1u);
}

TEST_F(BaselineDeviationTest, ANewOutboundPortAlertsOncePerClientAndPort) {
  Connect(Host(1), Host(2), 3333, kT0);
  Connect(Host(1), Host(2), 3333, kT0 + kSecond);
  Connect(Host(1), Ip("203.0.113.7"), 3333, kT0 + 2 * kSecond);  // another server, same port
  auto outbound = WithRule("nba.new_outbound_port");
  ASSERT_EQ(outbound.size(), 1u);
  EXPECT_EQ(outbound[0].source.ip, Host(1));
  EXPECT_EQ(outbound[0].destination.port, 3333);
  EXPECT_EQ(outbound[0].severity, Severity::kHigh) << "a mining-pool port";
  EXPECT_NE(outbound[0].message.find("mining-pool"), std::string::npos);
  // Another known client on the same port: its own first time.
  Connect(Host(4), Host(2), 3333, kT0 + 3 * kSecond);
  EXPECT_EQ(WithRule("nba.new_outbound_port").size(), 2u);
}

TEST_F(BaselineDeviationTest, AnUnknownClientIsANewTalkerNotANewOutboundPort) {
  Connect(Host(9), Host(2), 502, kT0);
  EXPECT_EQ(WithRule("nba.new_talker").size(), 1u);
  EXPECT_TRUE(WithRule("nba.new_outbound_port").empty());
}

TEST_F(BaselineDeviationTest, ANewServiceAlertsOnceAndOnlyWhenAnswered) {
  Connect(Host(1), Host(3), 139, kT0, Outcome::kUnanswered);
  EXPECT_TRUE(WithRule("nba.new_service").empty()) << "nothing answered on 139";
  Connect(Host(1), Host(3), 3389, kT0 + 1);
  Connect(Host(4), Host(3), 3389, kT0 + 2);
  auto service = WithRule("nba.new_service");
  ASSERT_EQ(service.size(), 1u);
  EXPECT_EQ(service[0].destination.ip, Host(3));
  EXPECT_EQ(service[0].destination.port, 3389);
  EXPECT_EQ(service[0].severity, Severity::kHigh) << "above 1024";
  Connect(Host(1), Host(2), 80, kT0 + 3);
  ASSERT_EQ(WithRule("nba.new_service").size(), 2u);
  EXPECT_EQ(WithRule("nba.new_service")[1].severity, Severity::kMedium);
}

TEST_F(BaselineDeviationTest, FirstSmbBetweenHostsAlertsOnceAndRepeatsAreCounted) {
  Connect(Host(1), Host(3), 139, kT0);  // known on 445: SMB between them is not new
  EXPECT_TRUE(WithRule("nba.first_smb").empty());
  Connect(Host(4), Host(3), 445, kT0 + 1);
  Connect(Host(4), Host(3), 445, kT0 + 2);
  Connect(Host(4), Host(3), 139, kT0 + 3);
  auto smb = WithRule("nba.first_smb");
  ASSERT_EQ(smb.size(), 1u);
  EXPECT_EQ(smb[0].source.ip, Host(4));
  EXPECT_EQ(smb[0].severity, Severity::kHigh);
  EXPECT_EQ(result_.duplicate_alerts, 2u);
}

TEST_F(BaselineDeviationTest, NewTalkerAlertsAreCappedPerClientAtTheLimit) {
  options_.detection.max_new_talker_alerts_per_client = 3;
  auto new_talkers_from = [&](const IpAddress& ip) {
    size_t n = 0;
    for (const Alert& a : WithRule("nba.new_talker")) n += a.source.ip == ip;
    return n;
  };
  Connect(Host(9), Host(100), 502, kT0);
  Connect(Host(9), Host(101), 502, kT0 + 1);
  EXPECT_EQ(new_talkers_from(Host(9)), 2u);
  EXPECT_EQ(result_.capped_alerts, 0u);
  Connect(Host(9), Host(102), 502, kT0 + 2);  // the limit
  EXPECT_EQ(new_talkers_from(Host(9)), 3u);
  EXPECT_EQ(result_.capped_alerts, 0u);
  Connect(Host(9), Host(103), 502, kT0 + 3);  // one over: counted, not shown
  EXPECT_EQ(new_talkers_from(Host(9)), 3u);
  EXPECT_EQ(result_.capped_alerts, 1u);
  Connect(Host(9), Host(103), 502, kT0 + 4);  // the same capped pair again: not recounted
  EXPECT_EQ(result_.capped_alerts, 1u);
  // The cap is per client.
  Connect(Host(8), Host(100), 502, kT0 + 5);
  EXPECT_EQ(new_talkers_from(Host(8)), 1u);
}

TEST_F(BaselineDeviationTest, DefaultCapIsTenNewTalkersPerClient) {
  EXPECT_EQ(options_.detection.max_new_talker_alerts_per_client, 10u);
  for (int i = 0; i < 12; ++i) Connect(Host(9), Host(100 + i), 502, kT0 + i);
  EXPECT_EQ(WithRule("nba.new_talker").size(), 10u);
  EXPECT_EQ(result_.capped_alerts, 2u);
}

// A host sweeping the ports of a server it knows: every port is a first, but the analyst
// needs the first few and the count, not 65535 lines.
TEST_F(BaselineDeviationTest, NewOutboundPortAlertsAreCappedPerClientAtTheLimit) {
  options_.detection.max_new_talker_alerts_per_client = 3;
  for (uint16_t port : {21, 22, 23}) Connect(Host(1), Host(2), port, kT0 + port);
  EXPECT_EQ(WithRule("nba.new_outbound_port").size(), 3u) << "the limit";
  EXPECT_EQ(result_.capped_alerts, 0u);
  Connect(Host(1), Host(2), 25, kT0 + kSecond);
  EXPECT_EQ(WithRule("nba.new_outbound_port").size(), 3u) << "one over";
  EXPECT_EQ(result_.capped_alerts, 1u);
  Connect(Host(1), Host(2), 25, kT0 + 2 * kSecond);  // the same port again: not recounted
  EXPECT_EQ(result_.capped_alerts, 1u);
  for (uint16_t port = 1000; port < 2000; ++port) {
    Connect(Host(1), Host(2), port, kT0 + 3 * kSecond + port, Outcome::kRefused);
  }
  EXPECT_EQ(WithRule("nba.new_outbound_port").size(), 3u);
  EXPECT_EQ(result_.capped_alerts, 1001u);
}

// New talkers and new outbound ports have a budget each: a worm's flood of new talkers must
// not hide its first connection to a mining pool.
TEST_F(BaselineDeviationTest, NewTalkersDoNotUseUpTheOutboundPortBudget) {
  for (int i = 0; i < 20; ++i) Connect(Host(1), Host(100 + i), 445, kT0 + i, Outcome::kRefused);
  EXPECT_EQ(WithRule("nba.new_talker").size(), 10u);
  Connect(Host(1), Ip("203.0.113.7"), 3333, kT0 + kMinute);
  auto outbound = WithRule("nba.new_outbound_port");
  ASSERT_EQ(outbound.size(), 1u);
  EXPECT_EQ(outbound[0].destination.port, 3333);
}

TEST_F(BaselineDeviationTest, NewPortsOnOneServerAreEachReported) {
  // The repeat check keys alerts by hosts, not ports: the port-level firsts must not be
  // taken for repeats of each other.
  Connect(Host(1), Host(2), 3333, kT0);
  Connect(Host(1), Host(2), 8080, kT0 + 1);
  auto outbound = WithRule("nba.new_outbound_port");
  ASSERT_EQ(outbound.size(), 2u);
  EXPECT_EQ(outbound[0].destination.port, 3333);
  EXPECT_EQ(outbound[1].destination.port, 8080);
  auto service = WithRule("nba.new_service");
  ASSERT_EQ(service.size(), 2u);
  EXPECT_EQ(result_.duplicate_alerts, 0u);
}

TEST_F(BaselineDeviationTest, BroadcastIsNeverANewTalkerOrService) {
  Run(Flow(Host(1), Ip("10.0.0.255"), 137, kT0, Outcome::kAnswered, Transport::kUdp));
  Run(Flow(Host(1), Ip("224.0.0.251"), 5353, kT0 + 1, Outcome::kAnswered, Transport::kUdp));
  EXPECT_TRUE(result_.alerts.empty());
}

// ---- analyser findings ---------------------------------------------------------------------

class FindingTest : public CorrelatorTest {
 protected:
  Finding Write(const std::string& operation) {
    Finding f;
    f.rule = "modbus.write";
    f.category = Category::kIcsWrite;
    f.severity = Severity::kHigh;
    f.message = "write";
    f.operation = operation;
    return f;
  }
};

TEST_F(FindingTest, TheSameAlertRepeatedIsShownOnceAndCounted) {
  std::vector<std::string> seen;
  options_.on_alert = [&](const Alert& a) { seen.push_back(a.rule); };
  for (int i = 0; i < 5; ++i) {
    FlowInfo f = Flow(Host(1), Host(2), 502, kT0 + i * kSecond);
    C().OnFinding(f, Write("modbus.write_single_register"), f.first_packet_index, f.first_seen);
  }
  ASSERT_EQ(result_.alerts.size(), 1u);
  EXPECT_EQ(result_.alerts[0].ts, kT0) << "the first occurrence is kept";
  EXPECT_EQ(result_.duplicate_alerts, 4u);
  EXPECT_EQ(seen.size(), 1u) << "live output is deduplicated too";
}

TEST_F(FindingTest, DifferentOperationsOrHostsAreDifferentAlerts) {
  FlowInfo f = Flow(Host(1), Host(2), 502, kT0);
  C().OnFinding(f, Write("modbus.write_single_register"), 1, kT0);
  C().OnFinding(f, Write("modbus.write_multiple_coils"), 2, kT0 + 1);
  FlowInfo g = Flow(Host(1), Host(6), 502, kT0 + 2);
  C().OnFinding(g, Write("modbus.write_single_register"), 3, kT0 + 2);
  FlowInfo h = Flow(Host(4), Host(2), 502, kT0 + 3);
  C().OnFinding(h, Write("modbus.write_single_register"), 4, kT0 + 3);
  EXPECT_EQ(result_.alerts.size(), 4u);
  EXPECT_EQ(result_.duplicate_alerts, 0u);
}

TEST_F(FindingTest, ObservationsAreNoAlerts) {
  Finding f = Write("modbus.read_holding_registers");
  f.kind = Finding::Kind::kObservation;
  C().OnFinding(Flow(Host(1), Host(2), 502, kT0), f, 1, kT0);
  EXPECT_TRUE(result_.alerts.empty());
}

TEST_F(FindingTest, AnOperationInTheBaselineIsSuppressed) {
  Baseline baseline;
  baseline.AddTalk({Host(1), Host(2), Transport::kTcp, 502});
  baseline.AddOperation({Host(1), Host(2), "modbus.write_single_register"});
  options_.baseline = &baseline;
  FlowInfo f = Flow(Host(1), Host(2), 502, kT0);
  C().OnFinding(f, Write("modbus.write_single_register"), 1, kT0);
  EXPECT_TRUE(result_.alerts.empty());
  EXPECT_EQ(result_.suppressed_by_baseline, 1u);
  FlowInfo g = Flow(Host(4), Host(2), 502, kT0 + 1);  // another client doing it is news
  C().OnFinding(g, Write("modbus.write_single_register"), 2, kT0 + 1);
  EXPECT_EQ(result_.alerts.size(), 1u);
}

}  // namespace
}  // namespace otguard::nba::internal
