#include <unistd.h>

#include <numeric>
#include <string>

#include <gtest/gtest.h>

#include "otguard/platform/files.h"
#include "testing/temp_dir.h"

namespace otguard::platform {
namespace {

using testutil::TempDir;

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

TEST(FileViewTest, MapsTheFileBytes) {
  TempDir dir;
  std::string content = Pattern(3 * 4096 + 17);
  auto file = ReadOnlyFile::Open(dir.Write("f", content));
  ASSERT_TRUE(file.has_value());
  auto view = FileView::Map(*file, content.size());
  ASSERT_TRUE(view.has_value()) << view.error().ToString();
  std::string seen(reinterpret_cast<const char*>(view->bytes().data()), view->bytes().size());
  EXPECT_EQ(seen, content);
  EXPECT_FALSE(view->truncated());
}

// The file shrinks while a scan reads it: the process must not die of SIGBUS; the lost pages
// read as zeros and the view says it was truncated.
TEST(FileViewTest, SurvivesTruncationWhileMapped) {
  TempDir dir;
  const size_t size = 64 * 4096;
  std::string path = dir.Write("shrinks", Pattern(size));
  auto file = ReadOnlyFile::Open(path);
  ASSERT_TRUE(file.has_value());
  auto view = FileView::Map(*file, size);
  ASSERT_TRUE(view.has_value()) << view.error().ToString();
  ASSERT_EQ(truncate(path.c_str(), 4096), 0);
  auto bytes = view->bytes();
  uint64_t sum_tail = std::accumulate(bytes.begin() + 8 * 4096, bytes.end(), uint64_t{0});
  EXPECT_EQ(sum_tail, 0u);
  EXPECT_EQ(bytes[0], 'a');  // the part still in the file is intact
  EXPECT_TRUE(view->truncated());
}

TEST(FileViewTest, OneViewPerThreadAndEmptyFiles) {
  TempDir dir;
  auto a = ReadOnlyFile::Open(dir.Write("a", Pattern(100)));
  auto empty = ReadOnlyFile::Open(dir.Write("empty", ""));
  ASSERT_TRUE(a && empty);
  auto first = FileView::Map(*a, 100);
  ASSERT_TRUE(first.has_value());
  auto second = FileView::Map(*a, 100);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), StatusCode::kFailedPrecondition);
  auto none = FileView::Map(*empty, 0);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->bytes().empty());
}

TEST(FileViewTest, AThreadMayMapAgainAfterTheViewIsGone) {
  TempDir dir;
  auto a = ReadOnlyFile::Open(dir.Write("a", Pattern(5000)));
  ASSERT_TRUE(a.has_value());
  {
    auto v = FileView::Map(*a, 5000);
    ASSERT_TRUE(v.has_value());
  }
  auto again = FileView::Map(*a, 5000);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->bytes()[4999], 'a' + 4999 % 26);
}

}  // namespace
}  // namespace otguard::platform
