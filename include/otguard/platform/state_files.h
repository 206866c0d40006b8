// Files a long-running agent keeps in its own state directory: append-only logs that are made
// durable batch by batch, and the lock that keeps a second agent out of the same directory.
// Never for files the agent observes or scans: those are only read (files.h ReadOnlyFile).
//
// Thread-safety: one thread at a time per object; the free functions are thread-safe.
#ifndef OTGUARD_PLATFORM_STATE_FILES_H_
#define OTGUARD_PLATFORM_STATE_FILES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "otguard/base/status.h"

namespace otguard::platform {

// A file opened for appending (created with mode 0600 when missing; never follows a final
// symlink). Writes go to the end, whatever else happens to the file; Sync() makes everything
// written so far durable (fsync / FlushFileBuffers). Move-only; closes on destruction.
class AppendOnlyFile {
 public:
  static Result<AppendOnlyFile> Open(const std::string& path);
  AppendOnlyFile(AppendOnlyFile&& other) noexcept;
  AppendOnlyFile& operator=(AppendOnlyFile&& other) noexcept;
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;
  ~AppendOnlyFile();

  // Writes all of `data` (retrying short writes). IoError (ENOSPC ...) with the path.
  Status Append(std::string_view data);
  Status Sync();
  // The file's size now (what was there when opened plus what was appended).
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  AppendOnlyFile(intptr_t handle, std::string path, uint64_t size)
      : handle_(handle), path_(std::move(path)), size_(size) {}
  intptr_t handle_ = -1;  // a file descriptor, or a HANDLE on Windows
  std::string path_;
  uint64_t size_ = 0;
};

// An exclusive, advisory lock on the file `path` (created when missing), taken without
// waiting: flock(LOCK_EX | LOCK_NB) on Linux, LockFileEx(FAIL_IMMEDIATELY) on Windows. Held
// until destroyed (or the process ends, also by a crash: the OS releases it).
// FailedPrecondition when another process holds it.
class DirectoryLock {
 public:
  static Result<DirectoryLock> Acquire(const std::string& path);
  DirectoryLock(DirectoryLock&& other) noexcept;
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock();

 private:
  explicit DirectoryLock(intptr_t handle) : handle_(handle) {}
  intptr_t handle_ = -1;
};

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_STATE_FILES_H_
