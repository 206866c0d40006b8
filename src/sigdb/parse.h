// Line parsers for ClamAV signature files: .hdb/.hsb/.fp/.sfp (hash) and .ndb (body).
// Semantics follow ClamAV 1.4 as checked against clamscan (see database.h).
#ifndef OTGUARD_SRC_SIGDB_PARSE_H_
#define OTGUARD_SRC_SIGDB_PARSE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "otguard/base/status.h"
#include "otguard/sigdb/database.h"
#include "sigdb/pattern.h"

namespace otguard::sigdb {

// The functionality level clamscan 1.4 runs at: signatures whose min_flevel is above it, or
// whose max_flevel is below it, are skipped silently, as clamscan does.
constexpr uint32_t kClamAvFlevel = 216;
constexpr uint64_t kAnySize = ~uint64_t{0};

enum class SourceKind { kHdb, kHsb, kNdb, kFp, kSfp, kUnknown };
SourceKind SourceKindOf(std::string_view file_name);
inline bool IsAllowlist(SourceKind k) { return k == SourceKind::kFp || k == SourceKind::kSfp; }

struct HashSig {
  DigestKind kind = DigestKind::kMd5;
  std::array<uint8_t, 32> digest{};  // first DigestSize(kind) bytes used
  uint64_t size = kAnySize;
  std::string name;
};

enum class OffsetKind : uint8_t {
  kAny = 0,
  kAbsolute = 1,       // n
  kEof = 2,            // EOF-n (value = n)
  kEntryPoint = 3,     // EP+n / EP-n (value signed)
  kSection = 4,        // Sx+n
  kLastSection = 5,    // SL+n
  kSectionEntire = 6,  // SEx: start anywhere in [section start, section end + shift]
};

struct Offset {
  OffsetKind kind = OffsetKind::kAny;
  int64_t value = 0;
  uint32_t section = 0;
  uint64_t shift = 0;  // the `,maxshift` part
};

struct BodySig {
  std::string name;
  uint8_t target = 0;  // 0 any file, 1 PE
  Offset offset;
  Pattern pattern;
};

// What became of one line.
enum class LineResult { kSignature, kSkipped, kError };

size_t DigestSize(DigestKind kind);

// Parses "HASH:SIZE:NAME[:MIN_FLEVEL[:MAX_FLEVEL]]". kSkipped for comments, blank lines and
// signatures for another functionality level; kError sets *error.
LineResult ParseHashLine(std::string_view line, HashSig* out, Status* error);
// Parses "NAME:TARGET:OFFSET:HEX[:MIN_FLEVEL[:MAX_FLEVEL]]".
LineResult ParseBodyLine(std::string_view line, BodySig* out, Status* error);
// Parses the OFFSET field; exposed for tests.
Result<Offset> ParseOffset(std::string_view text, uint8_t target);

}  // namespace otguard::sigdb

#endif  // OTGUARD_SRC_SIGDB_PARSE_H_
