#include "otguard/scan/scanner.h"

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "otguard/scan/quarantine.h"
#include "scan/test_util.h"
#include "scan/yara_engine.h"

namespace otguard::scan {
namespace {

using testing::FakeDatabase;
using testing::TempDir;

class Collector : public ScanObserver {
 public:
  void OnDetection(const FileVerdict& v) override { detections[v.path] = v; }
  void OnProblem(const FileProblem& p) override { problems[p.path] = p.kind; }
  std::map<std::string, FileVerdict> detections;
  std::map<std::string, ProblemKind> problems;
};

class ScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = std::make_shared<FakeDatabase>();
    db->body = {{"Test.Body", "EVIL"}};
    engines_.databases.push_back(db);
    dir_.Mkdir("sub");
    dir_.Mkdir("logs");
    dir_.Write("sub/evil.exe", "xx EVIL xx");
    dir_.Write("clean.txt", "fine");
    dir_.Write("logs/evil.log", "EVIL in a log");
    for (int i = 0; i < 50; ++i) dir_.Write("sub/f" + std::to_string(i), "data");
  }
  ScanSummary Run(const std::vector<std::string>& roots, Collector* c) {
    auto s = Scan(roots, engines_, options_, c);
    EXPECT_TRUE(s.has_value());
    return s.value_or(ScanSummary{});
  }

  TempDir dir_;
  Engines engines_;
  ScanOptions options_;
};

TEST_F(ScanTest, FindsDetectionsAndCounts) {
  Collector c;
  ScanSummary s = Run({dir_.path()}, &c);
  EXPECT_EQ(s.files, 53u);
  EXPECT_EQ(s.infected_files, 2u);
  EXPECT_EQ(s.detections, 2u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(ExitCodeFor(s), 1);
  EXPECT_EQ(c.detections.count(dir_.path() + "/sub/evil.exe"), 1u);
  EXPECT_EQ(c.detections.count(dir_.path() + "/logs/evil.log"), 1u);
}

TEST_F(ScanTest, ManyThreadsFindTheSame) {
  options_.threads = 4;
  Collector c;
  ScanSummary s = Run({dir_.path()}, &c);
  EXPECT_EQ(s.files, 53u);
  EXPECT_EQ(s.infected_files, 2u);
  EXPECT_EQ(s.threads, 4u);
}

TEST_F(ScanTest, ExcludeGlobsSkipFilesAndDirectories) {
  options_.exclude = {"*/logs", "*.exe"};
  Collector c;
  ScanSummary s = Run({dir_.path()}, &c);
  EXPECT_EQ(s.infected_files, 0u);
  EXPECT_EQ(s.files, 51u);
  EXPECT_EQ(ExitCodeFor(s), 0);
}

TEST_F(ScanTest, MissingRootIsAnErrorButDetectionsDecideTheExitCode) {
  Collector c;
  ScanSummary s = Run({dir_.path() + "/nope", dir_.path() + "/clean.txt"}, &c);
  EXPECT_EQ(s.errors, 1u);
  EXPECT_EQ(c.problems[dir_.path() + "/nope"], ProblemKind::kNotFound);
  EXPECT_EQ(ExitCodeFor(s), 2);
  ScanSummary with_detection = Run({dir_.path() + "/nope", dir_.path() + "/sub/evil.exe"}, &c);
  EXPECT_EQ(ExitCodeFor(with_detection), 1);  // as clamscan: found wins over errors
}

TEST_F(ScanTest, LargeFilesAreSkippedNotErrors) {
  options_.max_filesize = 5;
  Collector c;
  ScanSummary s = Run({dir_.path()}, &c);
  EXPECT_EQ(s.skipped, 2u);  // evil.exe and evil.log; the 4-byte files are scanned
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(ExitCodeFor(s), 0);
}

TEST_F(ScanTest, QuarantineMovesDetectedFilesOnly) {
  TempDir store_dir;
  auto store = QuarantineStore::Open(store_dir.path() + "/q", true);
  ASSERT_TRUE(store.has_value());
  options_.quarantine = store->get();
  Collector c;
  ScanSummary s = Run({dir_.path()}, &c);
  EXPECT_EQ(s.infected_files, 2u);
  EXPECT_EQ(s.errors, 0u);
  std::string evil = dir_.path() + "/sub/evil.exe";
  ASSERT_TRUE(c.detections[evil].quarantine_id.has_value());
  EXPECT_FALSE(platform::PathExists(evil));
  EXPECT_TRUE(platform::PathExists(dir_.path() + "/clean.txt"));
  auto records = (*store)->List(nullptr);
  ASSERT_TRUE(records.has_value());
  EXPECT_EQ(records->size(), 2u);
}

TEST_F(ScanTest, WithoutQuarantineNothingIsModified) {
  std::string evil = dir_.path() + "/sub/evil.exe";
  auto before = platform::StatPath(evil, false);
  Collector c;
  Run({dir_.path()}, &c);
  auto after = platform::StatPath(evil, false);
  ASSERT_TRUE(before && after);
  EXPECT_EQ(before->mtime_ns, after->mtime_ns);
  EXPECT_EQ(before->atime_ns, after->atime_ns);  // not even the access time
  EXPECT_EQ(testing::ReadAll(evil), "xx EVIL xx");
}

}  // namespace
}  // namespace otguard::scan
