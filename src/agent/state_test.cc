#include "otguard/agent/state.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"

namespace otguard::agent {
namespace {

namespace fs = std::filesystem;

EventTime At(const char* text) { return *EventTime::ParseRfc3339(text); }

TEST(StateDirTest, KeepsItsIdentityAndCountsStarts) {
  testutil::TempDir dir;
  std::string id;
  {
    auto state = StateDir::Open(dir.File("state"));
    ASSERT_TRUE(state) << state.error().ToString();
    id = state->state().agent_id;
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(state->state().starts, 1u);
    state->state().counters["alerts"] = 3;
    state->state().last_run["inventory"] = 123;
    ASSERT_TRUE(state->Save().ok());
    EXPECT_TRUE(fs::is_directory(state->HistoryDir()));
    EXPECT_TRUE(fs::is_directory(state->SpoolDir()));
  }
  auto again = StateDir::Open(dir.File("state"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->state().agent_id, id);
  EXPECT_EQ(again->state().starts, 2u);
  EXPECT_EQ(again->state().counters.at("alerts"), 3u);
  EXPECT_EQ(again->state().last_run.at("inventory"), 123);
}

TEST(StateDirTest, TwoAgentsCannotShareOneStateDirectory) {
  testutil::TempDir dir;
  auto first = StateDir::Open(dir.path());
  ASSERT_TRUE(first);
  auto second = StateDir::Open(dir.path());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.error().message().find("another otguard agent"), std::string::npos);
}

TEST(StateDirTest, CorruptStateFileIsKeptAsideNotFatal) {
  testutil::TempDir dir;
  dir.Write("agent.json", "{\"agent_id\": 5");
  auto state = StateDir::Open(dir.path());
  ASSERT_TRUE(state) << state.error().ToString();
  EXPECT_TRUE(state->state_was_corrupt());
  EXPECT_EQ(testutil::ReadAll(dir.File("agent.json.corrupt")), "{\"agent_id\": 5");
  EXPECT_EQ(state->state().agent_id.size(), 32u);
}

TEST(StateDirTest, ParseAgentStateNamesTheField) {
  auto bad = ParseAgentState(R"({"agent_id": "x", "counters": {"alerts": -1}})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("counters.alerts"), std::string::npos);
}

TEST(HistoryLogTest, WritesOneFilePerUtcDay) {
  testutil::TempDir dir;
  auto history = HistoryLog::Open(dir.path(), {});
  ASSERT_TRUE(history);
  history->Append(At("2026-12-04T23:59:59Z"), R"({"a":1})");
  history->Append(At("2026-12-05T00:00:01Z"), R"({"a":2})");
  ASSERT_TRUE(history->Flush(true).ok());
  EXPECT_EQ(testutil::ReadAll(dir.File("2026-12-04.jsonl")), "{\"a\":1}\n");
  EXPECT_EQ(testutil::ReadAll(dir.File("2026-12-05.jsonl")), "{\"a\":2}\n");
  EXPECT_EQ(history->stats().written, 2u);
}

TEST(HistoryLogTest, ARestartAppendsAfterATornLineWithoutGluingToIt) {
  testutil::TempDir dir;
  dir.Write("2026-12-05.jsonl", "{\"a\":1}\n{\"a\":");  // a crash mid-line
  auto history = HistoryLog::Open(dir.path(), {});
  ASSERT_TRUE(history);
  history->Append(At("2026-12-05T10:00:00Z"), R"({"a":3})");
  ASSERT_TRUE(history->Flush(false).ok());
  EXPECT_EQ(testutil::ReadAll(dir.File("2026-12-05.jsonl")), "{\"a\":1}\n{\"a\":\n{\"a\":3}\n");
}

TEST(HistoryLogTest, OldDaysGoByAgeAndBySizeNeverToday) {
  testutil::TempDir dir;
  dir.Write("2026-11-01.jsonl", std::string(100, 'x') + "\n");
  dir.Write("2026-12-01.jsonl", std::string(100, 'y') + "\n");
  dir.Write("2026-12-04.jsonl", std::string(100, 'z') + "\n");
  dir.Write("notes.txt", "not a day file");
  auto history = HistoryLog::Open(dir.path(), {.max_bytes = 250, .keep_days = 10});
  ASSERT_TRUE(history);
  ASSERT_TRUE(history->Prune(At("2026-12-05T12:00:00Z")).ok());
  EXPECT_FALSE(fs::exists(dir.File("2026-11-01.jsonl")));  // older than 10 days
  EXPECT_TRUE(fs::exists(dir.File("2026-12-01.jsonl")));
  // Today's lines push the oldest remaining day out (size bound).
  history->Append(At("2026-12-05T12:00:00Z"), std::string(60, 'n'));
  ASSERT_TRUE(history->Flush(false).ok());
  EXPECT_FALSE(fs::exists(dir.File("2026-12-01.jsonl")));
  EXPECT_TRUE(fs::exists(dir.File("2026-12-04.jsonl")));
  EXPECT_TRUE(fs::exists(dir.File("notes.txt")));
  // Today alone over the bound: further lines are counted, not written.
  for (int i = 0; i < 10; ++i) history->Append(At("2026-12-05T12:00:01Z"), std::string(60, 'm'));
  ASSERT_TRUE(history->Flush(false).ok());
  EXPECT_GT(history->stats().dropped, 0u);
  EXPECT_LE(fs::file_size(dir.File("2026-12-05.jsonl")), 250u);
  EXPECT_EQ(history->stats().days_removed, 3u);
}

}  // namespace
}  // namespace otguard::agent
