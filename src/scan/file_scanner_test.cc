#include "scan/file_scanner.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "otguard/platform/crypto.h"
#include "otguard/platform/process.h"
#include "scan/test_util.h"

namespace otguard::scan {
namespace {

using testing::FakeDatabase;
using testing::TempDir;

std::array<uint8_t, 32> Sha(const std::string& s) {
  return *platform::Sha256(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

std::shared_ptr<const YaraRules> Rules(const std::string& text) {
  std::vector<YaraSource> sources = {{"test.yar", text}};
  auto rules = YaraRules::CompileText(sources);
  EXPECT_TRUE(rules.has_value()) << rules.error().ToString();
  return rules.value_or(nullptr);
}

class FileScannerTest : public ::testing::Test {
 protected:
  const std::string kMalware = "header MALWARE-BODY trailer";
  void SetUp() override {
    db_ = std::make_shared<FakeDatabase>();
    db_->body = {{"Test.Body", "MALWARE-BODY"}};
    db_->sha256 = {{"Test.Hash", Sha(kMalware)}};
    engines_.databases.push_back(db_);
    engines_.yara = {Rules("rule Test_Yara { strings: $a = \"MALWARE\" condition: $a }")};
  }
  FileScanner Make() {
    auto s = FileScanner::Create(engines_, options_);
    EXPECT_TRUE(s.has_value());
    return std::move(*s);
  }
  std::vector<std::string> Names(const FileOutcome& o) {
    std::vector<std::string> names;
    for (const auto& d : o.verdict.detections) names.push_back(d.rule);
    return names;
  }

  TempDir dir_;
  std::shared_ptr<FakeDatabase> db_;
  Engines engines_;
  ScanOptions options_;
};

TEST_F(FileScannerTest, OneReadFeedsHashBodyAndYara) {
  options_.all_matches = true;
  std::string path = dir_.Write("m.bin", kMalware);
  FileOutcome o = Make().ScanFile(path, false);
  EXPECT_TRUE(o.scanned);
  EXPECT_TRUE(o.problems.empty());
  EXPECT_EQ(o.bytes, kMalware.size());
  EXPECT_THAT(Names(o), ::testing::ElementsAre("Test.Hash", "Test.Body", "Test_Yara"));
  EXPECT_EQ(o.verdict.detections[2].engine, Engine::kYara);
  EXPECT_EQ(o.verdict.detections[2].source, "test.yar");
}

// The values LOKI and THOR give a rule, taken from the file itself (docs/yara.md).
TEST_F(FileScannerTest, YaraRulesSeeTheFilesNamePlaceTypeAndOwner) {
  std::string user = platform::CurrentUserName();
  std::string dir = dir_.Mkdir("Temp");
  std::string rules_file = dir_.Write("ext.yar", R"(
rule Name { condition: filename == "Thumbs.DB" }
rule Place { condition: filepath == ")" + dir + R"(" }
rule Suffix { condition: extension == ".db" }
rule Type { condition: filetype == "EXE" }
rule Owner { condition: owner == ")" + user + R"(" }
)");
  std::vector<std::string> paths = {rules_file};
  auto rules = YaraRules::CompileFiles(paths, {}, nullptr);
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  engines_.databases.clear();
  engines_.yara = {*rules};
  options_.all_matches = true;
  FileOutcome o = Make().ScanFile(dir_.Write("Temp/Thumbs.DB", "MZ\x90"), false);
  EXPECT_THAT(Names(o), ::testing::ElementsAre("Name", "Place", "Suffix", "Type", "Owner"));
  FileOutcome other = Make().ScanFile(dir_.Write("notes", "text"), false);
  EXPECT_THAT(Names(other), ::testing::ElementsAre("Owner"));  // the same owner, nothing else
}

TEST_F(FileScannerTest, FirstMatchStopsAfterTheFirstEngineThatMatched) {
  std::string path = dir_.Write("m.bin", kMalware);
  FileOutcome o = Make().ScanFile(path, false);
  EXPECT_THAT(Names(o), ::testing::ElementsAre("Test.Hash"));
  EXPECT_EQ(db_->body_calls, 0);  // the body scan was not needed
}

TEST_F(FileScannerTest, ComputesOnlyTheDigestsTheDatabasesNeed) {
  std::string path = dir_.Write("clean.txt", "nothing here");
  FileOutcome o = Make().ScanFile(path, false);
  EXPECT_TRUE(o.verdict.detections.empty());
  EXPECT_TRUE(o.verdict.digests.sha256.has_value());
  EXPECT_FALSE(o.verdict.digests.md5.has_value());
  EXPECT_FALSE(o.verdict.digests.sha1.has_value());
}

TEST_F(FileScannerTest, AllowlistedFileHasNoDetections) {
  db_->allow_sha256 = {Sha(kMalware)};
  options_.all_matches = true;
  FileOutcome o = Make().ScanFile(dir_.Write("m.bin", kMalware), false);
  EXPECT_TRUE(o.scanned);
  EXPECT_TRUE(o.verdict.detections.empty());
}

TEST_F(FileScannerTest, EmptyFileIsScanned) {
  FileOutcome o = Make().ScanFile(dir_.Write("empty", ""), false);
  EXPECT_TRUE(o.scanned);
  EXPECT_TRUE(o.problems.empty());
  EXPECT_EQ(HexEncode(*o.verdict.digests.sha256),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(FileScannerTest, FileLargerThanTheLimitIsSkippedUnread) {
  options_.max_filesize = 10;
  FileOutcome o = Make().ScanFile(dir_.Write("m.bin", kMalware), false);
  EXPECT_FALSE(o.scanned);
  EXPECT_EQ(o.bytes, 0u);
  ASSERT_EQ(o.problems.size(), 1u);
  EXPECT_EQ(o.problems[0].kind, ProblemKind::kSkipped);
  EXPECT_FALSE(o.problems[0].IsError());
}

TEST_F(FileScannerTest, FileThatVanishedAfterTheWalkIsReported) {
  dir_.Write("gone.bin", kMalware);
  FileScanner scanner = Make();
  std::vector<FileOutcome> outcomes;
  platform::WalkCallbacks cb;
  cb.on_file = [&](const std::string& path, const platform::FileInfo&) {
    std::filesystem::remove(path);  // deleted between the walk seeing it and the scanner reading it
    outcomes.push_back(scanner.ScanFile(path, false));
    return true;
  };
  platform::Walk(std::vector<std::string>{dir_.path()}, {}, cb);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_FALSE(outcomes[0].scanned);
  ASSERT_EQ(outcomes[0].problems.size(), 1u);
  EXPECT_EQ(outcomes[0].problems[0].kind, ProblemKind::kNotFound);
  EXPECT_TRUE(outcomes[0].problems[0].IsError());
}

TEST_F(FileScannerTest, FileChangedWhileReadIsAWarningAndFindingsStand) {
  std::string path = dir_.Write("m.bin", kMalware);
  FileScanner scanner = Make();
  scanner.SetAfterReadHookForTesting(
      [](const std::string& p) { std::ofstream(p, std::ios::app) << "appended while scanning"; });
  FileOutcome o = scanner.ScanFile(path, false);
  EXPECT_TRUE(o.scanned);
  EXPECT_THAT(Names(o), ::testing::ElementsAre("Test.Hash"));  // the data as read
  ASSERT_EQ(o.problems.size(), 1u);
  EXPECT_EQ(o.problems[0].kind, ProblemKind::kChanged);
  EXPECT_FALSE(o.problems[0].IsError());
}

TEST_F(FileScannerTest, SymlinkThatReplacedTheFileIsNotFollowed) {
  std::string target = dir_.Write("target", kMalware);
  std::string link = dir_.path() + "/link";
  std::filesystem::create_symlink(target, link);
  FileOutcome o = Make().ScanFile(link, /*follow_symlink=*/false);
  EXPECT_FALSE(o.scanned);
  ASSERT_EQ(o.problems.size(), 1u);
  EXPECT_EQ(o.problems[0].kind, ProblemKind::kSkipped);
  // A root the user named is followed.
  EXPECT_TRUE(Make().ScanFile(link, /*follow_symlink=*/true).scanned);
}

TEST_F(FileScannerTest, BufferIsReusedAcrossFilesOfDifferentSizes) {
  FileScanner scanner = Make();
  std::string big(100000, 'a');
  EXPECT_TRUE(scanner.ScanFile(dir_.Write("big", big), false).verdict.detections.empty());
  // A smaller file after a bigger one must not see the bigger one's leftover bytes.
  FileOutcome o = scanner.ScanFile(dir_.Write("small", "MALWARE-BODY"), false);
  EXPECT_EQ(o.bytes, 12u);
  EXPECT_THAT(Names(o), ::testing::ElementsAre("Test.Body"));
  FileOutcome clean = scanner.ScanFile(dir_.Write("small2", "MALWARE"), false);
  EXPECT_THAT(Names(clean), ::testing::ElementsAre("Test_Yara"));
}

// Hash-only databases: the file is streamed through the digest in chunks, never held whole,
// and the digest is the same as over the whole file.
TEST_F(FileScannerTest, HashOnlyScanStreamsBigFilesInChunks) {
  db_->body.clear();
  engines_.yara.clear();
  std::string big(3 * FileScanner::kReadChunk + 12345, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  db_->sha256 = {{"Test.BigHash", Sha(big)}};
  FileScanner scanner = Make();
  EXPECT_TRUE(scanner.streams());
  FileOutcome o = scanner.ScanFile(dir_.Write("big.bin", big), false);
  EXPECT_TRUE(o.scanned);
  EXPECT_TRUE(o.problems.empty());
  EXPECT_EQ(o.bytes, big.size());
  EXPECT_THAT(Names(o), ::testing::ElementsAre("Test.BigHash"));
  EXPECT_LE(scanner.buffer_capacity(), FileScanner::kReadChunk);
}

TEST_F(FileScannerTest, BodyOrYaraNeedTheWholeFile) {
  EXPECT_FALSE(Make().streams());
  db_->body.clear();
  EXPECT_FALSE(Make().streams());  // YARA still needs it
  engines_.yara.clear();
  db_->body = {{"Test.Body", "MALWARE-BODY"}};
  EXPECT_FALSE(Make().streams());
}

TEST_F(FileScannerTest, StreamedFileThatGrewIsHashedAsItWasWhenOpened) {
  db_->body.clear();
  engines_.yara.clear();
  std::string path = dir_.Write("m.bin", kMalware);
  FileScanner scanner = Make();
  scanner.SetAfterReadHookForTesting(
      [](const std::string& p) { std::ofstream(p, std::ios::app) << "appended while scanning"; });
  FileOutcome o = scanner.ScanFile(path, false);
  EXPECT_THAT(Names(o), ::testing::ElementsAre("Test.Hash"));
  ASSERT_EQ(o.problems.size(), 1u);
  EXPECT_EQ(o.problems[0].kind, ProblemKind::kChanged);
}

// Body matching sees a file bigger than the retained buffer whole (a signature at its very
// end is found); such a file is mapped, so no buffer of its size stays behind.
TEST_F(FileScannerTest, HugeFileIsSeenWholeAndLeavesNoBufferBehind) {
  engines_.yara.clear();
  options_.all_matches = true;
  std::string huge(FileScanner::kRetainLimit + 100, 'x');
  huge.replace(huge.size() - 12, 12, "MALWARE-BODY");
  FileScanner scanner = Make();
  FileOutcome o = scanner.ScanFile(dir_.Write("huge.bin", huge), false);
  EXPECT_THAT(Names(o), ::testing::ElementsAre("Test.Body"));
  EXPECT_EQ(scanner.buffer_capacity(), 0u);
  FileOutcome small = scanner.ScanFile(dir_.Write("small.bin", "x MALWARE-BODY"), false);
  EXPECT_THAT(Names(small), ::testing::ElementsAre("Test.Body"));
  EXPECT_GT(scanner.buffer_capacity(), 0u);  // a small file's buffer is kept for the next
}

// A mapped file cut short by another program while it is scanned: no crash (SIGBUS), what
// was found in the part that remained stands, and the file is reported as changed.
TEST_F(FileScannerTest, MappedFileTruncatedDuringTheScanIsAWarning) {
  engines_.yara.clear();
  options_.all_matches = true;
  std::string big(4 * FileScanner::kMapMin, 'x');
  big.replace(0, 12, "MALWARE-BODY");
  std::string path = dir_.Write("shrinks.bin", big);
  FileScanner scanner = Make();
  scanner.SetAfterReadHookForTesting(
      [](const std::string& p) { std::filesystem::resize_file(p, 100); });
  FileOutcome o = scanner.ScanFile(path, false);
  EXPECT_TRUE(o.scanned);
  EXPECT_THAT(Names(o), ::testing::ElementsAre("Test.Body"));
  ASSERT_EQ(o.problems.size(), 1u);
  EXPECT_EQ(o.problems[0].kind, ProblemKind::kChanged);
}

// A CPU budget is checked while a big file is read, not only between files.
TEST_F(FileScannerTest, CpuBudgetIsCheckedForEveryChunkRead) {
  int sleeps = 0;
  double cpu = 0;
  // Every clock read finds the process one CPU second further over a 1 % budget.
  CpuThrottle::Clock clock{[&] { return cpu += 1; }, [] { return 0.0; }, [&](double) { ++sleeps; }};
  CpuThrottle throttle(1, 1, clock);
  auto scanner = FileScanner::Create(engines_, options_, &throttle);
  ASSERT_TRUE(scanner.has_value());
  std::string big(4 * FileScanner::kReadChunk, 'a');
  EXPECT_TRUE(scanner->ScanFile(dir_.Write("big.bin", big), false).scanned);
  EXPECT_GE(sleeps, 4);
}

}  // namespace
}  // namespace otguard::scan
