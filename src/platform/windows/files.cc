// Windows implementation of otguard/platform/files.h.
//
// Paths are UTF-8 in the interface and UTF-16 at the API. Every path is made absolute and
// normalised lexically here ('/' -> '\', "." and ".." resolved), then given the \\?\ prefix:
// no MAX_PATH limit, and the Win32 layer no longer rewrites names (it would strip a trailing
// dot or space and turn "aux" or "nul" into devices), so we open exactly the file a listing
// named — malware hides in names like "evil.exe." that plain Win32 paths cannot reach.
//
// Never disturb the host: files are opened sharing read, write and delete, so no program is
// refused because we read (a program that wants exclusive access still gets it once we are
// done, and one that already has it makes our open fail at once with a sharing violation:
// Windows never waits on share modes). Devices (\\.\pipe\x, \\.\COM1) are never opened:
// opening a pipe takes one of its instances, opening a serial port may reset the PLC behind it.
// Path handling is in paths.cc.
#include <windows.h>

#include <winioctl.h>

#include <algorithm>
#include <climits>
#include <cwctype>
#include <set>
#include <utility>

#include "otguard/platform/files.h"
#include "platform/walk_listing.h"
#include "platform/windows/paths.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using win::ApiPath;
using win::Context;
using win::IsDevicePath;
using win::OpenError;
using win::UniqueHandle;
using win::WithoutVerbatimPrefix;

constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
// Newer SDK constants, spelled out: the XP build's headers (_WIN32_WINNT 0x0501) lack them.
constexpr DWORD kAttributeRecallOnOpen = 0x00040000;        // FILE_ATTRIBUTE_RECALL_ON_OPEN
constexpr DWORD kAttributeRecallOnDataAccess = 0x00400000;  // ..._RECALL_ON_DATA_ACCESS
constexpr int kFindExInfoBasic = 1;                         // FindExInfoBasic (Windows 7)
constexpr DWORD kFindFirstExLargeFetch = 2;                 // FIND_FIRST_EX_LARGE_FETCH (7)

// ---- Handles in an int ----

// ReadOnlyFile and NewFile keep an int. Kernel handles are indexes into the process's handle
// table, and Windows guarantees that only their low 32 bits are significant (64-bit Windows
// truncates and sign-extends them when 32- and 64-bit processes share handles: "Interprocess
// Communication Between 32-bit and 64-bit Applications"), so an int holds any file handle on
// both builds. -1 (INVALID_HANDLE_VALUE, never a file handle) means none.
int HandleToInt(HANDLE h) { return static_cast<int>(reinterpret_cast<intptr_t>(h)); }
HANDLE IntToHandle(int fd) { return reinterpret_cast<HANDLE>(static_cast<intptr_t>(fd)); }
void CloseInt(int fd) {
  if (fd != -1) CloseHandle(IntToHandle(fd));
}

// ---- FileInfo ----

bool IsLinkTag(DWORD tag) { return IsReparseTagNameSurrogate(tag); }

// What the OS tells about a file, from a listing or from an open handle.
struct RawInfo {
  DWORD attributes = 0;
  DWORD reparse_tag = 0;  // meaningful only with FILE_ATTRIBUTE_REPARSE_POINT
  uint64_t size = 0;
  FILETIME mtime{};
  FILETIME atime{};
  uint64_t device = 0;
  uint64_t inode = 0;
};

// Only name surrogates (symbolic links, junctions, mount points) are links. Other reparse
// points (deduplicated, compressed by WOF, cloud placeholders) are ordinary files to the
// reader: their filters supply the data.
FileInfo ToFileInfo(const RawInfo& raw) {
  FileInfo info;
  DWORD a = raw.attributes;
  bool link = (a & FILE_ATTRIBUTE_REPARSE_POINT) && IsLinkTag(raw.reparse_tag);
  if (link) {
    info.type = FileType::kSymlink;
    info.type_name = raw.reparse_tag == IO_REPARSE_TAG_MOUNT_POINT ? "junction" : "symbolic link";
  } else if (a & FILE_ATTRIBUTE_DIRECTORY) {
    info.type = FileType::kDirectory;
    info.type_name = "directory";
  } else if (a & (FILE_ATTRIBUTE_OFFLINE | kAttributeRecallOnOpen | kAttributeRecallOnDataAccess)) {
    // Its data lives in remote storage (HSM, OneDrive): reading would fetch it.
    info.type = FileType::kOther;
    info.type_name = "offline file (reading would recall it from remote storage)";
  } else {
    info.type = FileType::kRegular;
    info.type_name = "regular file";
  }
  info.size = info.type == FileType::kRegular ? raw.size : 0;
  // The read-only attribute is all there is of Unix permission bits (SetMode maps it back).
  if (info.type == FileType::kDirectory) {
    info.mode = 0755;
  } else {
    info.mode = (a & FILE_ATTRIBUTE_READONLY) ? 0444 : 0644;
  }
  info.mtime_ns = win::FileTimeToUnixNs(raw.mtime);
  info.atime_ns = win::FileTimeToUnixNs(raw.atime);
  info.device = raw.device;
  info.inode = raw.inode;
  return info;
}

RawInfo FromFindData(const WIN32_FIND_DATAW& data) {
  RawInfo raw;
  raw.attributes = data.dwFileAttributes;
  raw.reparse_tag = data.dwReserved0;
  raw.size = (static_cast<uint64_t>(data.nFileSizeHigh) << 32) | data.nFileSizeLow;
  raw.mtime = data.ftLastWriteTime;
  raw.atime = data.ftLastAccessTime;
  return raw;
}

// FindFirstFileExW: FindExInfoBasic (no 8.3 name) and large fetches from Windows 7 on; XP and
// Vista refuse both, so they get the standard call.
HANDLE FindFirst(const std::wstring& pattern, WIN32_FIND_DATAW* data) {
  static const bool basic = [] {
    const auto& v = win::RunningWindowsVersion();
    return v.major > 6 || (v.major == 6 && v.minor >= 1);
  }();
  auto level = static_cast<FINDEX_INFO_LEVELS>(basic ? kFindExInfoBasic : FindExInfoStandard);
  return FindFirstFileExW(pattern.c_str(), level, data, FindExSearchNameMatch, nullptr,
                          basic ? kFindFirstExLargeFetch : 0);
}

// The listing's entry for `api_path` itself (also works where opening is refused, e.g. the
// page file), or the error.
Result<RawInfo> RawInfoFromListing(const std::wstring& api_path, const std::string& path) {
  WIN32_FIND_DATAW data;
  HANDLE find = FindFirst(api_path, &data);
  if (find == INVALID_HANDLE_VALUE) return Unexpected(win::LastErrorToStatus("stat " + path));
  FindClose(find);
  return FromFindData(data);
}

RawInfo FromHandleInformation(const BY_HANDLE_FILE_INFORMATION& bhfi) {
  RawInfo raw;
  raw.attributes = bhfi.dwFileAttributes;
  raw.size = (static_cast<uint64_t>(bhfi.nFileSizeHigh) << 32) | bhfi.nFileSizeLow;
  raw.mtime = bhfi.ftLastWriteTime;
  raw.atime = bhfi.ftLastAccessTime;
  // With the volume serial, the file index identifies the file (NTFS, FAT; ReFS has 128-bit
  // ids whose low half is used here).
  raw.device = bhfi.dwVolumeSerialNumber;
  raw.inode = (static_cast<uint64_t>(bhfi.nFileIndexHigh) << 32) | bhfi.nFileIndexLow;
  return raw;
}

// The reparse tag of the link `api_path` names, looked up in its directory's listing
// (GetFileInformationByHandleEx, which tells it from a handle, is Vista+). When the lookup
// fails the entry is taken for a link: a link is never followed by mistake.
DWORD ReparseTagOf(const std::wstring& api_path) {
  WIN32_FIND_DATAW data;
  HANDLE find = FindFirst(api_path, &data);
  if (find == INVALID_HANDLE_VALUE) return IO_REPARSE_TAG_SYMLINK;
  FindClose(find);
  return data.dwReserved0;
}

// Information of an open handle. `opened_as`: the path the handle was opened under when it
// was opened on a link itself (FILE_FLAG_OPEN_REPARSE_POINT); null when the OS followed links.
Result<FileInfo> HandleInfo(HANDLE h, const std::wstring* opened_as) {
  BY_HANDLE_FILE_INFORMATION bhfi;
  if (!GetFileInformationByHandle(h, &bhfi)) {
    return Unexpected(win::LastErrorToStatus("GetFileInformationByHandle"));
  }
  RawInfo raw = FromHandleInformation(bhfi);
  if (opened_as != nullptr && (raw.attributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
    raw.reparse_tag = ReparseTagOf(*opened_as);
  }
  FileInfo info = ToFileInfo(raw);
  if (GetFileType(h) != FILE_TYPE_DISK) {
    info.type = FileType::kOther;
    info.type_name = "device";
  }
  return info;
}

FileInfo DeviceInfo() {
  FileInfo info;
  info.type = FileType::kOther;
  info.type_name = "device";
  return info;
}

}  // namespace

Result<FileInfo> StatPath(const std::string& path, bool follow_symlinks) {
  std::wstring api = ApiPath(path);
  if (api.empty()) return Unexpected(InvalidArgument("empty path"));
  if (IsDevicePath(api)) return DeviceInfo();
  // Attributes only: no share-mode check applies, nothing is read.
  DWORD flags = FILE_FLAG_BACKUP_SEMANTICS | (follow_symlinks ? 0 : FILE_FLAG_OPEN_REPARSE_POINT);
  UniqueHandle h(CreateFileW(api.c_str(), FILE_READ_ATTRIBUTES, kShareAll, nullptr, OPEN_EXISTING,
                             flags, nullptr));
  if (!h.valid()) {
    DWORD error = GetLastError();
    // A few files refuse even that (pagefile.sys); their directory still lists them.
    if (error == ERROR_SHARING_VIOLATION || error == ERROR_ACCESS_DENIED) {
      auto raw = RawInfoFromListing(api, path);
      if (raw) return ToFileInfo(*raw);
    }
    return Unexpected(win::WinErrorToStatus(error, Context("stat", path)));
  }
  auto info = HandleInfo(h.get(), follow_symlinks ? nullptr : &api);
  if (!info) return Unexpected(info.error().WithContext(path));
  return info;
}

// ---- ReadOnlyFile ----

namespace {

// Read access plus FILE_WRITE_ATTRIBUTES, which lets us tell NTFS not to update the access
// time through this handle (SetFileTime with all-ones, documented for that). Attribute access
// takes no part in share-mode checks, so it blocks nobody. Where it is refused (ACL, read-only
// media) we read without it, like O_NOATIME's fallback on Linux.
HANDLE OpenForReading(const std::wstring& api, DWORD flags) {
  HANDLE h = CreateFileW(api.c_str(), GENERIC_READ | FILE_WRITE_ATTRIBUTES, kShareAll, nullptr,
                         OPEN_EXISTING, flags, nullptr);
  if (h != INVALID_HANDLE_VALUE) {
    FILETIME keep{0xFFFFFFFF, 0xFFFFFFFF};
    SetFileTime(h, nullptr, &keep, nullptr);  // best effort: old file systems ignore it
    return h;
  }
  DWORD error = GetLastError();
  if (error != ERROR_ACCESS_DENIED && error != ERROR_WRITE_PROTECT) return h;
  return CreateFileW(api.c_str(), GENERIC_READ, kShareAll, nullptr, OPEN_EXISTING, flags, nullptr);
}

}  // namespace

Result<ReadOnlyFile> ReadOnlyFile::Open(const std::string& path, const Options& options) {
  std::wstring api = ApiPath(path);
  if (api.empty()) return Unexpected(InvalidArgument("empty path"));
  if (IsDevicePath(api)) return Unexpected(InvalidArgument(path + ": a device, not opened"));
  // BACKUP_SEMANTICS: a directory opens too (Stat() then tells), and a service holding the
  // backup privilege reads past ACLs.
  DWORD flags = FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_SEQUENTIAL_SCAN;
  UniqueHandle h(
      OpenForReading(api, flags | (options.follow_symlinks ? 0 : FILE_FLAG_OPEN_REPARSE_POINT)));
  if (!h.valid()) return Unexpected(OpenError(GetLastError(), path));
  if (!options.follow_symlinks) {
    BY_HANDLE_FILE_INFORMATION bhfi;
    if (!GetFileInformationByHandle(h.get(), &bhfi)) {
      return Unexpected(win::LastErrorToStatus(Context("stat", path)));
    }
    if (bhfi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
      if (IsLinkTag(ReparseTagOf(api))) {
        return Unexpected(InvalidArgument(path + ": is a symbolic link"));
      }
      // Not a link but a reparse point whose filter supplies the data (deduplication, WOF):
      // opened on the reparse point itself we would read its stub, so open it normally.
      h.reset(OpenForReading(api, flags));
      if (!h.valid()) return Unexpected(OpenError(GetLastError(), path));
    }
  }
  return ReadOnlyFile(HandleToInt(h.release()));
}

ReadOnlyFile::ReadOnlyFile(ReadOnlyFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ReadOnlyFile& ReadOnlyFile::operator=(ReadOnlyFile&& other) noexcept {
  if (this != &other) {
    CloseInt(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ReadOnlyFile::~ReadOnlyFile() { CloseInt(fd_); }

Result<FileInfo> ReadOnlyFile::Stat() const {
  // Open() never keeps a handle on a link itself, so any reparse point here is not a link.
  return HandleInfo(IntToHandle(fd_), nullptr);
}

Result<size_t> ReadOnlyFile::ReadAt(uint64_t offset, std::span<uint8_t> out) const {
  if (out.empty() || offset > static_cast<uint64_t>(LLONG_MAX)) return size_t{0};
  // The offset travels in the OVERLAPPED (the handle is synchronous), so no shared file
  // position is involved. At most 1 GiB per call: ReadFile counts in a DWORD.
  DWORD want = static_cast<DWORD>(std::min<size_t>(out.size(), size_t{1} << 30));
  OVERLAPPED overlapped{};
  overlapped.Offset = static_cast<DWORD>(offset & 0xFFFFFFFFu);
  overlapped.OffsetHigh = static_cast<DWORD>(offset >> 32);
  DWORD got = 0;
  if (!ReadFile(IntToHandle(fd_), out.data(), want, &got, &overlapped)) {
    DWORD error = GetLastError();
    if (error == ERROR_HANDLE_EOF) return size_t{0};
    // ERROR_LOCK_VIOLATION: another program locked this range (LockFileEx); Windows fails the
    // read at once rather than waiting, and so do we.
    return Unexpected(win::WinErrorToStatus(error, "read"));
  }
  return static_cast<size_t>(got);
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

// FILE_FLAG_SEQUENTIAL_SCAN, given at open, is the whole hint Windows has; and there is no
// per-file way to drop pages from the cache (nor a need: its cache manager favours the
// working set over data read once).
void ReadOnlyFile::AdviseSequential() const {}
void ReadOnlyFile::AdviseDone() const {}

// ---- Walk ----

namespace {

// An entry of a listing, kept small (a WIN32_FIND_DATAW is 592 bytes; directories of a
// historian can hold a million files).
struct Entry {
  std::wstring name;
  RawInfo raw;
};

// Lists `dir` (UTF-8 path) without "." and "..". The find handle is closed before returning,
// so a deep walk holds one at a time.
Result<std::vector<Entry>> ListEntries(const std::string& dir) {
  std::wstring pattern = ApiPath(dir);
  if (pattern.empty()) return Unexpected(InvalidArgument("empty path"));
  if (pattern.back() != L'\\') pattern += L'\\';
  pattern += L'*';
  std::vector<Entry> entries;
  WIN32_FIND_DATAW data;
  HANDLE find = FindFirst(pattern, &data);
  if (find == INVALID_HANDLE_VALUE) {
    DWORD error = GetLastError();
    if (error == ERROR_FILE_NOT_FOUND) return entries;  // a drive's empty root: no "." either
    return Unexpected(win::WinErrorToStatus(error, Context("list directory", dir)));
  }
  DWORD error = ERROR_NO_MORE_FILES;
  do {
    std::wstring_view name = data.cFileName;
    if (name != L"." && name != L"..")
      entries.push_back(Entry{std::wstring(name), FromFindData(data)});
  } while (FindNextFileW(find, &data) || (error = GetLastError()) != ERROR_NO_MORE_FILES);
  FindClose(find);
  if (error != ERROR_NO_MORE_FILES) {
    return Unexpected(win::WinErrorToStatus(error, Context("list directory", dir)));
  }
  return entries;
}

}  // namespace

namespace internal {
namespace {

// Files are described from the listing: no open per file. A directory is opened once more
// for its identity (loop detection needs the file index, which listings lack).
class FindListing final : public DirectoryListing {
 public:
  FindListing(std::string dir, std::vector<Entry> entries)
      : dir_(std::move(dir)), entries_(std::move(entries)) {}
  size_t size() const override { return entries_.size(); }
  std::string ChildPath(size_t i) const override {
    return JoinPath(dir_, win::WideToUtf8(entries_[i].name));
  }
  Result<FileInfo> Describe(size_t i, uint64_t device) const override {
    RawInfo raw = entries_[i].raw;
    raw.device = device;
    FileInfo info = ToFileInfo(raw);
    if (info.type != FileType::kDirectory) return info;
    auto identified = StatPath(ChildPath(i), /*follow_symlinks=*/false);
    if (!identified && identified.error().code() == StatusCode::kNotFound) return identified;
    if (identified && identified->type == FileType::kDirectory) return *identified;
    return info;
  }

 private:
  std::string dir_;
  std::vector<Entry> entries_;
};

}  // namespace

Result<std::unique_ptr<DirectoryListing>> ListForWalk(const std::string& dir) {
  OTGUARD_ASSIGN_OR_RETURN(auto entries, ListEntries(dir));
  return std::make_unique<FindListing>(dir, std::move(entries));
}

}  // namespace internal

// ---- Directory and file operations ----

Result<std::vector<std::string>> ListDirectory(const std::string& dir) {
  OTGUARD_ASSIGN_OR_RETURN(auto entries, ListEntries(dir));
  std::vector<std::string> names;
  names.reserve(entries.size());
  for (const Entry& e : entries) names.push_back(win::WideToUtf8(e.name));
  return names;
}

namespace {

DWORD AttributesOf(const std::string& path) { return GetFileAttributesW(ApiPath(path).c_str()); }

// Creates `dir` (absolute) and missing parents; leaves anything that existed alone.
Status CreateMissingDirectories(const std::string& dir) {
  DWORD attributes = AttributesOf(dir);
  if (attributes != INVALID_FILE_ATTRIBUTES) {
    if (!(attributes & FILE_ATTRIBUTE_DIRECTORY)) {
      return AlreadyExists(dir + ": exists and is not a directory");
    }
    return Status::Ok();
  }
  std::string parent = DirName(dir);
  if (parent != dir) OTGUARD_RETURN_IF_ERROR(CreateMissingDirectories(parent));
  if (!CreateDirectoryW(ApiPath(dir).c_str(), nullptr) && GetLastError() != ERROR_ALREADY_EXISTS) {
    return win::LastErrorToStatus(Context("create directory", dir));
  }
  return Status::Ok();
}

// Deletes with `remove`; a read-only file or directory (which Windows refuses to delete,
// unlike Unix) loses the attribute first.
template <typename RemoveFn>
Status RemoveClearingReadOnly(const std::string& path, RemoveFn remove, const char* op) {
  std::wstring api = ApiPath(path);
  if (remove(api.c_str())) return Status::Ok();
  DWORD error = GetLastError();
  DWORD attributes = GetFileAttributesW(api.c_str());
  if (error == ERROR_ACCESS_DENIED && attributes != INVALID_FILE_ATTRIBUTES &&
      (attributes & FILE_ATTRIBUTE_READONLY)) {
    if (SetFileAttributesW(api.c_str(), attributes & ~FILE_ATTRIBUTE_READONLY)) {
      if (remove(api.c_str())) return Status::Ok();
      error = GetLastError();
      SetFileAttributesW(api.c_str(), attributes);  // leave it as it was
    }
  }
  return win::WinErrorToStatus(error, Context(op, path));
}

Status WriteAll(HANDLE h, std::span<const uint8_t> data) {
  while (!data.empty()) {
    DWORD chunk = static_cast<DWORD>(std::min<size_t>(data.size(), size_t{1} << 30));
    DWORD written = 0;
    if (!WriteFile(h, data.data(), chunk, &written, nullptr)) {
      return win::LastErrorToStatus("write");
    }
    data = data.subspan(written);
  }
  return Status::Ok();
}

}  // namespace

Status MakeDirectories(const std::string& dir, uint32_t mode) {
  if (dir.empty()) return InvalidArgument("empty directory name");
  OTGUARD_RETURN_IF_ERROR(CreateMissingDirectories(AbsolutePath(dir)));
  return SetMode(dir, mode);
}

Result<NewFile> NewFile::Create(const std::string& path) {
  std::wstring api = ApiPath(path);
  // CREATE_NEW fails on any existing name, a link included: nothing is followed or replaced.
  // Others may read it while we write (never needed, never harmful).
  HANDLE h = CreateFileW(api.c_str(), GENERIC_WRITE, FILE_SHARE_READ, nullptr, CREATE_NEW,
                         FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return Unexpected(win::LastErrorToStatus("create " + path));
  return NewFile(HandleToInt(h), path);
}

NewFile::NewFile(NewFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

NewFile::~NewFile() {
  if (fd_ != -1) {
    CloseInt(fd_);
    DeleteFileW(ApiPath(path_).c_str());
  }
}

Status NewFile::Append(std::span<const uint8_t> data) {
  if (fd_ == -1) return FailedPrecondition(path_ + ": already committed");
  return WriteAll(IntToHandle(fd_), data).WithContext(path_);
}

Status NewFile::Commit(uint32_t mode) {
  if (fd_ == -1) return FailedPrecondition(path_ + ": already committed");
  HANDLE h = IntToHandle(std::exchange(fd_, -1));
  Status s;
  if (!FlushFileBuffers(h)) s = win::LastErrorToStatus(Context("flush", path_));
  if (!CloseHandle(h) && s.ok()) s = win::LastErrorToStatus(Context("close", path_));
  // The mode last: a read-only file could no longer be removed should this fail.
  if (s.ok()) s = SetMode(path_, mode);
  if (!s.ok()) DeleteFileW(ApiPath(path_).c_str());
  return s;
}

Status WriteNewFile(const std::string& path, std::span<const uint8_t> data, uint32_t mode) {
  OTGUARD_ASSIGN_OR_RETURN(NewFile file, NewFile::Create(path));
  OTGUARD_RETURN_IF_ERROR(file.Append(data));
  return file.Commit(mode);
}

Status WriteFileAtomic(const std::string& path, std::string_view data, uint32_t mode) {
  std::string tmp = path + ".tmp." + std::to_string(GetCurrentProcessId()) + "." +
                    std::to_string(GetCurrentThreadId());
  DeleteFileW(ApiPath(tmp).c_str());
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  OTGUARD_RETURN_IF_ERROR(WriteNewFile(tmp, bytes, mode));
  std::wstring from = ApiPath(tmp);
  std::wstring to = ApiPath(path);
  constexpr DWORD kFlags = MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH;
  if (MoveFileExW(from.c_str(), to.c_str(), kFlags)) return Status::Ok();
  DWORD error = GetLastError();
  // Windows will not replace a read-only file (Unix rename does): clear it and try again.
  DWORD attributes = GetFileAttributesW(to.c_str());
  if (error == ERROR_ACCESS_DENIED && attributes != INVALID_FILE_ATTRIBUTES &&
      (attributes & FILE_ATTRIBUTE_READONLY) &&
      SetFileAttributesW(to.c_str(), attributes & ~FILE_ATTRIBUTE_READONLY)) {
    if (MoveFileExW(from.c_str(), to.c_str(), kFlags)) return Status::Ok();
    error = GetLastError();
    SetFileAttributesW(to.c_str(), attributes);
  }
  (void)RemoveFile(tmp);
  return win::WinErrorToStatus(error, Context("replace", path));
}

Result<std::string> ReadFileToString(const std::string& path, uint64_t max_size) {
  OTGUARD_ASSIGN_OR_RETURN(ReadOnlyFile file, ReadOnlyFile::Open(path));
  OTGUARD_ASSIGN_OR_RETURN(FileInfo info, file.Stat());
  if (info.type != FileType::kRegular) return Unexpected(InvalidArgument(path + ": not a file"));
  if (info.size > max_size || info.size > SIZE_MAX / 2) {
    return Unexpected(ResourceExhausted(path + ": file too large"));
  }
  std::string out(static_cast<size_t>(info.size), '\0');
  auto span = std::span(reinterpret_cast<uint8_t*>(out.data()), out.size());
  OTGUARD_ASSIGN_OR_RETURN(size_t n, file.ReadFull(0, span));
  out.resize(n);
  return out;
}

Status RenamePath(const std::string& from, const std::string& to) {
  // Replaces an existing `to`, as rename(2) does; never copies across volumes.
  if (!MoveFileExW(ApiPath(from).c_str(), ApiPath(to).c_str(), MOVEFILE_REPLACE_EXISTING)) {
    return win::LastErrorToStatus(Context("rename", from));
  }
  return Status::Ok();
}

Status RemoveFile(const std::string& path) {
  return RemoveClearingReadOnly(path, ::DeleteFileW, "delete");
}

Status RemoveEmptyDirectory(const std::string& path) {
  return RemoveClearingReadOnly(path, ::RemoveDirectoryW, "remove directory");
}

Status SetMode(const std::string& path, uint32_t mode) {
  std::wstring api = ApiPath(path);
  DWORD attributes = GetFileAttributesW(api.c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES) {
    return win::LastErrorToStatus(Context("chmod", path));
  }
  // The owner-write bit is the read-only attribute; nothing else of a mode exists here. On a
  // directory the attribute means something else (Explorer's "customised folder"), so a
  // directory's mode is left alone.
  if (attributes & FILE_ATTRIBUTE_DIRECTORY) return Status::Ok();
  DWORD wanted = (mode & 0200) ? (attributes & ~FILE_ATTRIBUTE_READONLY)
                               : (attributes | FILE_ATTRIBUTE_READONLY);
  if (wanted == attributes) return Status::Ok();
  if (!SetFileAttributesW(api.c_str(), wanted)) {
    return win::LastErrorToStatus(Context("chmod", path));
  }
  return Status::Ok();
}

Status SetTimes(const std::string& path, int64_t atime_ns, int64_t mtime_ns) {
  // Attribute access only (no share-mode check); on the link itself, not its target.
  UniqueHandle h(CreateFileW(ApiPath(path).c_str(), FILE_WRITE_ATTRIBUTES, kShareAll, nullptr,
                             OPEN_EXISTING,
                             FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
  if (!h.valid()) return win::LastErrorToStatus(Context("set times", path));
  FILETIME atime = win::UnixNsToFileTime(atime_ns);
  FILETIME mtime = win::UnixNsToFileTime(mtime_ns);
  if (!SetFileTime(h.get(), nullptr, &atime, &mtime)) {
    return win::LastErrorToStatus(Context("set times", path));
  }
  return Status::Ok();
}

Status SetOwner(const std::string& path, uint32_t, uint32_t) {
  return Unimplemented(path + ": owners are SIDs on Windows, not uid/gid");
}

// NTFS has no directory fsync: a create or rename is in the metadata journal, which the file
// system commits itself (FlushFileBuffers on a directory handle needs write access and flushes
// the whole volume's metadata — far more than asked).
Status SyncDirectory(const std::string&) { return Status::Ok(); }

bool PathExists(const std::string& path) {
  // GetFileAttributesW does not follow a final link. A file nobody may even open (the page
  // file) answers with a sharing violation: it exists.
  if (AttributesOf(path) != INVALID_FILE_ATTRIBUTES) return true;
  return GetLastError() == ERROR_SHARING_VIOLATION;
}

}  // namespace otguard::platform
