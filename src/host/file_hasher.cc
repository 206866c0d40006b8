#include "host/file_hasher.h"

#include "otguard/base/bytes.h"
#include "otguard/platform/files.h"

namespace otguard::host::internal {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

template <size_t N>
std::string HexOf(const std::optional<std::array<uint8_t, N>>& digest) {
  return digest ? HexEncode(*digest) : "";
}

}  // namespace

std::string FileErrorText(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kPermissionDenied:
      return "permission denied";
    default:
      return std::string(status.message());
  }
}

Result<FileHasher> FileHasher::Create(uint64_t max_size) {
  OTGUARD_ASSIGN_OR_RETURN(auto digest, platform::MultiDigest::Create(kAllDigests));
  return FileHasher(std::move(digest), max_size);
}

FileHasher::FileHasher(platform::MultiDigest digest, uint64_t max_size)
    : digest_(std::move(digest)), buffer_(kReadChunk), max_size_(max_size) {}

FileHashes FileHasher::Hash(const std::string& path) {
  FileHashes out;
  Status status = Read(path, out);
  if (!status.ok()) {
    out.error = FileErrorText(status);
    out.md5.clear();
    out.sha1.clear();
    out.sha256.clear();
  }
  return out;
}

Status FileHasher::Read(const std::string& path, FileHashes& out) {
  OTGUARD_ASSIGN_OR_RETURN(auto file, platform::ReadOnlyFile::Open(path, {true}));
  OTGUARD_ASSIGN_OR_RETURN(platform::FileInfo info, file.Stat());
  out.size = info.size;
  if (info.type != platform::FileType::kRegular) {
    return InvalidArgument("not a regular file (" + info.type_name + ")");
  }
  std::string too_large = "larger than " + std::to_string(max_size_) + " bytes";
  if (info.size > max_size_) return ResourceExhausted(too_large);
  file.AdviseSequential();
  OTGUARD_RETURN_IF_ERROR(digest_.Reset());
  uint64_t offset = 0;
  for (;;) {
    OTGUARD_ASSIGN_OR_RETURN(size_t n, file.ReadAt(offset, buffer_));
    if (n == 0) break;
    offset += n;
    if (offset > max_size_) return ResourceExhausted(too_large);  // grew while read
    OTGUARD_RETURN_IF_ERROR(digest_.Update(std::span(buffer_.data(), n)));
  }
  file.AdviseDone();
  OTGUARD_ASSIGN_OR_RETURN(Digests digests, digest_.Finish());
  out.size = offset;  // what was hashed, should the file have changed since Stat
  out.md5 = HexOf(digests.md5);
  out.sha1 = HexOf(digests.sha1);
  out.sha256 = HexOf(digests.sha256);
  return Status();
}

}  // namespace otguard::host::internal
