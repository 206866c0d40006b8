// Linux implementation of otguard/platform/state_files.h.
#include "otguard/platform/state_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace otguard::platform {

Result<AppendOnlyFile> AppendOnlyFile::Open(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Unexpected(ErrnoToStatus(errno, "open " + path));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return Unexpected(ErrnoToStatus(err, "stat " + path));
  }
  return AppendOnlyFile(fd, path, static_cast<uint64_t>(st.st_size));
}

AppendOnlyFile::AppendOnlyFile(AppendOnlyFile&& other) noexcept
    : handle_(std::exchange(other.handle_, -1)),
      path_(std::move(other.path_)),
      size_(other.size_) {}

AppendOnlyFile& AppendOnlyFile::operator=(AppendOnlyFile&& other) noexcept {
  if (this != &other) {
    if (handle_ >= 0) close(static_cast<int>(handle_));
    handle_ = std::exchange(other.handle_, -1);
    path_ = std::move(other.path_);
    size_ = other.size_;
  }
  return *this;
}

AppendOnlyFile::~AppendOnlyFile() {
  if (handle_ >= 0) close(static_cast<int>(handle_));
}

Status AppendOnlyFile::Append(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(static_cast<int>(handle_), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "write " + path_);
    }
    data.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  return Status();
}

Status AppendOnlyFile::Sync() {
  if (fdatasync(static_cast<int>(handle_)) != 0) return ErrnoToStatus(errno, "fsync " + path_);
  return Status();
}

Result<DirectoryLock> DirectoryLock::Acquire(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Unexpected(ErrnoToStatus(errno, "open " + path));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      return Unexpected(FailedPrecondition(path + ": held by another process"));
    }
    return Unexpected(ErrnoToStatus(err, "lock " + path));
  }
  return DirectoryLock(fd);
}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept
    : handle_(std::exchange(other.handle_, -1)) {}

DirectoryLock& DirectoryLock::operator=(DirectoryLock&& other) noexcept {
  if (this != &other) {
    if (handle_ >= 0) close(static_cast<int>(handle_));
    handle_ = std::exchange(other.handle_, -1);
  }
  return *this;
}

DirectoryLock::~DirectoryLock() {
  if (handle_ >= 0) close(static_cast<int>(handle_));
}

}  // namespace otguard::platform
