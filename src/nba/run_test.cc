// RunAnalysis (run.h): what the command line names is loaded, or refused with a clear error.
#include "otguard/nba/run.h"

#include <gtest/gtest.h>

#include "nba/testing/replay.h"
#include "testing/temp_dir.h"

namespace otguard::nba {
namespace {

RunRequest OnCapture(const std::string& name) {
  RunRequest r;
  r.captures = {testing::Pcap(name)};
  r.data_dir = OTGUARD_SOURCE_DIR "/data";
  return r;
}

TEST(RunAnalysisTest, AnalysesTheNamedCaptures) {
  auto r = RunAnalysis(OnCapture("wannacry.pcap"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_GT(r->counters.packets, 4000u);
  EXPECT_FALSE(r->alerts.empty());
  ASSERT_FALSE(r->graph.patient_zero.empty());
  EXPECT_EQ(r->graph.patient_zero.front().ToString(), "192.168.116.149");
}

TEST(RunAnalysisTest, NeitherOrBothInputsIsAnError) {
  RunRequest none;
  EXPECT_EQ(RunAnalysis(none).error().code(), StatusCode::kInvalidArgument);
  RunRequest both = OnCapture("wannacry.pcap");
  both.open = [] { return OpenCaptureFiles({testing::Pcap("wannacry.pcap")}); };
  EXPECT_EQ(RunAnalysis(both).error().code(), StatusCode::kInvalidArgument);
}

TEST(RunAnalysisTest, NamedFilesThatAreMissingOrWrongAreErrors) {
  testutil::TempDir dir;
  RunRequest missing = OnCapture("wannacry.pcap");
  missing.baseline = dir.File("none.baseline");
  auto r = RunAnalysis(missing);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().ToString().find("none.baseline"), std::string::npos) << r.error().ToString();

  RunRequest no_intel = OnCapture("wannacry.pcap");
  no_intel.data_dir = dir.path();
  EXPECT_FALSE(RunAnalysis(no_intel));

  RunRequest no_capture;
  no_capture.captures = {dir.File("absent.pcap")};
  no_capture.data_dir = OTGUARD_SOURCE_DIR "/data";
  EXPECT_FALSE(RunAnalysis(no_capture));
}

TEST(RunAnalysisTest, AssetNamesReachTheGraph) {
  testutil::TempDir dir;
  std::string assets = dir.Write(
      "assets.json", R"({"hosts": [{"ip": "192.168.116.149", "name": "PZ", "role": "x"}]})");
  RunRequest req = OnCapture("wannacry.pcap");
  req.assets = assets;
  auto r = RunAnalysis(req);
  ASSERT_TRUE(r) << r.error().ToString();
  const GraphNode& pz = r->graph.nodes.at(r->graph.patient_zero.front());
  ASSERT_TRUE(pz.asset.has_value());
  EXPECT_EQ(pz.asset->name, "PZ");
}

}  // namespace
}  // namespace otguard::nba
