// Linux implementation of otguard/platform/files.h.
#include "otguard/platform/files.h"
#include "platform/walk_listing.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <set>
#include <utility>

namespace otguard::platform {
namespace {

int64_t ToNs(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct timespec FromNs(int64_t ns) {
  struct timespec ts;
  ts.tv_sec = ns / 1000000000;
  ts.tv_nsec = ns % 1000000000;
  if (ts.tv_nsec < 0) {
    ts.tv_nsec += 1000000000;
    ts.tv_sec -= 1;
  }
  return ts;
}

std::string TypeName(mode_t mode) {
  if (S_ISREG(mode)) return "regular file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISLNK(mode)) return "symbolic link";
  if (S_ISFIFO(mode)) return "FIFO";
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  return "unknown file type";
}

FileInfo ToFileInfo(const struct stat& st) {
  FileInfo info;
  if (S_ISREG(st.st_mode)) {
    info.type = FileType::kRegular;
  } else if (S_ISDIR(st.st_mode)) {
    info.type = FileType::kDirectory;
  } else if (S_ISLNK(st.st_mode)) {
    info.type = FileType::kSymlink;
  }
  info.size = st.st_size < 0 ? 0 : static_cast<uint64_t>(st.st_size);
  info.mode = st.st_mode & 07777;
  info.mtime_ns = ToNs(st.st_mtim);
  info.atime_ns = ToNs(st.st_atim);
  info.device = st.st_dev;
  info.inode = st.st_ino;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.type_name = TypeName(st.st_mode);
  return info;
}

std::string Context(const char* op, const std::string& path) {
  std::string s(op);
  s += ' ';
  s += path;
  return s;
}

}  // namespace

Result<FileInfo> StatPath(const std::string& path, bool follow_symlinks) {
  struct stat st;
  int rc = follow_symlinks ? stat(path.c_str(), &st) : lstat(path.c_str(), &st);
  if (rc != 0) return Unexpected(ErrnoToStatus(errno, Context("stat", path)));
  return ToFileInfo(st);
}

// ---- ReadOnlyFile ----

Result<ReadOnlyFile> ReadOnlyFile::Open(const std::string& path, const Options& options) {
  // O_NONBLOCK: should a FIFO have replaced the file since the walk saw it, open() must not
  // wait for a writer; reads of regular files ignore the flag.
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  if (!options.follow_symlinks) flags |= O_NOFOLLOW;
  int fd = open(path.c_str(), flags | O_NOATIME);
  // O_NOATIME is refused (EPERM) for files we do not own unless privileged.
  if (fd < 0 && errno == EPERM) fd = open(path.c_str(), flags);
  if (fd < 0) {
    if (errno == ELOOP && !options.follow_symlinks) {
      return Unexpected(InvalidArgument(path + ": is a symbolic link"));
    }
    return Unexpected(ErrnoToStatus(errno, Context("open", path)));
  }
  return ReadOnlyFile(fd);
}

ReadOnlyFile::ReadOnlyFile(ReadOnlyFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ReadOnlyFile& ReadOnlyFile::operator=(ReadOnlyFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ReadOnlyFile::~ReadOnlyFile() {
  if (fd_ >= 0) close(fd_);
}

Result<FileInfo> ReadOnlyFile::Stat() const {
  struct stat st;
  if (fstat(fd_, &st) != 0) return Unexpected(ErrnoToStatus(errno, "fstat"));
  return ToFileInfo(st);
}

Result<size_t> ReadOnlyFile::ReadAt(uint64_t offset, std::span<uint8_t> out) const {
  if (offset > static_cast<uint64_t>(LLONG_MAX)) return size_t{0};
  for (;;) {
    ssize_t n = pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Unexpected(ErrnoToStatus(errno, "read"));
  }
}

Result<size_t> ReadOnlyFile::ReadFull(uint64_t offset, std::span<uint8_t> out) const {
  size_t done = 0;
  while (done < out.size()) {
    OTGUARD_ASSIGN_OR_RETURN(size_t n, ReadAt(offset + done, out.subspan(done)));
    if (n == 0) break;
    done += n;
  }
  return done;
}

void ReadOnlyFile::AdviseSequential() const { posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL); }
void ReadOnlyFile::AdviseDone() const { posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED); }

// ---- Walk (src/platform/walk.cc) ----

namespace internal {
namespace {

// Names only; each child is stat'ed when the walk reaches it.
class NameListing final : public DirectoryListing {
 public:
  NameListing(std::string dir, std::vector<std::string> names)
      : dir_(std::move(dir)), names_(std::move(names)) {}
  size_t size() const override { return names_.size(); }
  std::string ChildPath(size_t i) const override { return JoinPath(dir_, names_[i]); }
  Result<FileInfo> Describe(size_t i, uint64_t) const override {
    return StatPath(ChildPath(i), /*follow_symlinks=*/false);
  }

 private:
  std::string dir_;
  std::vector<std::string> names_;
};

}  // namespace

Result<std::unique_ptr<DirectoryListing>> ListForWalk(const std::string& dir) {
  // ListDirectory reads the names and closes the directory before the walk descends.
  OTGUARD_ASSIGN_OR_RETURN(auto names, ListDirectory(dir));
  return std::make_unique<NameListing>(dir, std::move(names));
}

}  // namespace internal

// ---- Directory and file operations ----

Result<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return Unexpected(ErrnoToStatus(errno, Context("open directory", dir)));
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    struct dirent* e = readdir(d);
    if (e == nullptr) break;
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    names.emplace_back(e->d_name);
  }
  int err = errno;
  closedir(d);
  if (err != 0) return Unexpected(ErrnoToStatus(err, Context("read directory", dir)));
  return names;
}

namespace {
// Creates `dir` and missing parents; leaves the mode of anything that existed alone.
Status CreateMissingDirectories(const std::string& dir, uint32_t mode) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return AlreadyExists(dir + ": exists and is not a directory");
    return Status::Ok();
  }
  std::string parent = DirName(dir);
  if (parent != dir && parent != "." && parent != "/") {
    OTGUARD_RETURN_IF_ERROR(CreateMissingDirectories(parent, 0755));
  }
  if (mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    return ErrnoToStatus(errno, Context("mkdir", dir));
  }
  return Status::Ok();
}
}  // namespace

Status MakeDirectories(const std::string& dir, uint32_t mode) {
  if (dir.empty()) return InvalidArgument("empty directory name");
  OTGUARD_RETURN_IF_ERROR(CreateMissingDirectories(dir, mode));
  return SetMode(dir, mode);
}

namespace {
Status WriteAll(int fd, std::span<const uint8_t> data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "write");
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status WriteAndClose(int fd, std::span<const uint8_t> data, uint32_t mode,
                     const std::string& path) {
  Status s = WriteAll(fd, data);
  if (s.ok() && fchmod(fd, mode) != 0) s = ErrnoToStatus(errno, Context("chmod", path));
  if (s.ok() && fsync(fd) != 0) s = ErrnoToStatus(errno, Context("fsync", path));
  if (close(fd) != 0 && s.ok()) s = ErrnoToStatus(errno, Context("close", path));
  return s.WithContext(path);
}
}  // namespace

Status WriteNewFile(const std::string& path, std::span<const uint8_t> data, uint32_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoToStatus(errno, Context("create", path));
  Status s = WriteAndClose(fd, data, mode, path);
  if (!s.ok()) unlink(path.c_str());
  return s;
}

Status WriteFileAtomic(const std::string& path, std::string_view data, uint32_t mode) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  unlink(tmp.c_str());
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  OTGUARD_RETURN_IF_ERROR(WriteNewFile(tmp, bytes, mode));
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = ErrnoToStatus(errno, Context("rename", tmp));
    unlink(tmp.c_str());
    return s;
  }
  return SyncDirectory(DirName(path));
}

Result<std::string> ReadFileToString(const std::string& path, uint64_t max_size) {
  OTGUARD_ASSIGN_OR_RETURN(ReadOnlyFile file, ReadOnlyFile::Open(path));
  OTGUARD_ASSIGN_OR_RETURN(FileInfo info, file.Stat());
  if (info.type != FileType::kRegular) return Unexpected(InvalidArgument(path + ": not a file"));
  if (info.size > max_size) return Unexpected(ResourceExhausted(path + ": file too large"));
  std::string out(info.size, '\0');
  auto span = std::span(reinterpret_cast<uint8_t*>(out.data()), out.size());
  OTGUARD_ASSIGN_OR_RETURN(size_t n, file.ReadFull(0, span));
  out.resize(n);
  return out;
}

Status RenamePath(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) != 0) return ErrnoToStatus(errno, Context("rename", from));
  return Status::Ok();
}

Status RemoveFile(const std::string& path) {
  if (unlink(path.c_str()) != 0) return ErrnoToStatus(errno, Context("unlink", path));
  return Status::Ok();
}

Status RemoveEmptyDirectory(const std::string& path) {
  if (rmdir(path.c_str()) != 0) return ErrnoToStatus(errno, Context("rmdir", path));
  return Status::Ok();
}

Status SetMode(const std::string& path, uint32_t mode) {
  if (chmod(path.c_str(), mode) != 0) return ErrnoToStatus(errno, Context("chmod", path));
  return Status::Ok();
}

Status SetTimes(const std::string& path, int64_t atime_ns, int64_t mtime_ns) {
  struct timespec times[2] = {FromNs(atime_ns), FromNs(mtime_ns)};
  if (utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoToStatus(errno, Context("utimensat", path));
  }
  return Status::Ok();
}

Status SetOwner(const std::string& path, uint32_t uid, uint32_t gid) {
  if (lchown(path.c_str(), uid, gid) != 0) return ErrnoToStatus(errno, Context("chown", path));
  return Status::Ok();
}

Result<MappedFile> MappedFile::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unexpected(ErrnoToStatus(errno, Context("open", path)));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Status s = ErrnoToStatus(errno, Context("stat", path));
    close(fd);
    return Unexpected(s);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return Unexpected(InvalidArgument(path + ": not a regular file"));
  }
  if (st.st_size == 0) {
    close(fd);
    return MappedFile(nullptr, 0);
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* addr = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  close(fd);  // the mapping keeps the file alive
  if (addr == MAP_FAILED) return Unexpected(ErrnoToStatus(err, Context("mmap", path)));
  return MappedFile(static_cast<const uint8_t*>(addr), size);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) munmap(const_cast<uint8_t*>(data_), size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) munmap(const_cast<uint8_t*>(data_), size_);
}

Status SyncDirectory(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, Context("open directory", dir));
  Status s;
  if (fsync(fd) != 0) s = ErrnoToStatus(errno, Context("fsync", dir));
  close(fd);
  return s;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string DirName(const std::string& path) {
  size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;  // "a/b/" is in "a"
  size_t slash = path.rfind('/', end - 1);
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;
  if (end == 1 && path[0] == '/') return "/";
  size_t slash = path.rfind('/', end - 1);
  size_t begin = slash == std::string::npos ? 0 : slash + 1;
  return path.substr(begin, end - begin);
}

std::string AbsolutePath(const std::string& path) {
  std::string full = path;
  if (path.empty() || path[0] != '/') {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) != nullptr) full = JoinPath(cwd, path);
  }
  // Lexical normalization: drop "." and empty parts, resolve ".." against what came before.
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= full.size()) {
    size_t j = full.find('/', i);
    if (j == std::string::npos) j = full.size();
    std::string part = full.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

bool GlobMatch(const std::string& pattern, const std::string& path) {
  return fnmatch(pattern.c_str(), path.c_str(), 0) == 0;
}

}  // namespace otguard::platform

namespace otguard::platform {

Result<NewFile> NewFile::Create(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Unexpected(ErrnoToStatus(errno, "create " + path));
  return NewFile(fd, path);
}

NewFile::NewFile(NewFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

NewFile::~NewFile() {
  if (fd_ >= 0) {
    close(fd_);
    unlink(path_.c_str());
  }
}

Status NewFile::Append(std::span<const uint8_t> data) {
  if (fd_ < 0) return FailedPrecondition(path_ + ": already committed");
  return WriteAll(fd_, data).WithContext(path_);
}

Status NewFile::Commit(uint32_t mode) {
  if (fd_ < 0) return FailedPrecondition(path_ + ": already committed");
  int fd = std::exchange(fd_, -1);
  Status s = WriteAndClose(fd, {}, mode, path_);
  if (!s.ok()) unlink(path_.c_str());
  return s;
}

}  // namespace otguard::platform
