// The history directory: files read oldest first, a bad or torn line costs only itself, and a
// line that never ends costs bounded memory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "otguard/host/allowlist.h"
#include "testing/temp_dir.h"

namespace otguard::host {
namespace {

std::string Line(const std::string& executable, const std::string& time) {
  ProcessObservation p;
  p.time = *EventTime::ParseRfc3339(time);
  p.pid = 100;
  p.executable = executable;
  return ObservationToJson(p);
}

void Write(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

struct Read {
  Status status;
  std::vector<std::string> executables;
  HistoryReadReport report;
};

Read ReadAll(const std::string& dir) {
  Read r;
  r.status = ForEachObservation(
      dir,
      [&r](const Observation& o) {
        r.executables.push_back(std::get<ProcessObservation>(o).executable);
      },
      &r.report);
  return r;
}

TEST(HistoryFiles, OldestFirstWithContinuationsAndOtherNamesIgnored) {
  testutil::TempDir dir;
  Write(dir.path() + "/2026-12-05.jsonl.10", Line("/d", "2026-12-05T23:00:00Z") + "\n");
  Write(dir.path() + "/2026-12-05.jsonl.2", Line("/c", "2026-12-05T12:00:00Z") + "\n");
  Write(dir.path() + "/2026-12-05.jsonl", Line("/b", "2026-12-05T01:00:00Z") + "\n");
  Write(dir.path() + "/2026-12-04.jsonl",
        Line("/a1", "2026-12-04T01:00:00Z") + "\n" + Line("/a2", "2026-12-04T02:00:00Z") + "\n");
  Write(dir.path() + "/2026-12-06.jsonl.tmp", Line("/tmp", "2026-12-06T00:00:00Z") + "\n");
  Write(dir.path() + "/.2026-12-06.jsonl", Line("/hidden", "2026-12-06T00:00:00Z") + "\n");
  Write(dir.path() + "/2026-12-06.jsonl.01", Line("/zero", "2026-12-06T00:00:00Z") + "\n");
  Write(dir.path() + "/notes.txt", "not history\n");
  Read r = ReadAll(dir.path());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.executables, (std::vector<std::string>{"/a1", "/a2", "/b", "/c", "/d"}));
  EXPECT_EQ(r.report.files, 4u);
  EXPECT_EQ(r.report.lines, 5u);
  EXPECT_EQ(r.report.bad_lines, 0u);
  EXPECT_TRUE(r.report.problems.empty());
}

TEST(HistoryFiles, BadLinesAreCountedWithFileAndLineAndTheRestIsRead) {
  testutil::TempDir dir;
  std::string file = dir.path() + "/2026-12-05.jsonl";
  Write(file, Line("/a", "2026-12-05T01:00:00Z") + "\r\n" +  // CRLF: still good
                  "{\"type\":\"process\"}\n" +               // line 2: a field missing
                  "\n   \n" +                                // blank lines: nothing
                  "garbage\n" +                              // line 5
                  Line("/b", "2026-12-05T02:00:00Z") + "\n");
  Read r = ReadAll(dir.path());
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.executables, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(r.report.lines, 4u);
  EXPECT_EQ(r.report.bad_lines, 2u);
  EXPECT_EQ(r.report.torn_lines, 0u);
  ASSERT_EQ(r.report.problems.size(), 2u);
  // The file as the OS spells its path (a backslash before the name on Windows).
  std::string named = std::filesystem::path(file).make_preferred().string();
  EXPECT_EQ(r.report.problems[0], named + ":2: field 'time': missing");
  EXPECT_TRUE(r.report.problems[1].starts_with(named + ":5: not JSON")) << r.report.problems[1];
}

TEST(HistoryFiles, ATornLastLineIsCountedAsSuchAndNotFatal) {
  testutil::TempDir dir;
  std::string good = Line("/a", "2026-12-05T01:00:00Z");
  Write(dir.path() + "/2026-12-05.jsonl", good + "\n" + good.substr(0, good.size() / 2));
  Write(dir.path() + "/2026-12-06.jsonl", Line("/b", "2026-12-06T01:00:00Z"));  // complete
  Read r = ReadAll(dir.path());
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.executables, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(r.report.bad_lines, 1u);
  EXPECT_EQ(r.report.torn_lines, 1u);
  ASSERT_EQ(r.report.problems.size(), 1u);
  EXPECT_NE(r.report.problems[0].find(".jsonl:2: torn last line"), std::string::npos)
      << r.report.problems[0];
}

TEST(HistoryFiles, AnEndlessLineIsOneBadLineNotAnAllocation) {
  testutil::TempDir dir;
  {
    std::ofstream out(dir.path() + "/2026-12-05.jsonl", std::ios::binary);
    out << Line("/a", "2026-12-05T01:00:00Z") << "\n";
    std::string block(1 << 20, 'x');
    for (int i = 0; i < 8; ++i) out << block;  // 8 MiB without a newline
    out << "\n" << Line("/b", "2026-12-05T02:00:00Z") << "\n";
  }
  Read r = ReadAll(dir.path());
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.executables, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(r.report.bad_lines, 1u);
  ASSERT_EQ(r.report.problems.size(), 1u);
  EXPECT_NE(r.report.problems[0].find(":2: line longer than 64 KiB"), std::string::npos);
}

TEST(HistoryFiles, OnlyTheFirstTwentyProblemsAreKeptButAllAreCounted) {
  testutil::TempDir dir;
  std::string text;
  for (int i = 0; i < 50; ++i) text += "bad\n";
  Write(dir.path() + "/2026-12-05.jsonl", text);
  Read r = ReadAll(dir.path());
  EXPECT_EQ(r.report.bad_lines, 50u);
  EXPECT_EQ(r.report.problems.size(), 20u);
}

TEST(HistoryFiles, AMissingDirectoryIsNotFoundAndANullReportIsFine) {
  testutil::TempDir dir;
  Status s = ForEachObservation(
      dir.path() + "/none", [](const Observation&) {}, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  Write(dir.path() + "/2026-12-05.jsonl", "bad\n");
  EXPECT_TRUE(ForEachObservation(
                  dir.path(), [](const Observation&) {}, nullptr)
                  .ok());
}

TEST(HistoryFiles, ADirectoryNamedLikeAFileIsSkippedWithAProblem) {
  testutil::TempDir dir;
  std::filesystem::create_directory(dir.path() + "/2026-12-04.jsonl");
  Write(dir.path() + "/2026-12-05.jsonl", Line("/a", "2026-12-05T01:00:00Z") + "\n");
  Read r = ReadAll(dir.path());
  EXPECT_EQ(r.executables, (std::vector<std::string>{"/a"}));
  ASSERT_EQ(r.report.problems.size(), 1u);
  EXPECT_NE(r.report.problems[0].find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace otguard::host
