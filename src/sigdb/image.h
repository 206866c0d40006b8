// Building the compiled image from parsed signatures, and the Database that reads one.
#ifndef OTGUARD_SRC_SIGDB_IMAGE_H_
#define OTGUARD_SRC_SIGDB_IMAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "otguard/sigdb/database.h"
#include "sigdb/parse.h"

namespace otguard::sigdb {

struct SigSource {
  std::string path;
  uint32_t line = 0;
};

struct CompileInput {
  std::vector<std::pair<HashSig, SigSource>> hashes;
  std::vector<std::pair<HashSig, SigSource>> allowlist;
  std::vector<std::pair<BodySig, SigSource>> bodies;
};

// Lays out the whole database image (header, directory, block table, sections).
std::vector<uint8_t> BuildImage(const CompileInput& input, uint64_t created_unix);

// The bytes behind a Database: an owned buffer or a read-only file mapping.
class ImageStorage {
 public:
  virtual ~ImageStorage() = default;
  virtual const uint8_t* data() const = 0;
  virtual size_t size() const = 0;
};
std::unique_ptr<ImageStorage> OwnedStorage(std::vector<uint8_t> bytes);
// Maps `path` read-only; NotFound / IoError on failure.
Result<std::unique_ptr<ImageStorage>> MapFile(const std::string& path);

// Checks the image (header, directory, structure, and the eagerly verified blocks) and wraps
// it. Corrupt when anything is inconsistent.
Result<std::shared_ptr<const Database>> OpenImage(std::unique_ptr<ImageStorage> storage);

void Sha256(const uint8_t* data, size_t size, uint8_t out[32]);

}  // namespace otguard::sigdb

#endif  // OTGUARD_SRC_SIGDB_IMAGE_H_
