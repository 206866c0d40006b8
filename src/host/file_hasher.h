// MD5, SHA-1 and SHA-256 of files in one read each, with one digest context and one buffer for
// every file (the inventory's images, the hunt's files): nothing is allocated per file but the
// strings kept. Read-only, no lock (platform::ReadOnlyFile).
#ifndef OTGUARD_SRC_HOST_FILE_HASHER_H_
#define OTGUARD_SRC_HOST_FILE_HASHER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/platform/crypto.h"

namespace otguard::host::internal {

struct FileHashes {
  uint64_t size = 0;
  std::string md5, sha1, sha256;  // lower-case hex; "" when `error` is set
  // Only when asked (Hash(path, true)): the Authenticode SHA-256 of a PE image (pe.h's
  // AuthenticodeLayoutOf), what AppLocker's hash rules and catalogs name; "" when the file is
  // not a PE or its layout is refused (then `authenticode_error` says why).
  std::string authenticode_sha256;
  std::string authenticode_error;
  std::string error;  // "not found", "permission denied", "larger than N bytes" ...
};

class FileHasher {
 public:
  static Result<FileHasher> Create(uint64_t max_size);

  // Follows symlinks (a program path names what runs). Never fails: problems are `error`.
  // `authenticode`: also the Authenticode digest, in the same single read.
  FileHashes Hash(const std::string& path, bool authenticode = false);

 private:
  FileHasher(platform::MultiDigest digest, uint64_t max_size);
  Status Read(const std::string& path, bool authenticode, FileHashes& out);

  platform::MultiDigest digest_;
  std::optional<platform::MultiDigest> authenticode_;  // SHA-256 only; made on first use
  std::vector<uint8_t> buffer_;
  uint64_t max_size_;
};

// "not found", "permission denied" or the status's message.
std::string FileErrorText(const Status& status);

}  // namespace otguard::host::internal

#endif  // OTGUARD_SRC_HOST_FILE_HASHER_H_
