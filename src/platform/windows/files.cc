// STUB: replaced by the Windows implementation.
#include "otguard/platform/files.h"

namespace otguard::platform {
namespace {
Status Todo() { return Unimplemented("TODO"); }
}  // namespace
Result<FileInfo> StatPath(const std::string&, bool) { return Unexpected(Todo()); }
Result<ReadOnlyFile> ReadOnlyFile::Open(const std::string&, const Options&) {
  return Unexpected(Todo());
}
ReadOnlyFile::ReadOnlyFile(ReadOnlyFile&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
ReadOnlyFile& ReadOnlyFile::operator=(ReadOnlyFile&& other) noexcept {
  std::swap(fd_, other.fd_);
  return *this;
}
ReadOnlyFile::~ReadOnlyFile() = default;
Result<FileInfo> ReadOnlyFile::Stat() const { return Unexpected(Todo()); }
Result<size_t> ReadOnlyFile::ReadAt(uint64_t, std::span<uint8_t>) const {
  return Unexpected(Todo());
}
Result<size_t> ReadOnlyFile::ReadFull(uint64_t, std::span<uint8_t>) const {
  return Unexpected(Todo());
}
void ReadOnlyFile::AdviseSequential() const {}
void ReadOnlyFile::AdviseDone() const {}
void Walk(std::span<const std::string>, const WalkOptions&, const WalkCallbacks&) {}
Result<MappedFile> MappedFile::Open(const std::string&) { return Unexpected(Todo()); }
MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}
MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(size_, other.size_);
  return *this;
}
MappedFile::~MappedFile() = default;
Result<std::vector<std::string>> ListDirectory(const std::string&) { return Unexpected(Todo()); }
Status MakeDirectories(const std::string&, uint32_t) { return Todo(); }
Result<NewFile> NewFile::Create(const std::string&) { return Unexpected(Todo()); }
NewFile::NewFile(NewFile&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}
NewFile::~NewFile() = default;
Status NewFile::Append(std::span<const uint8_t>) { return Todo(); }
Status NewFile::Commit(uint32_t) { return Todo(); }
Status WriteNewFile(const std::string&, std::span<const uint8_t>, uint32_t) { return Todo(); }
Status WriteFileAtomic(const std::string&, std::string_view, uint32_t) { return Todo(); }
Result<std::string> ReadFileToString(const std::string&, uint64_t) { return Unexpected(Todo()); }
Status RenamePath(const std::string&, const std::string&) { return Todo(); }
Status RemoveFile(const std::string&) { return Todo(); }
Status RemoveDirectory(const std::string&) { return Todo(); }
Status SetMode(const std::string&, uint32_t) { return Todo(); }
Status SetTimes(const std::string&, int64_t, int64_t) { return Todo(); }
Status SetOwner(const std::string&, uint32_t, uint32_t) { return Todo(); }
Status SyncDirectory(const std::string&) { return Todo(); }
bool PathExists(const std::string&) { return false; }
std::string JoinPath(const std::string& dir, const std::string& name) { return dir + "\\" + name; }
std::string DirName(const std::string&) { return "."; }
std::string AbsolutePath(const std::string& path) { return path; }
bool GlobMatch(const std::string&, const std::string&) { return false; }
}  // namespace otguard::platform
