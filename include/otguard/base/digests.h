// File digests as values: which ones to compute and their results. Shared by the crypto
// implementation (src/platform), the signature database (src/sigdb) and every event that
// carries a hash, so a digest never needs converting between parts.
#ifndef OTGUARD_BASE_DIGESTS_H_
#define OTGUARD_BASE_DIGESTS_H_

#include <array>
#include <cstdint>
#include <optional>

namespace otguard {

enum class DigestKind : uint32_t { kMd5 = 1, kSha1 = 2, kSha256 = 4 };
// A bit set of DigestKind values.
using DigestSet = uint32_t;
constexpr DigestSet DigestBit(DigestKind kind) { return static_cast<uint32_t>(kind); }
constexpr DigestSet kAllDigests =
    DigestBit(DigestKind::kMd5) | DigestBit(DigestKind::kSha1) | DigestBit(DigestKind::kSha256);

// The digests of one file; only those that were asked for are set.
struct Digests {
  std::optional<std::array<uint8_t, 16>> md5;
  std::optional<std::array<uint8_t, 20>> sha1;
  std::optional<std::array<uint8_t, 32>> sha256;
};

}  // namespace otguard

#endif  // OTGUARD_BASE_DIGESTS_H_
