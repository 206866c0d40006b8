#include "otguard/base/event.h"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace otguard {
namespace {

using Json = nlohmann::json;

TEST(EventTimeTest, FactoriesAgree) {
  EventTime ns = EventTime::FromNanos(1700000000123456789LL);
  EXPECT_EQ(ns.Rfc3339(), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(EventTime::FromMicros(1700000000123456LL).Rfc3339(), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(EventTime::FromMicros(5).nanos(), 5000);
  auto tp = std::chrono::system_clock::time_point(std::chrono::milliseconds(1500));
  EXPECT_EQ(EventTime::FromSystemClock(tp).Rfc3339(), "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(EventTime().Rfc3339(), "1970-01-01T00:00:00.000Z");
  // Floored, not truncated toward zero, before 1970.
  EXPECT_EQ(EventTime::FromNanos(-1).Rfc3339(), "1969-12-31T23:59:59.999Z");
  EXPECT_LT(EventTime::FromNanos(1), EventTime::FromNanos(2));
  EXPECT_GT(EventTime::Now().nanos(), 1700000000LL * 1000000000LL);
}

TEST(EventTimeTest, ParsesWhatItFormats) {
  for (int64_t ns : {int64_t{0}, int64_t{-1000000}, int64_t{1700000000123000000LL},
                     int64_t{951782400000000000LL} /* 2000-02-29 */}) {
    EventTime t = EventTime::FromNanos(ns);
    Result<EventTime> back = EventTime::ParseRfc3339(t.Rfc3339());
    ASSERT_TRUE(back.has_value()) << t.Rfc3339();
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(EventTime::ParseRfc3339("2023-11-14T22:13:20Z")->nanos(), 1700000000000000000LL);
  EXPECT_EQ(EventTime::ParseRfc3339("2023-11-14T22:13:20.123456789Z")->nanos(),
            1700000000123456789LL);
  EXPECT_EQ(EventTime::ParseRfc3339("2023-11-14T22:13:20.1234567891Z")->nanos(),
            1700000000123456789LL);  // past nanoseconds: dropped
  for (const char* bad : {"", "2023-11-14", "2023-11-14T22:13:20", "2023-11-14 22:13:20Z",
                          "2023-11-14T22:13:20+01:00", "2023-02-29T00:00:00Z",
                          "2023-13-01T00:00:00Z", "2023-11-14T24:00:00Z", "2023-11-14T22:60:00Z",
                          "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20.12aZ",
                          "9999-12-31T23:59:59Z", "1600-01-01T00:00:00Z", "+023-11-14T22:13:20Z"}) {
    Result<EventTime> t = EventTime::ParseRfc3339(bad);
    ASSERT_FALSE(t.has_value()) << bad;
    EXPECT_EQ(t.error().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(SeverityTest, OneScaleOneToFive) {
  const Severity all[] = {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh,
                          Severity::kCritical};
  const char* names[] = {"info", "low", "medium", "high", "critical"};
  for (int i = 0; i < kSeverityCount; ++i) {
    EXPECT_EQ(SeverityNumber(all[i]), i + 1);
    EXPECT_STREQ(SeverityName(all[i]), names[i]);
    EXPECT_EQ(ParseSeverity(names[i]).value(), all[i]);
  }
  EXPECT_FALSE(ParseSeverity("severe").has_value());
  EXPECT_FALSE(ParseSeverity("informational").has_value());
  EXPECT_FALSE(ParseSeverity("High").has_value());
  EXPECT_EQ(ParseSeverity("").error().code(), StatusCode::kInvalidArgument);
}

TEST(RulesetTest, NeverAPathOfTheMachine) {
  EXPECT_EQ(RulesetFileName("/srv/sigs/main.ndb"), "main.ndb");
  EXPECT_EQ(RulesetFileName("C:\\rules\\a.yar"), "a.yar");
  EXPECT_EQ(RulesetFileName("C:a.yar"), "a.yar");
  EXPECT_EQ(RulesetFileName("rules/x/../b.yar"), "b.yar");
  EXPECT_EQ(RulesetFileName("otguard-nba"), "otguard-nba");
  Json r = Json::object();
  SetRuleset(r, {"/home/op/packs/miner.toml", "3"});
  EXPECT_EQ(r["rule"]["ruleset"], "miner.toml");
  EXPECT_EQ(r["rule"]["version"], "3");
  Json unversioned = Json::object();
  SetRuleset(unversioned, {"main.hdb", ""});
  EXPECT_FALSE(unversioned["rule"].contains("version"));
}

TEST(RecordTest, StartRecordHasTheEnvelope) {
  Json r = StartRecord({"alert", "scan", "otguard.scan"}, EventTime::FromNanos(0), "hmi-01");
  EXPECT_EQ(r["@timestamp"], "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(r["event"]["kind"], "alert");
  EXPECT_EQ(r["event"]["module"], "scan");
  EXPECT_EQ(r["event"]["dataset"], "otguard.scan");
  EXPECT_EQ(r["host"]["name"], "hmi-01");
  EXPECT_EQ(r["otguard"]["schema_version"], kEventSchemaVersion);
  EXPECT_EQ(kEventSchemaVersion, 2);
  Json sensor = StartRecord({"alert", "nba", "otguard.nba"}, EventTime(), "");
  EXPECT_FALSE(sensor.contains("host"));
  SetSeverity(r, Severity::kHigh);
  EXPECT_EQ(r["event"]["severity"], 4);
  EXPECT_EQ(r["otguard"]["severity"], "high");
}

TEST(JsonLinesTest, OneRecordPerLineAndBadUtf8Counted) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  JsonLinesWriter writer(f);
  ASSERT_TRUE(writer.Write(Json{{"a", "line\nbreak"}}).ok());
  ASSERT_TRUE(writer.Write(Json{{"path", std::string("/tmp/\xff\xfe.exe")}}).ok());
  EXPECT_EQ(writer.written(), 2u);
  EXPECT_EQ(writer.replaced(), 1u);
  std::rewind(f);
  char buf[256] = {};
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  std::string text(buf, n);
  EXPECT_EQ(text, "{\"a\":\"line\\nbreak\"}\n{\"path\":\"/tmp/\xEF\xBF\xBD\xEF\xBF\xBD.exe\"}\n");
  bool replaced = true;
  EXPECT_EQ(JsonLine(Json{{"ok", 1}}, &replaced), "{\"ok\":1}");
  EXPECT_FALSE(replaced);
}

TEST(JsonLinesTest, AFailingStreamIsAnError) {
  // A stream that cannot be written: one opened for reading.
  std::FILE* ro = std::fopen(OTGUARD_SOURCE_DIR "/CMakeLists.txt", "r");
  ASSERT_NE(ro, nullptr);
  JsonLinesWriter writer(ro);
  Status s = writer.Write(Json{{"a", 1}});
  std::fclose(ro);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(writer.written(), 0u);
}

}  // namespace
}  // namespace otguard
