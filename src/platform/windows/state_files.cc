// Windows implementation of otguard/platform/state_files.h.
#include "otguard/platform/state_files.h"

#include <windows.h>

#include <utility>

#include "platform/windows/paths.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

HANDLE AsHandle(intptr_t h) { return reinterpret_cast<HANDLE>(h); }
constexpr intptr_t kNoHandle = -1;  // INVALID_HANDLE_VALUE's value

void CloseIfOpen(intptr_t h) {
  if (h != kNoHandle) CloseHandle(AsHandle(h));
}

}  // namespace

Result<AppendOnlyFile> AppendOnlyFile::Open(const std::string& path) {
  std::wstring api = win::ApiPath(path);
  // FILE_APPEND_DATA without FILE_WRITE_DATA: every write lands at the end. Others may read.
  HANDLE h =
      CreateFileW(api.c_str(), FILE_APPEND_DATA | SYNCHRONIZE, FILE_SHARE_READ, nullptr,
                  OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (h == INVALID_HANDLE_VALUE) return Unexpected(win::OpenError(GetLastError(), path));
  LARGE_INTEGER size;
  if (!GetFileSizeEx(h, &size)) {
    Status s = win::LastErrorToStatus(win::Context("size", path));
    CloseHandle(h);
    return Unexpected(s);
  }
  return AppendOnlyFile(reinterpret_cast<intptr_t>(h), path, static_cast<uint64_t>(size.QuadPart));
}

AppendOnlyFile::AppendOnlyFile(AppendOnlyFile&& other) noexcept
    : handle_(std::exchange(other.handle_, kNoHandle)),
      path_(std::move(other.path_)),
      size_(other.size_) {}

AppendOnlyFile& AppendOnlyFile::operator=(AppendOnlyFile&& other) noexcept {
  if (this != &other) {
    CloseIfOpen(handle_);
    handle_ = std::exchange(other.handle_, kNoHandle);
    path_ = std::move(other.path_);
    size_ = other.size_;
  }
  return *this;
}

AppendOnlyFile::~AppendOnlyFile() { CloseIfOpen(handle_); }

Status AppendOnlyFile::Append(std::string_view data) {
  while (!data.empty()) {
    DWORD chunk = data.size() > (1u << 30) ? (1u << 30) : static_cast<DWORD>(data.size());
    DWORD written = 0;
    if (!WriteFile(AsHandle(handle_), data.data(), chunk, &written, nullptr)) {
      return win::LastErrorToStatus(win::Context("write", path_));
    }
    data.remove_prefix(written);
    size_ += written;
  }
  return Status();
}

Status AppendOnlyFile::Sync() {
  if (!FlushFileBuffers(AsHandle(handle_))) {
    return win::LastErrorToStatus(win::Context("flush", path_));
  }
  return Status();
}

Result<DirectoryLock> DirectoryLock::Acquire(const std::string& path) {
  std::wstring api = win::ApiPath(path);
  HANDLE h =
      CreateFileW(api.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                  nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return Unexpected(win::OpenError(GetLastError(), path));
  OVERLAPPED at{};
  if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &at)) {
    DWORD error = GetLastError();
    CloseHandle(h);
    if (error == ERROR_LOCK_VIOLATION || error == ERROR_IO_PENDING) {
      return Unexpected(FailedPrecondition(path + ": held by another process"));
    }
    return Unexpected(win::WinErrorToStatus(error, win::Context("lock", path)));
  }
  return DirectoryLock(reinterpret_cast<intptr_t>(h));
}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept
    : handle_(std::exchange(other.handle_, kNoHandle)) {}

DirectoryLock& DirectoryLock::operator=(DirectoryLock&& other) noexcept {
  if (this != &other) {
    CloseIfOpen(handle_);
    handle_ = std::exchange(other.handle_, kNoHandle);
  }
  return *this;
}

DirectoryLock::~DirectoryLock() { CloseIfOpen(handle_); }  // the OS releases the lock

}  // namespace otguard::platform
