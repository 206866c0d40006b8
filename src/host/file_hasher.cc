#include "host/file_hasher.h"

#include <algorithm>

#include "otguard/base/bytes.h"
#include "otguard/pe/pe.h"
#include "otguard/platform/files.h"

namespace otguard::host::internal {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

template <size_t N>
std::string HexOf(const std::optional<std::array<uint8_t, N>>& digest) {
  return digest ? HexEncode(*digest) : "";
}

// Feeds the part of `chunk` (at file offset `offset`) that the layout's hashed ranges cover.
Status UpdateCovered(platform::MultiDigest& digest, const std::vector<pe::FileRange>& ranges,
                     uint64_t offset, ByteSpan chunk) {
  const uint64_t end = offset + chunk.size();
  for (const pe::FileRange& range : ranges) {
    const uint64_t from = std::max(range.offset, offset);
    const uint64_t to = std::min(range.offset + range.size, end);
    if (from >= to) continue;
    OTGUARD_RETURN_IF_ERROR(digest.Update(chunk.subspan(from - offset, to - from)));
  }
  return Status::Ok();
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

FileHashes FileHasher::Hash(const std::string& path, bool authenticode) {
  FileHashes out;
  Status status = Read(path, authenticode, out);
  if (!status.ok()) {
    out.error = FileErrorText(status);
    out.md5.clear();
    out.sha1.clear();
    out.sha256.clear();
    out.authenticode_sha256.clear();
  }
  return out;
}

Status FileHasher::Read(const std::string& path, bool authenticode, FileHashes& out) {
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
  // The Authenticode layout comes from the headers, in the first chunk (read whole).
  std::optional<pe::AuthenticodeLayout> layout;
  uint64_t offset = 0;
  for (;;) {
    size_t n = 0;
    if (offset == 0) {
      OTGUARD_ASSIGN_OR_RETURN(n, file.ReadFull(0, buffer_));
      if (authenticode) {
        auto found = pe::AuthenticodeLayoutOf(ByteSpan(buffer_.data(), n), info.size);
        if (found) {
          layout = std::move(*found);
          if (!authenticode_) {
            OTGUARD_ASSIGN_OR_RETURN(auto digest,
                                     platform::MultiDigest::Create(DigestBit(DigestKind::kSha256)));
            authenticode_.emplace(std::move(digest));
          }
          OTGUARD_RETURN_IF_ERROR(authenticode_->Reset());
        } else {
          out.authenticode_error = std::string(found.error().message());
        }
      }
    } else {
      OTGUARD_ASSIGN_OR_RETURN(n, file.ReadAt(offset, buffer_));
    }
    if (n == 0) break;
    if (offset + n > max_size_) return ResourceExhausted(too_large);  // grew while read
    const ByteSpan chunk(buffer_.data(), n);
    OTGUARD_RETURN_IF_ERROR(digest_.Update(chunk));
    if (layout)
      OTGUARD_RETURN_IF_ERROR(UpdateCovered(*authenticode_, layout->hashed, offset, chunk));
    offset += n;
  }
  file.AdviseDone();
  OTGUARD_ASSIGN_OR_RETURN(Digests digests, digest_.Finish());
  out.size = offset;  // what was hashed, should the file have changed since Stat
  out.md5 = HexOf(digests.md5);
  out.sha1 = HexOf(digests.sha1);
  out.sha256 = HexOf(digests.sha256);
  if (layout) {
    if (offset != info.size) {  // the layout was computed for another size
      out.authenticode_error = "the file changed size while it was read";
    } else {
      OTGUARD_ASSIGN_OR_RETURN(Digests authenticode_digest, authenticode_->Finish());
      out.authenticode_sha256 = HexOf(authenticode_digest.sha256);
    }
  }
  return Status();
}

}  // namespace otguard::host::internal
