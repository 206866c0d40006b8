// The contract of otguard/platform/state_files.h, the same on every OS.
#include "otguard/platform/state_files.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace otguard::platform {
namespace {

using testutil::TempDir;

TEST(AppendOnlyFileTest, AppendsAfterWhatIsThereAndCountsTheSize) {
  TempDir dir;
  std::string path = dir.Write("log.jsonl", "one\n");
  auto file = AppendOnlyFile::Open(path);
  ASSERT_TRUE(file) << file.error().ToString();
  EXPECT_EQ(file->size(), 4u);
  ASSERT_TRUE(file->Append("two\n").ok());
  ASSERT_TRUE(file->Sync().ok());
  EXPECT_EQ(file->size(), 8u);
  EXPECT_EQ(testutil::ReadAll(path), "one\ntwo\n");
  auto created = AppendOnlyFile::Open(dir.File("new.jsonl"));
  ASSERT_TRUE(created);
  EXPECT_EQ(created->size(), 0u);
  EXPECT_FALSE(AppendOnlyFile::Open(dir.File("missing/x")));
}

TEST(DirectoryLockTest, OneHolderAtATimeReleasedOnDestruction) {
  TempDir dir;
  {
    auto first = DirectoryLock::Acquire(dir.File("agent.lock"));
    ASSERT_TRUE(first) << first.error().ToString();
    auto second = DirectoryLock::Acquire(dir.File("agent.lock"));
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_TRUE(DirectoryLock::Acquire(dir.File("agent.lock")));
}

}  // namespace
}  // namespace otguard::platform
