#include "scan/events.h"

#include <regex>

#include <gtest/gtest.h>

#include "otguard/base/time_format.h"

namespace otguard::scan {
namespace {

TEST(TimeFormatTest, Rfc3339WithMilliseconds) {
  EXPECT_EQ(Rfc3339UtcFromNs(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Rfc3339UtcFromNs(1700000000123456789LL), "2023-11-14T22:13:20.123Z");
  EXPECT_TRUE(
      std::regex_match(NowRfc3339Utc(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST(EventsTest, DetectionEventHasTheSchemaFields) {
  FileVerdict v;
  v.path = "/srv/x.exe";
  v.size = 68;
  v.digests.sha256 = std::array<uint8_t, 32>{};
  Detection d{Engine::kBody, "Win.Test.Eicar", "main.ndb:3"};
  auto e = DetectionEvent(v, d, "hmi-01", "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(e["@timestamp"], "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(e["event"]["kind"], "alert");
  EXPECT_EQ(e["event"]["module"], "scan");
  EXPECT_EQ(e["event"]["dataset"], "otguard.scan");
  EXPECT_EQ(e["event"]["category"], nlohmann::json::array({"malware"}));
  EXPECT_EQ(e["event"]["type"], nlohmann::json::array({"info"}));
  EXPECT_EQ(e["event"]["action"], "detected");
  EXPECT_EQ(e["host"]["name"], "hmi-01");
  EXPECT_EQ(e["file"]["path"], "/srv/x.exe");
  EXPECT_EQ(e["file"]["size"], 68);
  EXPECT_EQ(e["file"]["hash"]["sha256"], std::string(64, '0'));
  EXPECT_FALSE(e["file"]["hash"].contains("md5"));  // only what was computed
  EXPECT_EQ(e["rule"]["name"], "Win.Test.Eicar");
  EXPECT_EQ(e["rule"]["category"], "malware");
  EXPECT_EQ(e["rule"]["ruleset"], "main.ndb:3");
  EXPECT_EQ(e["otguard"]["schema_version"], 1);
  EXPECT_EQ(e["otguard"]["engine"], "body");
}

TEST(EventsTest, ProblemAndSummaryEvents) {
  auto p = ProblemEvent({"/a", ProblemKind::kPermissionDenied, "open /a: Permission denied"}, "t");
  EXPECT_EQ(p["event"]["kind"], "event");
  EXPECT_EQ(p["event"]["category"], nlohmann::json::array({"file"}));
  EXPECT_EQ(p["event"]["type"], nlohmann::json::array({"error"}));
  EXPECT_EQ(p["event"]["outcome"], "failure");
  EXPECT_EQ(p["error"]["type"], "PermissionDenied");
  EXPECT_EQ(p["file"]["path"], "/a");
  ScanSummary s;
  s.files = 3;
  s.bytes = 10;
  s.detections = 1;
  s.threads = 2;
  auto m = SummaryEvent(s, "t");
  EXPECT_EQ(m["event"]["kind"], "metric");
  EXPECT_EQ(m["event"]["dataset"], "otguard.scan.summary");
  EXPECT_EQ(m["otguard"]["scan"]["files"], 3);
  EXPECT_EQ(m["otguard"]["scan"]["threads"], 2);
  EXPECT_TRUE(m["otguard"]["scan"].contains("seconds"));
}

}  // namespace
}  // namespace otguard::scan
