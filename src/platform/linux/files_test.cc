#include "otguard/platform/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "otguard/platform/process.h"
#include "platform/testing/walk_log.h"
#include "testing/temp_dir.h"

namespace otguard::platform {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

using testutil::TempDir;

using test_support::RunWalk;
using test_support::WalkLog;

TEST(WalkTest, FindsFilesRecursivelyAndReportsMissingRoot) {
  TempDir dir;
  dir.Mkdir("a");
  dir.Mkdir("a/b");
  dir.Write("a/b/deep.bin", "x");
  dir.Write("top.txt", "");
  WalkLog log = RunWalk({dir.path(), dir.path() + "/missing"});
  EXPECT_THAT(log.files, ElementsAre(dir.path() + "/a/b/deep.bin", dir.path() + "/top.txt"));
  EXPECT_EQ(log.issues.at(dir.path() + "/missing"), WalkIssueKind::kNotFound);
}

TEST(WalkTest, DoesNotFollowSymlinksByDefault) {
  TempDir dir;
  dir.Mkdir("real");
  dir.Write("real/f", "x");
  symlink((dir.path() + "/real").c_str(), (dir.path() + "/link").c_str());
  WalkLog log = RunWalk({dir.path()});
  EXPECT_THAT(log.files, ElementsAre(dir.path() + "/real/f"));
  EXPECT_EQ(log.issues.at(dir.path() + "/link"), WalkIssueKind::kSymlinkSkipped);
}

TEST(WalkTest, DetectsSymlinkLoopWhenFollowing) {
  TempDir dir;
  dir.Mkdir("a");
  dir.Write("a/f", "x");
  symlink("..", (dir.path() + "/a/up").c_str());    // a/up -> the root: a loop
  symlink("self", (dir.path() + "/self").c_str());  // a link to itself: ELOOP
  WalkOptions options;
  options.follow_symlinks = true;
  WalkLog log = RunWalk({dir.path()}, options);
  EXPECT_THAT(log.files, ElementsAre(dir.path() + "/a/f"));
  EXPECT_EQ(log.issues.at(dir.path() + "/a/up"), WalkIssueKind::kSymlinkLoop);
  EXPECT_TRUE(log.issues.count(dir.path() + "/self"));
}

TEST(WalkTest, ReportsFifoWithoutOpeningIt) {
  TempDir dir;
  std::string fifo = dir.path() + "/pipe";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  dir.Write("f", "x");
  WalkLog log = RunWalk({dir.path()});  // would hang here if the FIFO were opened
  EXPECT_THAT(log.files, ElementsAre(dir.path() + "/f"));
  EXPECT_EQ(log.issues.at(fifo), WalkIssueKind::kSpecialFile);
}

TEST(WalkTest, ReportsEntryThatVanishesDuringTheWalk) {
  TempDir dir;
  dir.Mkdir("d1");
  dir.Mkdir("d2");
  dir.Write("d1/f", "x");
  dir.Write("d2/f", "x");
  // Whichever directory is entered first removes the other's file: the listing of the
  // second then has it only if it was already read, so remove the whole second directory.
  WalkLog log;
  bool removed = false;
  WalkCallbacks cb;
  cb.on_file = [&](const std::string& path, const FileInfo&) {
    log.files.push_back(path);
    if (!removed) {
      removed = true;
      std::string other = path.find("/d1/") != std::string::npos ? "d2" : "d1";
      std::system(("rm -rf '" + dir.path() + "/" + other + "'").c_str());
    }
    return true;
  };
  cb.on_issue = [&](const WalkIssue& issue) { log.issues[issue.path] = issue.kind; };
  Walk(std::vector<std::string>{dir.path()}, {}, cb);
  EXPECT_EQ(log.files.size(), 1u);
  ASSERT_EQ(log.issues.size(), 1u);
  EXPECT_EQ(log.issues.begin()->second, WalkIssueKind::kNotFound);
}

TEST(WalkTest, StopsWhenAsked) {
  TempDir dir;
  for (int i = 0; i < 5; ++i) dir.Write("f" + std::to_string(i), "x");
  int seen = 0;
  WalkCallbacks cb;
  cb.on_file = [&](const std::string&, const FileInfo&) { return ++seen < 2; };
  Walk(std::vector<std::string>{dir.path()}, {}, cb);
  EXPECT_EQ(seen, 2);
}

TEST(WalkTest, EnterDirectoryCanPrune) {
  TempDir dir;
  dir.Mkdir("skip");
  dir.Write("skip/f", "x");
  dir.Write("keep", "x");
  WalkLog log;
  WalkCallbacks cb;
  cb.on_file = [&](const std::string& path, const FileInfo&) {
    log.files.push_back(path);
    return true;
  };
  cb.enter_directory = [&](const std::string& path) { return path != dir.path() + "/skip"; };
  Walk(std::vector<std::string>{dir.path()}, {}, cb);
  EXPECT_THAT(log.files, ElementsAre(dir.path() + "/keep"));
}

// Root may read anything, so the unreadable directory is walked by an unprivileged child.
TEST(WalkTest, ReportsUnreadableDirectoryAndGoesOn) {
  TempDir dir;
  std::string locked = dir.Mkdir("locked");
  dir.Write("locked/secret", "x");
  dir.Write("open", "x");
  chmod(locked.c_str(), 0);
  bool privileged = access(locked.c_str(), R_OK) == 0;
  pid_t pid = privileged ? fork() : 0;
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (privileged && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(10);
    WalkLog log = RunWalk({dir.path()});
    bool ok = log.files == std::vector<std::string>{dir.path() + "/open"} &&
              log.issues.count(locked) && log.issues[locked] == WalkIssueKind::kPermissionDenied;
    if (!privileged) {
      EXPECT_TRUE(ok);
      return;
    }
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: could not drop privileges; 1: wrong walk result";
}

TEST(ReadOnlyFileTest, ReadsWithoutChangingTheFile) {
  TempDir dir;
  std::string path = dir.Write("f", "hello world");
  struct timespec old_times[2] = {{1000, 0}, {2000, 0}};
  utimensat(AT_FDCWD, path.c_str(), old_times, 0);
  auto file = ReadOnlyFile::Open(path);
  ASSERT_TRUE(file.has_value()) << file.error().ToString();
  std::vector<uint8_t> buf(64);
  auto n = file->ReadFull(6, buf);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + *n), "world");
  auto info = file->Stat();
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->size, 11u);
  EXPECT_EQ(info->type, FileType::kRegular);
  EXPECT_EQ(info->atime_ns, 1000LL * 1000000000);  // O_NOATIME: reading left atime alone
  EXPECT_EQ(info->mtime_ns, 2000LL * 1000000000);
}

TEST(ReadOnlyFileTest, RefusesSymlinkUnlessFollowing) {
  TempDir dir;
  std::string target = dir.Write("f", "x");
  std::string link = dir.path() + "/link";
  symlink(target.c_str(), link.c_str());
  EXPECT_EQ(ReadOnlyFile::Open(link).error().code(), StatusCode::kInvalidArgument);
  ReadOnlyFile::Options follow;
  follow.follow_symlinks = true;
  EXPECT_TRUE(ReadOnlyFile::Open(link, follow).has_value());
  EXPECT_EQ(ReadOnlyFile::Open(dir.path() + "/none").error().code(), StatusCode::kNotFound);
}

TEST(NewFileTest, CommitsWithModeAndNeverOverwrites) {
  TempDir dir;
  std::string path = dir.path() + "/new";
  {
    auto f = NewFile::Create(path);
    ASSERT_TRUE(f.has_value());
    std::string data = "abc";
    ASSERT_TRUE(f->Append(std::span(reinterpret_cast<const uint8_t*>(data.data()), 3)).ok());
    ASSERT_TRUE(f->Commit(0400).ok());
  }
  auto info = StatPath(path, false);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->mode, 0400u);
  EXPECT_EQ(info->size, 3u);
  EXPECT_EQ(NewFile::Create(path).error().code(), StatusCode::kAlreadyExists);
}

TEST(NewFileTest, DroppedWithoutCommitLeavesNothing) {
  TempDir dir;
  std::string path = dir.path() + "/partial";
  { auto f = NewFile::Create(path); }
  EXPECT_FALSE(PathExists(path));
}

TEST(PathTest, JoinDirNameAbsoluteGlob) {
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a/", "b"), "/a/b");
  EXPECT_EQ(DirName("/a/b"), "/a");
  EXPECT_EQ(DirName("/a"), "/");
  EXPECT_EQ(DirName("a"), ".");
  EXPECT_EQ(AbsolutePath("/a/./b/../c"), "/a/c");
  EXPECT_TRUE(GlobMatch("*.log", "/var/x/y.log"));
  EXPECT_TRUE(GlobMatch("/proc/*", "/proc/1/maps"));
  EXPECT_FALSE(GlobMatch("*.log", "/var/x/y.txt"));
}

TEST(PathTest, BaseNameIsTheLastComponent) {
  EXPECT_EQ(BaseName("/usr/bin/ls"), "ls");
  EXPECT_EQ(BaseName("dir/sub/"), "sub");
  EXPECT_EQ(BaseName("plain"), "plain");
  EXPECT_EQ(BaseName("/"), "/");
  EXPECT_EQ(BaseName("a\\b"), "a\\b");  // a backslash is part of a Linux file name
}

TEST(FileOwnerTest, NamesTheUserOrShowsTheNumber) {
  FileInfo mine;
  mine.uid = getuid();
  auto name = FileOwnerName("/unused", mine);
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(*name, CurrentUserName());
  FileInfo root;
  root.uid = 0;
  EXPECT_EQ(FileOwnerName("/", root).value(), "root");
  FileInfo nobody_has_it;
  nobody_has_it.uid = 3999999;
  EXPECT_EQ(FileOwnerName("/", nobody_has_it).value(), "3999999");
}

}  // namespace
}  // namespace otguard::platform
