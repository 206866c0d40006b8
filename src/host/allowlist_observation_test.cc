// Observation JSON lines: what the agent writes is what the learner reads back, exactly, and a
// damaged line is refused with the field named, never half-read.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

EventTime At(std::string_view text) { return *EventTime::ParseRfc3339(text); }

ProcessObservation OpcServer() {
  ProcessObservation p;
  p.time = At("2026-12-05T06:37:19.123456789Z");
  p.pid = 4294967295u;
  p.ppid = 612;
  p.executable = "C:\\Program Files\\Yokogawa\\OPC\\opcsrv.exe";
  p.sha256 = std::string(64, 'a');
  p.signer = "Yokogawa Electric Corporation";
  p.parent_executable = "C:\\Windows\\System32\\services.exe";
  p.user = "NT AUTHORITY\\SYSTEM";
  p.command_line = "\"opcsrv.exe\" -service \"quoted\"\ttab\nnewline \xC3\xA9";
  p.duration_ns = 86400000000000;
  p.source = "etw";
  return p;
}

ConnectionObservation MinerConnection() {
  ConnectionObservation c;
  c.time = At("2026-12-05T06:37:20Z");
  c.pid = 4242;
  c.executable = "C:\\Windows\\dllhostex.exe";
  c.protocol = "tcp";
  c.direction = Direction::kOutbound;
  c.local_address = "192.168.110.121";
  c.local_port = 50123;
  c.remote_address = "2001:db8::45";
  c.remote_port = 45560;
  return c;
}

TEST(ObservationJson, ProcessRoundTripsExactlyIncludingNanoseconds) {
  Observation o = OpcServer();
  std::string line = ObservationToJson(o);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;  // one line, even with a newline inside
  EXPECT_NE(line.find("\"time\":\"2026-12-05T06:37:19.123456789Z\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"type\":\"process\""), std::string::npos);
  auto back = ParseObservation(line);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(*back, o);
}

TEST(ObservationJson, MillisecondTimesStayShort) {
  ProcessObservation p = OpcServer();
  p.time = At("2026-12-05T06:37:19.120Z");
  EXPECT_NE(ObservationToJson(p).find("\"time\":\"2026-12-05T06:37:19.120Z\""), std::string::npos);
  p.time = EventTime::FromNanos(-1);  // before 1970 floors, and still round-trips
  auto back = ParseObservation(ObservationToJson(p));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(std::get<ProcessObservation>(*back).time, p.time);
}

TEST(ObservationJson, ConnectionRoundTripsEveryDirection) {
  for (Direction d : {Direction::kOutbound, Direction::kInbound, Direction::kListen}) {
    ConnectionObservation c = MinerConnection();
    c.direction = d;
    if (d == Direction::kListen) {
      c.remote_address.clear();
      c.remote_port = 0;
    }
    auto back = ParseObservation(ObservationToJson(c));
    ASSERT_TRUE(back) << back.error().ToString();
    EXPECT_EQ(*back, Observation(c)) << DirectionName(d);
  }
}

TEST(ObservationJson, DefaultsOfOptionalFieldsAreLeftOutAndComeBack) {
  ProcessObservation p;
  p.time = At("2026-12-05T00:00:00Z");
  p.pid = 1;
  p.executable = "/sbin/init";
  std::string line = ObservationToJson(p);
  EXPECT_EQ(line.find("sha256"), std::string::npos) << line;
  EXPECT_EQ(line.find("duration_ns"), std::string::npos) << line;
  auto back = ParseObservation(line);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<ProcessObservation>(*back).duration_ns, -1);
  EXPECT_EQ(*back, Observation(p));
}

TEST(ObservationJson, UnknownFieldsAreIgnoredAndUpperCaseHashesNormalized) {
  auto o = ParseObservation(
      R"({"type":"process","time":"2026-12-05T06:00:00Z","pid":7,"executable":"/usr/bin/x",)"
      R"("sha256":")" +
      std::string(64, 'A') + R"(","future":{"nested":[1,2]}})");
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(std::get<ProcessObservation>(*o).sha256, std::string(64, 'a'));
}

struct BadLine {
  std::string line;
  std::string error;  // a part of the message
};

TEST(ObservationJson, BadLinesNameTheField) {
  const std::string p = R"({"type":"process","time":"2026-12-05T06:00:00Z",)";
  const std::string c = R"({"type":"connection","time":"2026-12-05T06:00:00Z","protocol":"tcp",)";
  const BadLine cases[] = {
      {"", "not JSON"},
      {"{\"type\":", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"time":"2026-12-05T06:00:00Z"})", "field 'type': missing"},
      {R"({"type":"proces","time":"2026-12-05T06:00:00Z"})", "field 'type': unknown type 'proces'"},
      {p + R"("pid":1})", "field 'executable': missing"},
      {p + R"("pid":4294967296,"executable":"/x"})", "field 'pid': out of range 0..4294967295"},
      {p + R"("pid":-1,"executable":"/x"})", "field 'pid': out of range"},
      {p + R"("pid":1.5,"executable":"/x"})", "field 'pid': must be an integer"},
      {p + R"("pid":"1","executable":"/x"})", "field 'pid': must be an integer"},
      {p + R"("pid":1,"executable":"/x","sha256":"abc"})", "field 'sha256'"},
      {p + R"("pid":1,"executable":"/x","duration_ns":-2})", "field 'duration_ns'"},
      {p + R"("pid":1,"executable":"/x\u0000y"})", "field 'executable': has a NUL"},
      {R"({"type":"process","time":"2026-12-05 06:00:00","pid":1,"executable":"/x"})",
       "field 'time': not an RFC 3339"},
      {R"({"type":"process","time":"2026-12-05T06:00:00+01:00","pid":1,"executable":"/x"})",
       "field 'time'"},
      {c + R"("direction":"out","local_port":1,"remote_address":"1.2.3.4","remote_port":2})",
       "field 'direction': unknown direction 'out' (listen, outbound, inbound)"},
      {c + R"("direction":"outbound","remote_address":"1.2.3.4","remote_port":65536})",
       "field 'remote_port': out of range 0..65535"},
      {c + R"("direction":"outbound","remote_port":80})", "field 'remote_address': missing"},
      {c + R"("direction":"outbound","remote_address":"1.2.3.999","remote_port":80})",
       "field 'remote_address': '1.2.3.999' is not an IPv4 or IPv6 address"},
      {c + R"("direction":"listen","local_port":80,"remote_address":"1.2.3.4"})",
       "a listening socket has no remote end"},
      {c + R"("direction":"listen"})", "field 'local_port': missing"},
      {R"({"type":"connection","time":"2026-12-05T06:00:00Z","protocol":"icmp",)"
       R"("direction":"listen","local_port":1})",
       "field 'protocol'"},
  };
  for (const BadLine& bad : cases) {
    auto o = ParseObservation(bad.line);
    ASSERT_FALSE(o) << bad.line;
    EXPECT_EQ(o.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(o.error().message().find(bad.error), std::string::npos)
        << bad.line << " -> " << o.error().message();
  }
}

TEST(ObservationJson, NulByteAndOverlongLinesAreRefused) {
  std::string good = ObservationToJson(MinerConnection());
  ASSERT_TRUE(ParseObservation(good));
  // nlohmann stops at a NUL: without the check the garbage after it would pass unnoticed.
  EXPECT_FALSE(ParseObservation(good + std::string(1, '\0') + "garbage"));
  std::string big = R"({"type":"process","time":"2026-12-05T06:00:00Z","pid":1,"executable":"/x",)"
                    R"("pad":")" +
                    std::string(70000, 'x') + "\"}";
  auto o = ParseObservation(big);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message().find("64 KiB"), std::string::npos);
}

TEST(ObservationJson, AnOverlongCommandLineIsCutSoTheLineStaysReadable) {
  ProcessObservation p = OpcServer();
  p.command_line = std::string(200000, '\x01');  // escapes six times as long in JSON
  std::string line = ObservationToJson(p);
  EXPECT_LE(line.size(), 64u * 1024);
  auto back = ParseObservation(line);
  ASSERT_TRUE(back) << back.error().ToString();
  const auto& q = std::get<ProcessObservation>(*back);
  EXPECT_EQ(q.executable, p.executable);
  EXPECT_EQ(q.sha256, p.sha256);
  EXPECT_LT(q.command_line.size(), p.command_line.size());
}

TEST(ObservationJson, InvalidUtf8IsReplacedNotLost) {
  ProcessObservation p = OpcServer();
  p.executable = "/opt/\xFF\xFEname";
  auto back = ParseObservation(ObservationToJson(p));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(std::get<ProcessObservation>(*back).executable, "/opt/\xEF\xBF\xBD\xEF\xBF\xBDname");
}

TEST(ObservationJson, GeneratedObservationsRoundTrip) {
  std::mt19937_64 random(13);
  for (int i = 0; i < 2000; ++i) {
    Observation o;
    EventTime t = EventTime::FromNanos(static_cast<int64_t>(random() % (int64_t{1} << 62)) -
                                       (int64_t{1} << 61));
    if (i % 2 == 0) {
      ProcessObservation p;
      p.time = t;
      p.pid = static_cast<uint32_t>(random());
      p.ppid = static_cast<uint32_t>(random());
      p.executable = "/usr/bin/p" + std::to_string(random() % 1000);
      if (random() % 2) p.sha256 = std::string(64, "0123456789abcdef"[random() % 16]);
      p.duration_ns = static_cast<int64_t>(random() % 1000) - 1;
      p.user = random() % 2 ? "root" : "";
      o = p;
    } else {
      ConnectionObservation c;
      c.time = t;
      c.pid = static_cast<uint32_t>(random());
      c.protocol = random() % 2 ? "tcp" : "udp";
      c.direction = static_cast<Direction>(random() % 3);
      c.local_address = random() % 2 ? "::" : "10.0.0." + std::to_string(random() % 256);
      c.local_port = static_cast<uint16_t>(random());
      if (c.direction != Direction::kListen) {
        c.remote_address = "fe80::" + std::to_string(random() % 10000);
        c.remote_port = static_cast<uint16_t>(random());
      }
      o = c;
    }
    auto back = ParseObservation(ObservationToJson(o));
    ASSERT_TRUE(back) << ObservationToJson(o) << ": " << back.error().ToString();
    ASSERT_EQ(*back, o) << ObservationToJson(o);
  }
}

}  // namespace
}  // namespace otguard::host
