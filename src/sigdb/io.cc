// The signature database's storage, on top of src/platform (the only place with OS calls).
#include "sigdb/io.h"

#include <algorithm>
#include <array>
#include <utility>

#include "otguard/platform/crypto.h"
#include "otguard/platform/files.h"
#include "sigdb/image.h"

namespace otguard::sigdb {
namespace {

class VectorStorage final : public ImageStorage {
 public:
  explicit VectorStorage(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  const uint8_t* data() const override { return bytes_.data(); }
  size_t size() const override { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
};

class MappedStorage final : public ImageStorage {
 public:
  explicit MappedStorage(platform::MappedFile file) : file_(std::move(file)) {}
  const uint8_t* data() const override { return file_.bytes().data(); }
  size_t size() const override { return file_.bytes().size(); }

 private:
  platform::MappedFile file_;
};

// A text signature file larger than this is not a signature file (ClamAV's daily.cvd
// unpacked is ~1 GB of all kinds; one of our source files is far smaller).
constexpr uint64_t kMaxSourceFileBytes = 2ull << 30;

}  // namespace

std::unique_ptr<ImageStorage> OwnedStorage(std::vector<uint8_t> bytes) {
  return std::make_unique<VectorStorage>(std::move(bytes));
}

Result<std::unique_ptr<ImageStorage>> MapFile(const std::string& path) {
  OTGUARD_ASSIGN_OR_RETURN(platform::MappedFile file, platform::MappedFile::Open(path));
  return std::make_unique<MappedStorage>(std::move(file));
}

Status WriteFileAtomically(const std::string& path, ByteSpan bytes) {
  std::string_view data(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return platform::WriteFileAtomic(path, data, 0644);
}

void Sha256(const uint8_t* data, size_t size, uint8_t out[32]) {
  auto digest = platform::Sha256(ByteSpan(data, size));
  // Hashing memory cannot fail short of a broken crypto library; a zero digest then fails
  // every checksum comparison, so the database is refused rather than trusted.
  std::array<uint8_t, 32> value{};
  if (digest) value = *digest;
  std::copy(value.begin(), value.end(), out);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  return platform::ReadFileToString(path, kMaxSourceFileBytes);
}

}  // namespace otguard::sigdb
