#include "otguard/scan/quarantine.h"

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scan/test_util.h"

namespace otguard::scan {
namespace {

using testing::ReadAll;
using testing::TempDir;

class QuarantineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = QuarantineStore::Open(dir_.path() + "/store", /*create=*/true);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
    for (int i = 0; i < 3000; ++i) content_ += static_cast<char>(i * 7 % 256);
    content_ += "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR";
  }
  // A file with an unusual mode and old, distinct times.
  std::string MakeVictim(const std::string& name) {
    std::string path = dir_.Write(name, content_);
    std::filesystem::permissions(path, static_cast<std::filesystem::perms>(0751));
    EXPECT_TRUE(platform::SetTimes(path, 1111111111'123456789, 1222222222'987654321).ok());
    return path;
  }
  Result<QuarantineRecord> Add(const std::string& path) {
    auto info = platform::StatPath(path, false);
    EXPECT_TRUE(info.has_value());
    return store_->Add(path, *info, {"Eicar-Test-Signature"});
  }

  TempDir dir_;
  std::unique_ptr<QuarantineStore> store_;
  std::string content_;
};

TEST_F(QuarantineTest, RoundTripIsByteIdenticalWithModeAndTimes) {
  std::string path = MakeVictim("victim.exe");
  auto record = Add(path);
  ASSERT_TRUE(record.has_value()) << record.error().ToString();
  EXPECT_FALSE(platform::PathExists(path));
  EXPECT_EQ(record->size, content_.size());
  EXPECT_EQ(record->rules, std::vector<std::string>{"Eicar-Test-Signature"});
  // One clock reading names the entry and dates it: "20240501T120000Z-..." at 2024-05-01T12:00:00.
  std::string at = record->quarantined_at.Rfc3339();
  EXPECT_EQ(record->id.substr(0, 16), at.substr(0, 4) + at.substr(5, 2) + at.substr(8, 2) + "T" +
                                          at.substr(11, 2) + at.substr(14, 2) + at.substr(17, 2) +
                                          "Z")
      << record->id << " " << at;
  EXPECT_EQ(store_->Get(record->id)->quarantined_at.Rfc3339(), at);  // as stored in metadata.json

  auto restored = store_->Restore(record->id, std::nullopt);
  ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
  auto info = platform::StatPath(path, false);  // before reading it moves the access time
  EXPECT_EQ(ReadAll(path), content_);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->mode, 0751u);
  EXPECT_EQ(info->atime_ns, 1111111111123456789LL);
  EXPECT_EQ(info->mtime_ns, 1222222222987654321LL);
  // Restored means gone from the store.
  auto list = store_->List(nullptr);
  ASSERT_TRUE(list.has_value());
  EXPECT_TRUE(list->empty());
}

TEST_F(QuarantineTest, StoredContentCannotRunAndIsObfuscated) {
  std::string path = MakeVictim("victim.exe");
  auto record = Add(path);
  ASSERT_TRUE(record.has_value());
  std::string entry = store_->dir() + "/" + record->id;
  auto content = platform::StatPath(entry + "/content", false);
  ASSERT_TRUE(content.has_value());
  EXPECT_EQ(content->mode, 0400u);
  EXPECT_EQ(platform::StatPath(store_->dir(), false)->mode, 0700u);
  std::string stored = ReadAll(entry + "/content");
  ASSERT_EQ(stored.size(), content_.size());
  EXPECT_EQ(stored.find("EICAR"), std::string::npos);
  EXPECT_EQ(static_cast<uint8_t>(stored[0]), static_cast<uint8_t>(content_[0]) ^ 0xA5);
  std::string meta = ReadAll(entry + "/metadata.json");
  EXPECT_THAT(meta, ::testing::HasSubstr(path));
  EXPECT_THAT(meta, ::testing::HasSubstr(record->sha256));
}

TEST_F(QuarantineTest, RestoreNeverOverwrites) {
  std::string path = MakeVictim("victim.exe");
  auto record = Add(path);
  ASSERT_TRUE(record.has_value());
  dir_.Write("victim.exe", "a new file in its place");
  auto restored = store_->Restore(record->id, std::nullopt);
  ASSERT_FALSE(restored.has_value());
  EXPECT_EQ(restored.error().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ReadAll(path), "a new file in its place");
  // --to puts it elsewhere.
  std::string other = dir_.path() + "/restored.bin";
  ASSERT_TRUE(store_->Restore(record->id, other).has_value());
  EXPECT_EQ(ReadAll(other), content_);
}

TEST_F(QuarantineTest, FileChangedSinceTheScanIsNotQuarantined) {
  std::string path = MakeVictim("victim.exe");
  auto scanned = platform::StatPath(path, false);
  ASSERT_TRUE(scanned.has_value());
  dir_.Write("victim.exe", "rewritten by the plant software");
  auto record = store_->Add(path, *scanned, {"X"});
  ASSERT_FALSE(record.has_value());
  EXPECT_EQ(record.error().code(), StatusCode::kAborted);
  EXPECT_EQ(ReadAll(path), "rewritten by the plant software");
  EXPECT_TRUE(store_->List(nullptr)->empty());
}

TEST_F(QuarantineTest, CorruptStoreIsRefusedOnRestore) {
  std::string path = MakeVictim("victim.exe");
  auto record = Add(path);
  ASSERT_TRUE(record.has_value());
  std::string content = store_->dir() + "/" + record->id + "/content";
  std::filesystem::permissions(content, static_cast<std::filesystem::perms>(0600));
  dir_.Write("store/" + record->id + "/content", "tampered");
  auto restored = store_->Restore(record->id, std::nullopt);
  ASSERT_FALSE(restored.has_value());
  EXPECT_EQ(restored.error().code(), StatusCode::kCorrupt);
  EXPECT_FALSE(platform::PathExists(path));  // nothing half-restored
}

TEST_F(QuarantineTest, BadIdsAreRejected) {
  EXPECT_EQ(store_->Restore("../../etc", std::nullopt).error().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Restore("no-such-id", std::nullopt).error().code(), StatusCode::kNotFound);
}

TEST(QuarantineRecordJsonTest, RoundTripAndGarbage) {
  QuarantineRecord r;
  r.id = "20240101T000000Z-abc";
  r.original_path = "/x/y";
  r.size = 5;
  r.mode = 0644;
  r.sha256 = "00ff";
  r.rules = {"A", "B"};
  r.quarantined_at = EventTime::FromNanos(1704067200123000000LL);
  std::string json = QuarantineRecordToJson(r);
  EXPECT_NE(json.find("\"quarantined_at\": \"2024-01-01T00:00:00.123Z\""), std::string::npos)
      << json;
  auto back = QuarantineRecordFromJson(json);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->original_path, "/x/y");
  EXPECT_EQ(back->rules, r.rules);
  EXPECT_EQ(back->quarantined_at, r.quarantined_at);
  std::string bad_time = json;
  bad_time.replace(bad_time.find("2024-01-01T"), 4, "yyyy");
  EXPECT_EQ(QuarantineRecordFromJson(bad_time).error().code(), StatusCode::kCorrupt);
  EXPECT_EQ(QuarantineRecordFromJson("{").error().code(), StatusCode::kCorrupt);
  EXPECT_EQ(QuarantineRecordFromJson("{\"id\": 3}").error().code(), StatusCode::kCorrupt);
}

TEST(QuarantineRecordJsonTest, EntryRecordIsInTheEnvelope) {
  QuarantineRecord r;
  r.id = "20240101T000000Z-abc";
  r.original_path = "/x/y";
  r.size = 5;
  r.sha256 = std::string(64, 'a');
  r.rules = {"Eicar-Test-Signature"};
  r.host = "hmi-01";
  r.quarantined_at = EventTime::FromNanos(1704067200000000000LL);
  nlohmann::json e = QuarantineEntryRecord(r, EventTime::FromNanos(0));
  EXPECT_EQ(e["@timestamp"], "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(e["event"]["kind"], "state");
  EXPECT_EQ(e["event"]["dataset"], "otguard.scan.quarantine");
  EXPECT_EQ(e["host"]["name"], "hmi-01");
  EXPECT_EQ(e["otguard"]["schema_version"], kEventSchemaVersion);
  EXPECT_EQ(e["file"]["path"], "/x/y");
  EXPECT_EQ(e["file"]["hash"]["sha256"], r.sha256);
  EXPECT_FALSE(e["file"]["hash"].contains("md5"));  // not recorded: left out, not ""
  EXPECT_EQ(e["otguard"]["quarantine"]["id"], r.id);
  EXPECT_EQ(e["otguard"]["quarantine"]["rules"][0], "Eicar-Test-Signature");
}

}  // namespace
}  // namespace otguard::scan
