#include "scan/events.h"

#include <cstdio>
#include <fstream>

#include <regex>

#include <gtest/gtest.h>

#include "otguard/base/time_format.h"
#include "otguard/scan/scan_run.h"
#include "testing/temp_dir.h"

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
  Detection d{Engine::kBody, "Win.Test.Eicar", "/srv/sigs/main.ndb:3"};
  auto e = DetectionEvent(v, d, "hmi-01", EventTime::FromNanos(1704067200000000000LL));
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
  // The database by name, never the scanning host's directory; the line in rule.id.
  EXPECT_EQ(e["rule"]["ruleset"], "main.ndb");
  EXPECT_FALSE(e["rule"].contains("version"));  // a ClamAV text database has none
  EXPECT_EQ(e["rule"]["id"], "main.ndb:3");
  EXPECT_EQ(e["otguard"]["schema_version"], 2);
  EXPECT_EQ(e["otguard"]["engine"], "body");
  EXPECT_EQ(e["event"]["severity"], 2);  // a test signature: low
  EXPECT_EQ(e["otguard"]["severity"], "low");
}

TEST(EventsTest, SeverityHighForMalwareLowForTestSignatures) {
  EXPECT_EQ(DetectionSeverity({Engine::kHash, "Win.Trojan.MsraMiner-1", "a.hdb:1"}),
            Severity::kHigh);
  EXPECT_EQ(DetectionSeverity({Engine::kYara, "Miner_Service_Dll", "rules.yar"}), Severity::kHigh);
  EXPECT_EQ(DetectionSeverity({Engine::kBody, "Eicar-Test-Signature", "<builtin>:1"}),
            Severity::kLow);
  EXPECT_EQ(DetectionSeverity({Engine::kHash, "Win.Test.EICAR_HDB-1", "main.hdb:7"}),
            Severity::kLow);
}

TEST(EventsTest, RulesetNamesADatabaseNotAPath) {
  Ruleset builtin = DetectionRuleset({Engine::kBody, "Eicar-Test-Signature", "<builtin>:1"});
  EXPECT_EQ(builtin.name, "builtin");
  EXPECT_EQ(builtin.version, std::string(OtguardVersion()));
  EXPECT_EQ(DetectionRuleset({Engine::kYara, "R", "C:\\rules\\ot.yar"}).name, "ot.yar");
  EXPECT_EQ(DetectionRuleId({Engine::kYara, "R", "C:\\rules\\ot.yar"}), "");
  EXPECT_EQ(DetectionRuleset({Engine::kHash, "R", "C:\\sigs\\main.hdb:12"}).name, "main.hdb");
  EXPECT_EQ(DetectionRuleId({Engine::kHash, "R", "C:\\sigs\\main.hdb:12"}), "main.hdb:12");
  EXPECT_EQ(DetectionRuleId({Engine::kBody, "E", "<builtin>:1"}), "builtin:1");
  nlohmann::json e = DetectionEvent({}, {Engine::kHash, "R", "/home/op/db/x.hsb:4"}, "h", {});
  std::string dumped = e["rule"].dump();
  EXPECT_EQ(dumped.find("/home"), std::string::npos) << dumped;
}

TEST(EventsTest, ProblemAndSummaryEvents) {
  auto p = ProblemEvent({"/a", ProblemKind::kPermissionDenied, "open /a: Permission denied"},
                        "hmi-01", EventTime::Now());
  EXPECT_EQ(p["host"]["name"], "hmi-01");
  EXPECT_EQ(p["otguard"]["schema_version"], kEventSchemaVersion);
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
  s.finished = EventTime::FromNanos(1704067200250000000LL);
  auto m = SummaryEvent(s, "hmi-01");
  EXPECT_EQ(m["@timestamp"], "2024-01-01T00:00:00.250Z");  // when the scan finished
  EXPECT_EQ(m["event"]["kind"], "metric");
  EXPECT_EQ(m["event"]["dataset"], "otguard.scan.summary");
  EXPECT_EQ(m["otguard"]["scan"]["files"], 3);
  EXPECT_EQ(m["otguard"]["scan"]["threads"], 2);
  EXPECT_TRUE(m["otguard"]["scan"].contains("seconds"));
}

// The whole of `otguard scan` as the CLI calls it: engines, scan, a JSON report.
TEST(RunScanTest, ScansAndReportsInTheEnvelope) {
  testutil::TempDir dir;
  std::ofstream(dir.path() + "/eicar.com")
      << "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  std::ofstream(dir.path() + "/plain.txt") << "nothing here";
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  ScanRequest request;
  request.paths = {dir.path()};
  request.output.json = true;
  request.output.out = out;
  request.output.host = "hmi-01";
  auto summary = RunScan(request);
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  EXPECT_EQ(summary->files, 2u);
  EXPECT_EQ(summary->detections, 1u);
  EXPECT_EQ(ExitCodeFor(*summary), 1);
  std::rewind(out);
  std::vector<nlohmann::json> lines;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, out) != nullptr) lines.push_back(nlohmann::json::parse(buf));
  std::fclose(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["rule"]["name"], "Eicar-Test-Signature");
  EXPECT_EQ(lines[0]["otguard"]["severity"], "low");
  EXPECT_EQ(lines[1]["event"]["dataset"], "otguard.scan.summary");
  EXPECT_EQ(lines[1]["host"]["name"], "hmi-01");
  EXPECT_EQ(lines[1]["@timestamp"], summary->finished.Rfc3339());  // the summary's own time
  EXPECT_LE(lines[0]["@timestamp"].get<std::string>(), lines[1]["@timestamp"].get<std::string>());
}

TEST(RunScanTest, AQuarantineThatCannotBeOpenedIsAnError) {
  testutil::TempDir dir;
  std::ofstream(dir.path() + "/file") << "x";
  ScanRequest request;
  request.paths = {dir.path()};
  request.quarantine_dir = dir.path() + "/file/store";  // under a file: cannot be created
  std::FILE* out = std::tmpfile();
  request.output.out = out;
  auto summary = RunScan(request);
  std::fclose(out);
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().message().rfind("quarantine: ", 0), 0u) << summary.error().ToString();
}

}  // namespace
}  // namespace otguard::scan
