#include "otguard/host/host_root.h"

#include <fstream>

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace otguard::host {
namespace {

using testutil::TempDir;

TEST(HostRootTest, EmptyIsTheLiveHost) {
  auto root = HostRoot::Open("");
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE(root->live());
  EXPECT_EQ(root->config().root, "");
}

TEST(HostRootTest, ADirectoryIsAbsoluteWithoutTrailingSeparators) {
  TempDir dir;
  auto root = HostRoot::Open(dir.path() + "//");
  ASSERT_TRUE(root.has_value()) << root.error().ToString();
  EXPECT_FALSE(root->live());
  EXPECT_EQ(root->path(), dir.path());
  EXPECT_EQ(root->config().root, dir.path());
}

// One error for every command: inventory, hunt and audit print these.
TEST(HostRootTest, AMissingRootOrAFileIsAnErrorNamingTheOption) {
  TempDir dir;
  auto missing = HostRoot::Open(dir.path() + "/no-such-tree");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.error().message(), "--root " + dir.path() + "/no-such-tree: no such directory");
  std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  auto not_dir = HostRoot::Open(file);
  ASSERT_FALSE(not_dir.has_value());
  EXPECT_EQ(not_dir.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(not_dir.error().message(), "--root " + file + ": not a directory");
}

}  // namespace
}  // namespace otguard::host
