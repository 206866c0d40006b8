#include "otguard/agent/spool.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"

namespace otguard::agent {
namespace {

namespace fs = std::filesystem;

nlohmann::json Record(int n) {
  return {{"event", {{"kind", "event"}, {"dataset", "test"}}}, {"n", n}};
}

std::vector<nlohmann::json> Batch(int from, int count) {
  std::vector<nlohmann::json> out;
  for (int i = 0; i < count; ++i) out.push_back(Record(from + i));
  return out;
}

SpoolOptions Options(uint64_t max_bytes = 1 << 20, uint64_t segment_bytes = 0) {
  return {.max_bytes = max_bytes,
          .segment_bytes = segment_bytes,
          .agent_id = "a1b2",
          .host_name = "station-7"};
}

std::vector<int> Numbers(const std::vector<SpooledEvent>& events) {
  std::vector<int> out;
  for (const SpooledEvent& e : events) {
    auto record = nlohmann::json::parse(e.line, nullptr, false);
    out.push_back(record.contains("n") ? record["n"].get<int>() : -1);
  }
  return out;
}

std::vector<fs::path> Segments(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".jsonl") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SpoolTest, StampsIdsReadsInOrderAndKeepsSequencesAcrossRestarts) {
  testutil::TempDir dir;
  {
    auto spool = Spool::Open(dir.path(), Options());
    ASSERT_TRUE(spool) << spool.error().ToString();
    ASSERT_TRUE(spool->Append(Batch(0, 3)).ok());
    auto events = spool->Read(0, 100);
    ASSERT_TRUE(events);
    ASSERT_EQ(events->size(), 3u);
    EXPECT_EQ((*events)[0].sequence, 1u);
    auto first = nlohmann::json::parse((*events)[0].line);
    EXPECT_EQ(first["event"]["id"], "a1b2-1");
    EXPECT_EQ(first["event"]["sequence"], 1);
    EXPECT_EQ(Numbers(*spool->Read(1, 1)), std::vector<int>{1});
  }
  auto again = Spool::Open(dir.path(), Options());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->stats().next_sequence, 4u);
  ASSERT_TRUE(again->Append(Batch(3, 2)).ok());
  auto events = again->Read(0, 100);
  ASSERT_TRUE(events);
  EXPECT_EQ(Numbers(*events), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(events->back().sequence, 5u);
}

TEST(SpoolTest, AckIsPersistedAndRemovesDeliveredSegments) {
  testutil::TempDir dir;
  {
    auto spool = Spool::Open(dir.path(), Options(1 << 20, 200));
    ASSERT_TRUE(spool);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(spool->Append(Batch(i * 2, 2)).ok());
    size_t before = Segments(dir.path()).size();
    EXPECT_GT(before, 3u);
    ASSERT_TRUE(spool->Ack(12).ok());
    EXPECT_LT(Segments(dir.path()).size(), before);
    EXPECT_FALSE(spool->Ack(21).ok());  // never handed out
  }
  auto again = Spool::Open(dir.path(), Options(1 << 20, 200));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->stats().acked, 12u);
  auto events = again->Read(again->stats().acked, 100);
  ASSERT_TRUE(events);
  EXPECT_EQ(Numbers(*events), (std::vector<int>{12, 13, 14, 15, 16, 17, 18, 19}));
  // Everything acknowledged, then a restart: sequences still go on (ids never reused).
  ASSERT_TRUE(again->Ack(20).ok());
  ASSERT_TRUE(again->Append(Batch(100, 1)).ok());
  EXPECT_EQ(again->Read(20, 10)->front().sequence, 21u);
}

TEST(SpoolTest, OverflowDropsOldestAndSaysHowManyWereLost) {
  testutil::TempDir dir;
  auto spool = Spool::Open(dir.path(), Options(4096, 1024));
  ASSERT_TRUE(spool);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(spool->Append(Batch(i, 1)).ok());
  EXPECT_GT(spool->stats().lost_events, 0u);
  EXPECT_LE(spool->stats().bytes, 4096u + 1024u);
  auto events = spool->Read(0, 1000);
  ASSERT_TRUE(events);
  // Kept + lost = all, and the overflow records say how many.
  uint64_t said_lost = 0, kept = 0;
  for (const SpooledEvent& e : *events) {
    auto record = nlohmann::json::parse(e.line);
    if (record["event"]["dataset"] == "otguard.agent.spool_overflow") {
      said_lost += record["otguard"]["spool"]["lost_events"].get<uint64_t>();
      EXPECT_EQ(record["host"]["name"], "station-7");
    } else {
      ++kept;
    }
  }
  // What is kept is the newest, without a gap; what is gone is counted (the running total
  // also counts overflow records that later overflows dropped).
  EXPECT_GT(said_lost, 0u);
  std::vector<int> numbers;
  for (int n : Numbers(*events)) {
    if (n >= 0) numbers.push_back(n);
  }
  ASSERT_FALSE(numbers.empty());
  for (size_t i = 1; i < numbers.size(); ++i) EXPECT_EQ(numbers[i], numbers[i - 1] + 1);
  EXPECT_EQ(kept, numbers.size());
  EXPECT_GE(spool->stats().lost_events, static_cast<uint64_t>(numbers.front()));
  EXPECT_EQ(Numbers(*events).back(), 199);
}

TEST(SpoolTest, AcknowledgedRecordsDroppedForSpaceAreNotCountedLost) {
  testutil::TempDir dir;
  auto spool = Spool::Open(dir.path(), Options(4096, 1024));
  ASSERT_TRUE(spool);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(spool->Append(Batch(i, 1)).ok());
    ASSERT_TRUE(spool->Ack(spool->stats().next_sequence - 1).ok());
  }
  EXPECT_EQ(spool->stats().lost_events, 0u);
}

TEST(SpoolTest, TornLineAfterACrashIsSkippedAndNothingElseIsLost) {
  testutil::TempDir dir;
  {
    auto spool = Spool::Open(dir.path(), Options());
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->Append(Batch(0, 5)).ok());
  }
  // The crash: the last record's write was cut in the middle.
  fs::path segment = Segments(dir.path()).back();
  std::string text = testutil::ReadAll(segment.string());
  size_t last_line = text.rfind('\n', text.size() - 2);
  fs::resize_file(segment, last_line + 1 + 17);
  {
    auto spool = Spool::Open(dir.path(), Options());
    ASSERT_TRUE(spool) << spool.error().ToString();
    EXPECT_EQ(spool->stats().torn_lines, 1u);
    ASSERT_TRUE(spool->Append(Batch(5, 2)).ok());
    EXPECT_EQ(Numbers(*spool->Read(0, 100)), (std::vector<int>{0, 1, 2, 3, 5, 6}));
  }
  // A line of garbage in the middle (a disk error) costs that line only.
  std::ofstream(segment, std::ios::app) << "{not json\n";
  auto spool = Spool::Open(dir.path(), Options());
  ASSERT_TRUE(spool);
  EXPECT_EQ(Numbers(*spool->Read(0, 100)), (std::vector<int>{0, 1, 2, 3, 5, 6}));
  EXPECT_EQ(spool->stats().torn_lines, 1u);  // the torn line plus garbage sit in one segment
}

TEST(SpoolTest, CorruptCursorMeansResendNotLoss) {
  testutil::TempDir dir;
  {
    auto spool = Spool::Open(dir.path(), Options());
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->Append(Batch(0, 3)).ok());
    ASSERT_TRUE(spool->Ack(2).ok());
  }
  dir.Write("cursor", "garbage");
  auto spool = Spool::Open(dir.path(), Options());
  ASSERT_TRUE(spool);
  EXPECT_TRUE(spool->stats().cursor_reset);
  EXPECT_EQ(spool->stats().acked, 0u);
  EXPECT_EQ(spool->Read(0, 10)->size(), 3u);
}

}  // namespace
}  // namespace otguard::agent
