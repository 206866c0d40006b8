// Tests of the Windows file layer, run under Wine. They check what a user of the scanner
// relies on: we never block or change the files we read, we read what others hold only as far
// as they share it (and fail at once otherwise), and names and long paths survive.
#include <windows.h>

#include <winioctl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "otguard/platform/files.h"
#include "platform/testing/walk_log.h"
#include "platform/windows/paths.h"
#include "platform/windows/win_util.h"
#include "testing/temp_dir.h"

namespace otguard::platform {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using testutil::TempDir;
using win::Utf8ToWide;

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Creates `path` (UTF-8) holding `data` through our own API.
void Write(const std::string& path, std::string_view data) {
  ASSERT_TRUE(WriteNewFile(path, Bytes(data), 0644).ok()) << path;
}

DWORD Attributes(const std::string& path) {
  return GetFileAttributesW((L"\\\\?\\" + Utf8ToWide(AbsolutePath(path))).c_str());
}

using test_support::RunWalk;
using test_support::WalkLog;

// ---- Paths ----

TEST(PathTest, JoinPathUsesBackslashWithoutDoubling) {
  EXPECT_EQ(JoinPath("C:\\a", "b"), "C:\\a\\b");
  EXPECT_EQ(JoinPath("C:\\a\\", "b"), "C:\\a\\b");
  EXPECT_EQ(JoinPath("C:/a/", "b"), "C:/a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
}

TEST(PathTest, DirNameKnowsBothSeparatorsAndRoots) {
  EXPECT_EQ(DirName("C:\\a\\b"), "C:\\a");
  EXPECT_EQ(DirName("C:/a/b/"), "C:/a");
  EXPECT_EQ(DirName("C:\\a\\\\b"), "C:\\a");
  EXPECT_EQ(DirName("C:\\a"), "C:\\");
  EXPECT_EQ(DirName("C:\\"), "C:\\");
  EXPECT_EQ(DirName("a"), ".");
  EXPECT_EQ(DirName("a/b"), "a");
  EXPECT_EQ(DirName("\\a"), "\\");
  EXPECT_EQ(DirName("\\\\srv\\share\\x"), "\\\\srv\\share\\");
  EXPECT_EQ(DirName("\\\\?\\C:\\x"), "\\\\?\\C:\\");
  EXPECT_EQ(DirName("\\\\?\\UNC\\srv\\share\\x\\y"), "\\\\?\\UNC\\srv\\share\\x");
}

TEST(PathTest, AbsolutePathIsNormalisedAndHasNoPrefix) {
  EXPECT_EQ(AbsolutePath("C:/a/./b/../c/"), "C:\\a\\c");
  EXPECT_EQ(AbsolutePath("C:\\.."), "C:\\");
  EXPECT_EQ(AbsolutePath("\\\\?\\C:\\x"), "C:\\x");
  EXPECT_EQ(AbsolutePath("\\\\?\\UNC\\srv\\share\\x"), "\\\\srv\\share\\x");
  EXPECT_EQ(AbsolutePath("//srv/share/a/../b"), "\\\\srv\\share\\b");
  // Names are kept as they are: a trailing dot is part of a name malware may use.
  EXPECT_EQ(AbsolutePath("C:\\dir\\evil.exe."), "C:\\dir\\evil.exe.");
  wchar_t cwd[4096];
  DWORD n = GetCurrentDirectoryW(4096, cwd);
  ASSERT_GT(n, 0u);
  std::string base = win::WideToUtf8(std::wstring_view(cwd, n));
  if (base.back() != '\\') base += '\\';
  EXPECT_EQ(AbsolutePath("x\\y"), base + "x\\y");
  EXPECT_EQ(AbsolutePath("."), base.size() > 3 ? base.substr(0, base.size() - 1) : base);
}

TEST(GlobMatchTest, IgnoresCaseAndTreatsSeparatorsAlike) {
  EXPECT_TRUE(GlobMatch("*.LOG", "C:\\data\\trend.log"));
  EXPECT_TRUE(GlobMatch("C:/Data/*", "c:\\data\\sub\\x.bin"));  // '*' crosses separators
  EXPECT_TRUE(
      GlobMatch("*\\pr\xC3\xbc"
                "f*",
                "D:\\PR\xC3\x9C"
                "FSTAND\\a"));  // ü vs Ü
  EXPECT_TRUE(GlobMatch("file?.[ab]", "FILE1.B"));
  EXPECT_TRUE(GlobMatch("x[!0-9]", "xa"));
  EXPECT_TRUE(GlobMatch("?.txt", "\xF0\x9F\x94\xA5.txt"));  // '?' is one character, not half
  EXPECT_FALSE(GlobMatch("x[!0-9]", "x5"));
  EXPECT_FALSE(GlobMatch("*.log", "C:\\data\\trend.log.bak"));
  EXPECT_FALSE(GlobMatch("C:\\data\\*.exe", "C:\\other\\a.exe"));
}

// ---- ReadOnlyFile and StatPath ----

TEST(ReadOnlyFileTest, ReadsAtOffsetsAndTellsWhatItIs) {
  TempDir dir;
  std::string path = dir.File("data.bin");
  Write(path, "0123456789");
  ASSERT_TRUE(SetTimes(path, 1'000'000'000'000'000'000LL, 1'100'000'000'000'000'000LL).ok());
  auto file = ReadOnlyFile::Open(path);
  ASSERT_TRUE(file) << file.error().ToString();
  uint8_t buf[4];
  auto n = file->ReadAt(6, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), *n), "6789");
  n = file->ReadAt(8, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(*file->ReadAt(10, buf), 0u);        // at the end
  EXPECT_EQ(*file->ReadAt(1u << 31, buf), 0u);  // far past it
  auto info = file->Stat();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->type, FileType::kRegular);
  EXPECT_EQ(info->size, 10u);
  EXPECT_EQ(info->mtime_ns, 1'100'000'000'000'000'000LL);
  EXPECT_NE(info->inode, 0u);
  // Same file, same identity; another file, another.
  auto again = StatPath(path, false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->device, info->device);
  EXPECT_EQ(again->inode, info->inode);
  Write(dir.File("other"), "x");
  EXPECT_NE(StatPath(dir.File("other"), false)->inode, info->inode);
}

TEST(ReadOnlyFileTest, MissingFileIsNotFoundAndDirectoryStatsAsDirectory) {
  TempDir dir;
  auto missing = ReadOnlyFile::Open(dir.File("nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  auto info = StatPath(dir.path(), true);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->type, FileType::kDirectory);
  EXPECT_EQ(StatPath(dir.File("nope"), false).error().code(), StatusCode::kNotFound);
}

// A process started from the test child program, ended (and waited for) on destruction.
class ChildProcess {
 public:
  explicit ChildProcess(const std::wstring& arguments) {
    std::wstring exe = Utf8ToWide(AbsolutePath(OTGUARD_TEST_CHILD));
    std::wstring command = L"\"" + exe + L"\" " + arguments;
    STARTUPINFOW si{};
    si.cb = sizeof(si);
    PROCESS_INFORMATION pi{};
    if (CreateProcessW(exe.c_str(), command.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr,
                       &si, &pi)) {
      CloseHandle(pi.hThread);
      process_ = pi.hProcess;
    }
  }
  ~ChildProcess() {
    if (process_ == nullptr) return;
    ::TerminateProcess(process_, 1);
    WaitForSingleObject(process_, 10000);
    CloseHandle(process_);
  }
  bool started() const { return process_ != nullptr; }
  bool running() const { return WaitForSingleObject(process_, 0) == WAIT_TIMEOUT; }

 private:
  HANDLE process_ = nullptr;
};

// Polls for `path` to exist while `child` runs; false after the deadline.
bool WaitForFile(const std::string& path, const ChildProcess& child) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (PathExists(path)) return true;
    if (!child.running()) return false;
    Sleep(20);  // a poll interval, not a synchronisation
  }
  return false;
}

TEST(ReadOnlyFileTest, FileHeldExclusivelyByAnotherProgramFailsAtOnceAsInUse) {
  TempDir dir;
  std::string held = dir.File("held.db");
  std::string ready = dir.File("ready");
  ChildProcess child(L"hold \"" + Utf8ToWide(AbsolutePath(held)) + L"\" \"" +
                     Utf8ToWide(AbsolutePath(ready)) + L"\" 60");
  ASSERT_TRUE(child.started());
  ASSERT_TRUE(WaitForFile(ready, child)) << "the child did not take the file";
  auto start = std::chrono::steady_clock::now();
  auto file = ReadOnlyFile::Open(held);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(file.error().message()), HasSubstr("in use"));
  EXPECT_LT(took, std::chrono::seconds(2));
  // Its attributes are still there to see (the walk lists it).
  auto info = StatPath(held, false);
  ASSERT_TRUE(info) << info.error().ToString();
  EXPECT_EQ(info->type, FileType::kRegular);
}

TEST(ReadOnlyFileTest, OthersCanWriteRenameAndDeleteWhileWeRead) {
  TempDir dir;
  std::string path = dir.File("trend.log");
  Write(path, "before");
  auto file = ReadOnlyFile::Open(path);
  ASSERT_TRUE(file) << file.error().ToString();
  std::wstring wide = L"\\\\?\\" + Utf8ToWide(AbsolutePath(path));
  // A logger that shares reading only (no write sharing) must still get write access: our
  // FILE_WRITE_ATTRIBUTES takes no part in share checks and we share writing.
  HANDLE writer = CreateFileW(wide.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, nullptr,
                              OPEN_EXISTING, 0, nullptr);
  ASSERT_NE(writer, INVALID_HANDLE_VALUE) << GetLastError();
  DWORD written = 0;
  ASSERT_TRUE(WriteFile(writer, "AFTER!", 6, &written, nullptr));
  CloseHandle(writer);
  writer = CreateFileW(wide.c_str(), GENERIC_WRITE,
                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                       OPEN_EXISTING, 0, nullptr);
  ASSERT_NE(writer, INVALID_HANDLE_VALUE) << GetLastError();
  uint8_t buf[6];
  ASSERT_EQ(*file->ReadFull(0, buf), 6u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 6), "AFTER!");  // we see their write
  // Rotation: rename, then delete, while both handles are open.
  std::wstring rotated = wide + L".1";
  EXPECT_TRUE(MoveFileExW(wide.c_str(), rotated.c_str(), 0)) << GetLastError();
  EXPECT_TRUE(DeleteFileW(rotated.c_str())) << GetLastError();
  CloseHandle(writer);
  EXPECT_EQ(*file->ReadFull(0, buf), 6u);  // our handle still reads the (deleted) file
}

bool RunningUnderWine() {
  return win::LoadSystemFunctionAddress(L"ntdll.dll", "wine_get_version") != nullptr;
}

TEST(ReadOnlyFileTest, ReadingLeavesTheAccessTimeAlone) {
  TempDir dir;
  std::string path = dir.File("recipe.xml");
  Write(path, "<recipe/>");
  // An access time far in the past, older than the modification time: XP's NTFS, and Linux
  // "relatime" under Wine, would update it on a read.
  const int64_t atime = 1'000'000'000'000'000'000LL;  // 2001
  const int64_t mtime = 1'200'000'000'000'000'000LL;  // 2008
  ASSERT_TRUE(SetTimes(path, atime, mtime).ok());
  auto file = ReadOnlyFile::Open(path);
  ASSERT_TRUE(file);
  // Opening (with FILE_WRITE_ATTRIBUTES and SetFileTime's "stop updating" value) must not
  // set a time itself.
  EXPECT_EQ(StatPath(path, false)->atime_ns, atime);
  EXPECT_EQ(StatPath(path, false)->mtime_ns, mtime);
  uint8_t buf[64];
  EXPECT_EQ(*file->ReadFull(0, buf), 9u);
  file = ReadOnlyFile::Open(dir.File("recipe.xml"));  // closes the first handle
  if (RunningUnderWine()) {
    // Wine reads through the Linux kernel, which updates the access time (relatime) whatever
    // the handle asked: Wine 8 does not implement SetFileTime's "stop updating" value.
    GTEST_SKIP() << "Wine cannot keep the access time through a read (Windows can)";
  }
  auto info = StatPath(path, false);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->atime_ns, atime);
  EXPECT_EQ(info->mtime_ns, mtime);
}

// ---- Walk ----

TEST(WalkTest, WalksNestedAndEmptyDirectoriesAndReportsMissingRoot) {
  TempDir dir;
  ASSERT_TRUE(MakeDirectories(dir.File("a/b"), 0755).ok());
  ASSERT_TRUE(MakeDirectories(dir.File("empty"), 0755).ok());
  Write(dir.File("a/b/deep.bin"), "x");
  Write(dir.File("top.txt"), "");
  std::string root = dir.path();
  WalkLog log = RunWalk({root, JoinPath(root, "missing"), JoinPath(root, "top.txt")});
  EXPECT_THAT(log.files,
              ElementsAre(root + "\\a\\b\\deep.bin", root + "\\top.txt", root + "\\top.txt"));
  ASSERT_EQ(log.issues.size(), 1u);
  EXPECT_EQ(log.issues.at(root + "\\missing"), WalkIssueKind::kNotFound);
}

TEST(WalkTest, DescribesFilesFromTheListing) {
  TempDir dir;
  Write(dir.File("f"), "12345");
  ASSERT_TRUE(
      SetTimes(dir.File("f"), 1'000'000'000'000'000'000LL, 1'100'000'000'000'000'000LL).ok());
  ASSERT_TRUE(SetMode(dir.File("f"), 0444).ok());
  FileInfo seen;
  WalkCallbacks cb;
  cb.on_file = [&](const std::string&, const FileInfo& info) {
    seen = info;
    return true;
  };
  Walk(std::vector<std::string>{dir.path()}, {}, cb);
  EXPECT_EQ(seen.type, FileType::kRegular);
  EXPECT_EQ(seen.size, 5u);
  EXPECT_EQ(seen.mtime_ns, 1'100'000'000'000'000'000LL);
  EXPECT_EQ(seen.mode, 0444u);
  EXPECT_EQ(seen.device, StatPath(dir.File("f"), false)->device);
}

TEST(WalkTest, UnicodeNamesRoundTrip) {
  TempDir dir;
  // Made with the wide API directly, so the test does not trust our UTF-8 conversion.
  const std::wstring base = L"\\\\?\\" + Utf8ToWide(AbsolutePath(dir.path())) + L"\\";
  ASSERT_TRUE(CreateDirectoryW((base + L"Pr\u00fcfstand").c_str(), nullptr));
  for (const wchar_t* name : {L"Pr\u00fcfstand\\\u62a5\u8b66.txt", L"\U0001F525.bin"}) {
    HANDLE h =
        CreateFileW((base + name).c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, 0, nullptr);
    ASSERT_NE(h, INVALID_HANDLE_VALUE);
    DWORD written = 0;
    WriteFile(h, "ok", 2, &written, nullptr);
    CloseHandle(h);
  }
  WalkLog log = RunWalk({dir.path()});
  const std::string alarm = dir.path() +
                            "\\Pr\xC3\xBC"
                            "fstand\\\xE6\x8A\xA5\xE8\xAD\xA6.txt";
  const std::string fire = dir.path() + "\\\xF0\x9F\x94\xA5.bin";
  EXPECT_THAT(log.files, UnorderedElementsAre(alarm, fire));
  EXPECT_TRUE(log.issues.empty());
  for (const std::string& path : log.files) EXPECT_EQ(*ReadFileToString(path, 10), "ok");
  auto names = ListDirectory(dir.path());
  ASSERT_TRUE(names);
  EXPECT_THAT(*names, UnorderedElementsAre("Pr\xC3\xBC"
                                           "fstand",
                                           "\xF0\x9F\x94\xA5.bin"));
}

TEST(WalkTest, PathsLongerThanMaxPathWork) {
  TempDir dir;
  std::string deep = dir.path();
  const std::string part(60, 'd');
  for (int i = 0; i < 5; ++i) deep = JoinPath(deep, part + std::to_string(i));
  ASSERT_GT(deep.size(), 300u);
  ASSERT_TRUE(MakeDirectories(deep, 0755).ok());
  std::string file = JoinPath(deep, "long-" + std::string(40, 'f') + ".bin");
  Write(file, "deep");
  EXPECT_EQ(*ReadFileToString(file, 10), "deep");
  EXPECT_EQ(StatPath(file, false)->size, 4u);
  EXPECT_THAT(RunWalk({dir.path()}).files, ElementsAre(file));
  // Relative too: made absolute before the prefix is added.
  std::string relative_root = "otguard-rel-" + std::to_string(GetCurrentProcessId());
  std::string relative = JoinPath(relative_root, std::string(250, 'r'));
  ASSERT_TRUE(MakeDirectories(JoinPath(relative, std::string(50, 's')), 0755).ok());
  EXPECT_TRUE(PathExists(AbsolutePath(JoinPath(relative, std::string(50, 's')))));
  EXPECT_TRUE(RemoveEmptyDirectory(JoinPath(relative, std::string(50, 's'))).ok());
  EXPECT_TRUE(RemoveEmptyDirectory(relative).ok());
  EXPECT_TRUE(RemoveEmptyDirectory(relative_root).ok());
  EXPECT_TRUE(RemoveFile(file).ok());
  EXPECT_FALSE(PathExists(file));
}

TEST(WalkTest, StopsWhenAskedAndPrunesWhenAsked) {
  TempDir dir;
  ASSERT_TRUE(MakeDirectories(dir.File("skip"), 0755).ok());
  Write(dir.File("skip/f"), "x");
  for (int i = 0; i < 5; ++i) Write(dir.File("f" + std::to_string(i)), "x");
  int seen = 0;
  WalkCallbacks cb;
  cb.on_file = [&](const std::string& path, const FileInfo&) {
    EXPECT_EQ(path.find("skip"), std::string::npos);
    return ++seen < 3;
  };
  cb.enter_directory = [&](const std::string& path) { return path.find("skip") == path.npos; };
  Walk(std::vector<std::string>{dir.path(), dir.path()}, {}, cb);
  EXPECT_EQ(seen, 3);  // the second root is not walked either
}

TEST(WalkTest, DeviceIsReportedWithoutBeingOpened) {
  // A pipe with a single instance: had the walk opened it, the instance would be taken.
  std::wstring name = L"\\\\.\\pipe\\otguard-files-test-" + std::to_wstring(GetCurrentProcessId());
  HANDLE server =
      CreateNamedPipeW(name.c_str(), PIPE_ACCESS_INBOUND, PIPE_TYPE_BYTE, 1, 0, 0, 0, nullptr);
  ASSERT_NE(server, INVALID_HANDLE_VALUE);
  std::string utf8 = win::WideToUtf8(name);
  WalkLog log = RunWalk({utf8});
  EXPECT_TRUE(log.files.empty());
  EXPECT_EQ(log.issues.at(utf8), WalkIssueKind::kSpecialFile);
  EXPECT_EQ(ReadOnlyFile::Open(utf8).error().code(), StatusCode::kInvalidArgument);
  HANDLE client = CreateFileW(name.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
  EXPECT_NE(client, INVALID_HANDLE_VALUE) << "the pipe's only instance was taken";
  if (client != INVALID_HANDLE_VALUE) CloseHandle(client);
  CloseHandle(server);
}

// A directory junction at `link` to `target` (FSCTL_SET_REPARSE_POINT, XP and later, no
// privilege needed). False where the file system refuses.
bool MakeJunction(const std::string& link, const std::string& target) {
  if (!MakeDirectories(link, 0755).ok()) return false;
  std::wstring substitute = L"\\??\\" + Utf8ToWide(AbsolutePath(target));
  std::wstring print = Utf8ToWide(AbsolutePath(target));
  // REPARSE_DATA_BUFFER (ntifs.h) for IO_REPARSE_TAG_MOUNT_POINT, laid out by hand.
  std::vector<uint8_t> buffer(8 + 8 + (substitute.size() + print.size() + 2) * 2);
  auto put16 = [&](size_t at, size_t v) {
    buffer[at] = static_cast<uint8_t>(v);
    buffer[at + 1] = static_cast<uint8_t>(v >> 8);
  };
  DWORD tag = IO_REPARSE_TAG_MOUNT_POINT;
  std::memcpy(buffer.data(), &tag, 4);
  put16(4, buffer.size() - 8);             // ReparseDataLength
  put16(8, 0);                             // SubstituteNameOffset
  put16(10, substitute.size() * 2);        // SubstituteNameLength
  put16(12, (substitute.size() + 1) * 2);  // PrintNameOffset
  put16(14, print.size() * 2);             // PrintNameLength
  std::memcpy(&buffer[16], substitute.c_str(), (substitute.size() + 1) * 2);
  std::memcpy(&buffer[16 + (substitute.size() + 1) * 2], print.c_str(), (print.size() + 1) * 2);
  std::wstring wide = L"\\\\?\\" + Utf8ToWide(AbsolutePath(link));
  HANDLE h = CreateFileW(wide.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                         FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (h == INVALID_HANDLE_VALUE) return false;
  DWORD returned = 0;
  BOOL ok = DeviceIoControl(h, FSCTL_SET_REPARSE_POINT, buffer.data(),
                            static_cast<DWORD>(buffer.size()), nullptr, 0, &returned, nullptr);
  CloseHandle(h);
  if (!ok) (void)RemoveEmptyDirectory(link);
  return ok && (Attributes(link) & FILE_ATTRIBUTE_REPARSE_POINT);
}

// CreateSymbolicLinkW is Vista+ (looked up: the XP build must load) and needs a privilege.
// Wine 8's is a stub that reports success and creates nothing, hence the check.
using CreateSymbolicLinkFn = BOOLEAN(WINAPI*)(LPCWSTR, LPCWSTR, DWORD);

CreateSymbolicLinkFn CreateSymbolicLinkFunction() {
  static const auto create =
      win::LoadSystemFunction<CreateSymbolicLinkFn>(L"kernel32.dll", "CreateSymbolicLinkW");
  return create;
}

bool HasCreateSymbolicLink() { return CreateSymbolicLinkFunction() != nullptr; }  // Vista+

bool MakeSymlink(const std::string& link, const std::string& target) {
  const auto create = CreateSymbolicLinkFunction();
  if (create == nullptr) return false;
  std::wstring l = L"\\\\?\\" + Utf8ToWide(AbsolutePath(link));
  std::wstring t = L"\\\\?\\" + Utf8ToWide(AbsolutePath(target));
  return create(l.c_str(), t.c_str(), 0) && PathExists(link);
}

TEST(WalkTest, JunctionsAreSkippedOrFollowedWithLoopsDetected) {
  TempDir dir;
  ASSERT_TRUE(MakeDirectories(dir.File("real"), 0755).ok());
  Write(dir.File("real/f"), "x");
  std::string root = dir.path();
  std::string up = root + "\\real\\up";
  if (!MakeJunction(up, root)) {
    DWORD error = GetLastError();
    // NTFS makes junctions without any privilege, on every Windows since 2000: only Wine is
    // a reason not to test them.
    if (RunningUnderWine()) {
      GTEST_SKIP() << "no junction could be made (error " << error
                   << "); Wine 8 answers FSCTL_SET_REPARSE_POINT with ERROR_NOT_SUPPORTED";
    }
    FAIL() << "no junction could be made (error " << error << ")";
  }
  std::string f = root + "\\real\\f";
  WalkLog plain = RunWalk({root});
  EXPECT_THAT(plain.files, ElementsAre(f));
  EXPECT_EQ(plain.issues.at(up), WalkIssueKind::kSymlinkSkipped);
  EXPECT_EQ(StatPath(up, false)->type, FileType::kSymlink);
  EXPECT_EQ(StatPath(up, true)->type, FileType::kDirectory);

  WalkOptions options;
  options.follow_symlinks = true;
  WalkLog followed = RunWalk({root}, options);
  EXPECT_THAT(followed.files, ElementsAre(f));
  EXPECT_EQ(followed.issues.at(up), WalkIssueKind::kSymlinkLoop);
  EXPECT_TRUE(RemoveEmptyDirectory(up).ok());  // removes the junction, not what it points to
  EXPECT_TRUE(PathExists(f));
}

TEST(WalkTest, FileSymlinksAreNotOpenedUnlessFollowed) {
  TempDir dir;
  Write(dir.File("f"), "x");
  std::string link = dir.File("link.txt");
  if (!MakeSymlink(link, dir.File("f"))) {
    DWORD error = GetLastError();
    // Symbolic links need Vista+ and SeCreateSymbolicLinkPrivilege (or developer mode), and
    // Wine 8's CreateSymbolicLinkW is a stub: those are reasons not to test; any other
    // failure is a failure.
    if (RunningUnderWine() || !HasCreateSymbolicLink() || error == ERROR_PRIVILEGE_NOT_HELD) {
      GTEST_SKIP() << "no symbolic link could be made (error " << error
                   << "): needs Vista+ and SeCreateSymbolicLinkPrivilege; Wine 8's "
                      "CreateSymbolicLinkW is a stub";
    }
    FAIL() << "no symbolic link could be made (error " << error << ")";
  }
  EXPECT_EQ(StatPath(link, false)->type, FileType::kSymlink);
  EXPECT_EQ(ReadOnlyFile::Open(link).error().code(), StatusCode::kInvalidArgument);
  ReadOnlyFile::Options follow;
  follow.follow_symlinks = true;
  EXPECT_TRUE(ReadOnlyFile::Open(link, follow));
  EXPECT_EQ(RunWalk({dir.path()}).issues.at(link), WalkIssueKind::kSymlinkSkipped);
  WalkOptions options;
  options.follow_symlinks = true;
  EXPECT_THAT(RunWalk({dir.path()}, options).files, ElementsAre(dir.File("f"), link));
}

// ---- Quarantine operations ----

TEST(QuarantineOpsTest, NewFileIsRemovedUnlessCommittedAndNeverOverwrites) {
  TempDir dir;
  std::string path = dir.File("content");
  {
    auto file = NewFile::Create(path);
    ASSERT_TRUE(file);
    ASSERT_TRUE(file->Append(Bytes("half")).ok());
  }
  EXPECT_FALSE(PathExists(path));
  auto file = NewFile::Create(path);
  ASSERT_TRUE(file);
  EXPECT_EQ(NewFile::Create(path).error().code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(file->Append(Bytes("whole")).ok());
  ASSERT_TRUE(file->Commit(0400).ok());
  EXPECT_EQ(file->Commit(0400).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*ReadFileToString(path, 100), "whole");
  EXPECT_TRUE(Attributes(path) & FILE_ATTRIBUTE_READONLY);
  EXPECT_EQ(StatPath(path, false)->mode, 0444u);
  EXPECT_EQ(WriteNewFile(path, Bytes("x"), 0644).code(), StatusCode::kAlreadyExists);
  // Read-only, yet removable, as on Unix.
  EXPECT_TRUE(RemoveFile(path).ok());
  EXPECT_FALSE(PathExists(path));
  EXPECT_EQ(RemoveFile(path).code(), StatusCode::kNotFound);
}

TEST(QuarantineOpsTest, WriteFileAtomicReplacesEvenReadOnlyFiles) {
  TempDir dir;
  std::string path = dir.File("meta.json");
  ASSERT_TRUE(WriteFileAtomic(path, "one", 0444).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "two", 0644).ok());
  EXPECT_EQ(*ReadFileToString(path, 100), "two");
  EXPECT_FALSE(Attributes(path) & FILE_ATTRIBUTE_READONLY);
  EXPECT_THAT(*ListDirectory(dir.path()), ElementsAre("meta.json"));  // no temporary left
  EXPECT_EQ(ReadFileToString(path, 2).error().code(), StatusCode::kResourceExhausted);
}

TEST(QuarantineOpsTest, DirectoriesRenamesModesTimesAndOwner) {
  TempDir dir;
  std::string nested = dir.File("q/a/b");
  ASSERT_TRUE(MakeDirectories(nested, 0700).ok());
  ASSERT_TRUE(MakeDirectories(nested, 0700).ok());  // exists: fine
  EXPECT_EQ(StatPath(nested, true)->type, FileType::kDirectory);
  Write(dir.File("plain"), "p");
  EXPECT_EQ(MakeDirectories(dir.File("plain"), 0700).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(RemoveEmptyDirectory(dir.File("q/a")).code(), StatusCode::kIoError);  // not empty
  EXPECT_TRUE(RemoveEmptyDirectory(nested).ok());
  EXPECT_FALSE(PathExists(nested));

  Write(dir.File("from"), "data");
  Write(dir.File("to"), "old");
  ASSERT_TRUE(RenamePath(dir.File("from"), dir.File("to")).ok());  // replaces, like rename(2)
  EXPECT_FALSE(PathExists(dir.File("from")));
  EXPECT_EQ(*ReadFileToString(dir.File("to"), 10), "data");
  EXPECT_EQ(RenamePath(dir.File("from"), dir.File("x")).code(), StatusCode::kNotFound);

  ASSERT_TRUE(SetMode(dir.File("to"), 0400).ok());
  EXPECT_TRUE(Attributes(dir.File("to")) & FILE_ATTRIBUTE_READONLY);
  ASSERT_TRUE(SetMode(dir.File("to"), 0600).ok());
  EXPECT_FALSE(Attributes(dir.File("to")) & FILE_ATTRIBUTE_READONLY);
  EXPECT_EQ(SetMode(dir.File("none"), 0600).code(), StatusCode::kNotFound);

  ASSERT_TRUE(
      SetTimes(dir.File("to"), 1'234'567'890'123'456'700LL, 1'300'000'000'000'000'000LL).ok());
  auto info = StatPath(dir.File("to"), false);
  EXPECT_EQ(info->atime_ns, 1'234'567'890'123'456'700LL);
  EXPECT_EQ(info->mtime_ns, 1'300'000'000'000'000'000LL);

  EXPECT_EQ(SetOwner(dir.File("to"), 0, 0).code(), StatusCode::kUnimplemented);
  EXPECT_TRUE(SyncDirectory(dir.path()).ok());
}

// ---- Whole-file views ----

TEST(MappedFileTest, HoldsACopySoTheFileCanBeReplacedByRename) {
  TempDir dir;
  std::string path = dir.File("sigs.db");
  ASSERT_TRUE(WriteFileAtomic(path, "version-1", 0644).ok());
  auto mapped = MappedFile::Open(path);
  ASSERT_TRUE(mapped) << mapped.error().ToString();
  ASSERT_TRUE(WriteFileAtomic(path, "version-2!", 0644).ok());  // a signature update
  EXPECT_EQ(
      std::string(reinterpret_cast<const char*>(mapped->bytes().data()), mapped->bytes().size()),
      "version-1");
  MappedFile moved = std::move(*mapped);
  EXPECT_EQ(moved.bytes().size(), 9u);
  Write(dir.File("empty"), "");
  EXPECT_TRUE(MappedFile::Open(dir.File("empty"))->bytes().empty());
  EXPECT_EQ(MappedFile::Open(dir.path()).error().code(), StatusCode::kInvalidArgument);
}

TEST(FileViewTest, IsNotOfferedSoTheScannerReads) {
  TempDir dir;
  Write(dir.File("f"), "abc");
  auto file = ReadOnlyFile::Open(dir.File("f"));
  ASSERT_TRUE(file);
  EXPECT_EQ(FileView::Map(*file, 3).error().code(), StatusCode::kUnimplemented);
}

// ---- WOW64 ----

// A file in the native System32 only, written with the plain API (through Sysnative under
// WOW64, where System32 means SysWOW64 to a 32-bit process); removed by the destructor.
class NativeSystem32File {
 public:
  NativeSystem32File() {
    wchar_t windows[MAX_PATH];
    const UINT n = GetSystemWindowsDirectoryW(windows, MAX_PATH);
    const std::wstring dir(windows, n);
    const std::wstring name = L"otguard-wow64-" + std::to_wstring(GetCurrentProcessId()) + L".txt";
    native_ = dir + (win::RunsUnderWow64() ? L"\\Sysnative\\" : L"\\System32\\") + name;
    path_ = win::WideToUtf8(dir + L"\\System32\\" + name);
    name_ = win::WideToUtf8(name);
    HANDLE h = CreateFileW(native_.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                           FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) return;
    DWORD written = 0;
    written_ = WriteFile(h, "native", 6, &written, nullptr) && written == 6;
    CloseHandle(h);
  }
  ~NativeSystem32File() { DeleteFileW(native_.c_str()); }
  bool written() const { return written_; }
  const std::string& path() const { return path_; }  // its System32 name
  const std::string& name() const { return name_; }

 private:
  std::wstring native_;
  std::string path_;
  std::string name_;
  bool written_ = false;
};

// otguard reads the System32 the machine runs also as a 32-bit process on 64-bit Windows,
// and names it System32: a scan, hunt or audit of System32 sees the 64-bit files, not the
// 32-bit copies in SysWOW64. Elsewhere (32-bit Windows, the x86_64 build) System32 is plain.
TEST(Wow64Test, System32IsTheNativeOneUnderItsOwnName) {
  NativeSystem32File file;
  ASSERT_TRUE(file.written()) << "could not write into the native System32";
  // The plain API of a 32-bit process under WOW64 does not see it: the redirection is real.
  const DWORD plain = GetFileAttributesW(Utf8ToWide(file.path()).c_str());
  EXPECT_EQ(plain == INVALID_FILE_ATTRIBUTES, win::RunsUnderWow64());

  auto info = StatPath(file.path(), /*follow_symlinks=*/true);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->size, 6u);
  auto text = ReadFileToString(file.path(), 100);
  ASSERT_TRUE(text.has_value()) << text.error().ToString();
  EXPECT_EQ(*text, "native");
  auto names = ListDirectory(DirName(file.path()));
  ASSERT_TRUE(names.has_value()) << names.error().ToString();
  EXPECT_THAT(*names, ::testing::Contains(file.name()));
  // A walk of System32 (its top level only) finds it under its System32 name.
  const std::string root = DirName(file.path());
  bool found = false;
  WalkCallbacks callbacks;
  callbacks.enter_directory = [&](const std::string& dir) { return dir == root; };
  callbacks.on_file = [&](const std::string& path, const FileInfo&) {
    found = found || path == file.path();
    return true;
  };
  const std::string roots[] = {root};
  Walk(roots, WalkOptions{}, callbacks);
  EXPECT_TRUE(found) << file.path();
}

TEST(Wow64Test, OnlySystem32ItselfIsMapped) {
  if (!win::RunsUnderWow64()) {
    EXPECT_EQ(win::NativeSystemPath(L"C:\\Windows\\System32\\x"), L"C:\\Windows\\System32\\x");
    return;
  }
  wchar_t buf[MAX_PATH];
  const std::wstring w(buf, GetSystemWindowsDirectoryW(buf, MAX_PATH));
  EXPECT_EQ(win::NativeSystemPath(w + L"\\system32\\drivers\\x.sys"),
            w + L"\\Sysnative\\drivers\\x.sys");
  EXPECT_EQ(win::NativeSystemPath(w + L"\\System32"), w + L"\\Sysnative");
  EXPECT_EQ(win::NativeSystemPath(w + L"\\System32x\\y"), w + L"\\System32x\\y");
  EXPECT_EQ(win::NativeSystemPath(w + L"\\SysWOW64\\y"), w + L"\\SysWOW64\\y");
  EXPECT_EQ(win::NativeSystemPath(L"D:\\data\\System32\\y"), L"D:\\data\\System32\\y");
}

}  // namespace
}  // namespace otguard::platform
