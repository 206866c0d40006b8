// Files: a directory walker, a read-only file handle that never locks or changes what it reads,
// and the few write operations the quarantine needs. Paths are UTF-8 strings on every OS.
//
// Thread-safety: free functions are thread-safe; a ReadOnlyFile is used by one thread at a time.
#ifndef OTGUARD_PLATFORM_FILES_H_
#define OTGUARD_PLATFORM_FILES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "otguard/base/status.h"

namespace otguard::platform {

enum class FileType { kRegular, kDirectory, kSymlink, kOther /* device, FIFO, socket */ };

// What the OS knows of a file. Times are nanoseconds since the Unix epoch.
struct FileInfo {
  FileType type = FileType::kOther;
  uint64_t size = 0;
  uint32_t mode = 0;  // permission bits only (07777)
  int64_t mtime_ns = 0;
  int64_t atime_ns = 0;
  uint64_t device = 0;  // with `inode`, identifies the file (symlink loops, changed files)
  uint64_t inode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string type_name;  // "regular file", "directory", "FIFO", "socket", "device" ...
};

// Stats `path`; with follow_symlinks=false a symlink is reported as kSymlink.
Result<FileInfo> StatPath(const std::string& path, bool follow_symlinks);

// A file opened for reading only: no lock, no access-time update where the OS allows it
// (O_NOATIME falls back when not permitted), close-on-exec. Move-only; closes on destruction.
class ReadOnlyFile {
 public:
  struct Options {
    bool follow_symlinks = false;  // false: opening a symlink fails (the walker decides)
  };
  static Result<ReadOnlyFile> Open(const std::string& path, const Options& options);
  static Result<ReadOnlyFile> Open(const std::string& path) { return Open(path, Options{}); }

  ReadOnlyFile(ReadOnlyFile&& other) noexcept;
  ReadOnlyFile& operator=(ReadOnlyFile&& other) noexcept;
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;
  ~ReadOnlyFile();

  // The information of the open file (not of whatever the path names now).
  Result<FileInfo> Stat() const;
  // Reads up to out.size() bytes at `offset`; returns the count, 0 at end of file. Retries
  // interrupted reads.
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) const;
  // Fills `out` from `offset` until it is full or the file ends; returns the count.
  Result<size_t> ReadFull(uint64_t offset, std::span<uint8_t> out) const;
  // Hints: the file will be read once from start to end / its pages are no longer needed
  // (keeps a scan from evicting the plant's working set from the page cache).
  void AdviseSequential() const;
  void AdviseDone() const;

 private:
  friend class FileView;
  explicit ReadOnlyFile(int fd) : fd_(fd) {}
  int fd_ = -1;  // an OS handle; an int on every OS we target (a HANDLE cast on Windows)
};

// The first `size` bytes of an open file, mapped read-only instead of copied (a scan of files
// in the page cache then costs no copy). Safe against the file shrinking underneath: a page
// that can no longer be read is replaced by zeros instead of ending the process with SIGBUS,
// and truncated() tells. A thread may hold one view at a time (Map fails with
// FailedPrecondition for a second one); the view must be used and destroyed on the thread
// that made it. Unimplemented where the OS offers no such mapping (callers read instead).
class FileView {
 public:
  static Result<FileView> Map(const ReadOnlyFile& file, uint64_t size);
  FileView(FileView&& other) noexcept;
  FileView& operator=(FileView&& other) = delete;
  FileView(const FileView&) = delete;
  FileView& operator=(const FileView&) = delete;
  ~FileView();

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  // True when part of the file vanished while mapped; the bytes there read as zeros.
  bool truncated() const;

 private:
  FileView(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// ---- Directory walk ----

struct WalkOptions {
  bool follow_symlinks = false;  // follow symlinks to files and directories (loops detected)
  bool one_file_system = false;  // do not descend into directories on another device
};

// Why an entry was not handed to on_file.
enum class WalkIssueKind {
  kNotFound,          // vanished between listing and stat, or a root that does not exist
  kPermissionDenied,  // a directory or entry we may not read
  kSpecialFile,       // device, FIFO or socket: never opened (opening a FIFO could block)
  kSymlinkLoop,       // a followed directory we are already inside
  kSymlinkSkipped,    // a symlink while follow_symlinks is false
  kOtherFileSystem,   // one_file_system and a mount point
  kIoError,
};

struct WalkIssue {
  std::string path;
  WalkIssueKind kind;
  std::string message;
};

struct WalkCallbacks {
  // A regular file (after following symlinks when asked). Return false to stop the walk.
  std::function<bool(const std::string& path, const FileInfo& info)> on_file;
  // An entry that was not walked; the walk goes on.
  std::function<void(const WalkIssue& issue)> on_issue;
  // Optional: a directory about to be listed; return false to skip it (exclude patterns).
  std::function<bool(const std::string& path)> enter_directory;
};

// Walks each root depth-first. A root that is a file is reported as a file. Symlinks given as
// roots are followed (the user named them). Never opens anything but directories.
void Walk(std::span<const std::string> roots, const WalkOptions& options,
          const WalkCallbacks& callbacks);

// A whole file mapped read-only into memory (compiled signature databases). The mapping is
// private: writers replacing the file (by rename) do not change what a reader sees. Move-only;
// unmapped when destroyed. Not for files that another program may truncate in place.
class MappedFile {
 public:
  // InvalidArgument when `path` is not a regular file. An empty file gives an empty span.
  static Result<MappedFile> Open(const std::string& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  MappedFile(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// ---- Directory and file operations (quarantine) ----

// Names in `dir` (no "." and ".."), unsorted.
Result<std::vector<std::string>> ListDirectory(const std::string& dir);
// Creates `dir` (and missing parents) with `mode`; OK when it exists as a directory. The last
// component's mode is set to exactly `mode` even when it already existed.
Status MakeDirectories(const std::string& dir, uint32_t mode);
// A file being created: written in chunks, flushed and given its mode by Commit(). Dropped
// without Commit() it is removed, so a failed copy leaves nothing half-written behind.
class NewFile {
 public:
  // Fails with AlreadyExists when `path` exists (never overwrites, never follows a symlink).
  static Result<NewFile> Create(const std::string& path);
  NewFile(NewFile&& other) noexcept;
  NewFile& operator=(NewFile&& other) = delete;
  NewFile(const NewFile&) = delete;
  NewFile& operator=(const NewFile&) = delete;
  ~NewFile();

  Status Append(std::span<const uint8_t> data);
  // Sets `mode`, flushes data to disk and closes.
  Status Commit(uint32_t mode);
  const std::string& path() const { return path_; }

 private:
  NewFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// Writes `data` to a new file (fails with AlreadyExists if `path` exists, never follows a
// symlink), with `mode`, flushed to disk before returning.
Status WriteNewFile(const std::string& path, std::span<const uint8_t> data, uint32_t mode);
// Writes `data` to `path` atomically: a temporary file beside it, fsync, rename.
Status WriteFileAtomic(const std::string& path, std::string_view data, uint32_t mode);
Result<std::string> ReadFileToString(const std::string& path, uint64_t max_size);
Status RenamePath(const std::string& from, const std::string& to);
Status RemoveFile(const std::string& path);
// Removes an empty directory.
Status RemoveEmptyDirectory(const std::string& path);
Status SetMode(const std::string& path, uint32_t mode);
// Sets access and modification times (ns since the epoch); does not follow a symlink.
Status SetTimes(const std::string& path, int64_t atime_ns, int64_t mtime_ns);
// Sets owner and group; PermissionDenied when not privileged.
Status SetOwner(const std::string& path, uint32_t uid, uint32_t gid);
// Flushes the directory entry (after a create/rename/unlink in it).
Status SyncDirectory(const std::string& dir);
bool PathExists(const std::string& path);  // without following a final symlink
// Joins with the OS separator, without doubling it.
std::string JoinPath(const std::string& dir, const std::string& name);
// The directory part of `path` ("." when none).
std::string DirName(const std::string& path);
// The last component of `path` ("b" for "a/b" and "a/b/"; on Windows after '\\' or '/').
std::string BaseName(const std::string& path);
// The name of the file's owner as the OS shows it, for YARA's `owner` external (the meaning
// LOKI and THOR give it): the user name of `info.uid` on Linux, its decimal number when no
// user has it (as ls does); "DOMAIN\\user" of the owner SID on Windows (`path` is read
// again there; the SID string when no name is known). Linux looks names up once per uid and
// thread. Errors: what reading the owner returns (Windows).
Result<std::string> FileOwnerName(const std::string& path, const FileInfo& info);
// An absolute, lexically normalized form of `path` (no symlink resolution).
std::string AbsolutePath(const std::string& path);
// True when `path` matches the shell glob `pattern` ('*' also crosses '/' ; like
// clamscan --exclude applied to the whole path).
bool GlobMatch(const std::string& pattern, const std::string& path);

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_FILES_H_
