// Whole-file views on Windows: FileView (not offered) and MappedFile (read into memory).
//
// FileView::Map is Unimplemented on purpose. While a section (CreateFileMapping +
// MapViewOfFile) of a file exists, Windows refuses to shrink that file: another program's
// SetEndOfFile fails with ERROR_USER_MAPPED_FILE, and a plant historian or logger that rotates
// or truncates its files would see errors because we scan them. That breaks "never disturb
// the host", so the scanner reads instead (a few percent slower on files in the cache).
//
// MappedFile reads the whole file into memory that the object owns, for the same reason and
// one more: our signature databases are replaced by rename (WriteFileAtomic), and Windows
// cannot replace a file that is mapped. A private copy keeps the header's promise — a writer
// replacing the file does not change what a reader sees — without holding the file at all.
#include <windows.h>

#include <cstdint>
#include <new>
#include <utility>

#include "otguard/platform/files.h"

namespace otguard::platform {

Result<FileView> FileView::Map(const ReadOnlyFile&, uint64_t) {
  return Unexpected(Unimplemented(
      "file views are not used on Windows: a mapped file cannot be truncated by its owner"));
}

FileView::FileView(FileView&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

FileView::~FileView() = default;  // Map() never hands out memory

bool FileView::truncated() const { return false; }

Result<MappedFile> MappedFile::Open(const std::string& path) {
  ReadOnlyFile::Options options;
  options.follow_symlinks = true;  // as mmap of a path would
  OTGUARD_ASSIGN_OR_RETURN(ReadOnlyFile file, ReadOnlyFile::Open(path, options));
  OTGUARD_ASSIGN_OR_RETURN(FileInfo info, file.Stat());
  if (info.type != FileType::kRegular) {
    return Unexpected(InvalidArgument(path + ": not a regular file"));
  }
  if (info.size == 0) return MappedFile(nullptr, 0);
  if (info.size > SIZE_MAX / 2) return Unexpected(ResourceExhausted(path + ": too large"));
  auto size = static_cast<size_t>(info.size);
  uint8_t* data = new (std::nothrow) uint8_t[size];
  if (data == nullptr) return Unexpected(ResourceExhausted(path + ": not enough memory"));
  auto read = file.ReadFull(0, std::span(data, size));
  if (!read) {
    delete[] data;
    return Unexpected(read.error().WithContext(path));
  }
  // A file that shrank since Stat() gives what it still held.
  return MappedFile(data, *read);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    delete[] data_;
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() { delete[] data_; }

}  // namespace otguard::platform
