// Message digests over streamed data (OpenSSL EVP on Linux, BCrypt on Windows).
#ifndef OTGUARD_PLATFORM_CRYPTO_H_
#define OTGUARD_PLATFORM_CRYPTO_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "otguard/base/bytes.h"
#include "otguard/base/digests.h"
#include "otguard/base/status.h"

namespace otguard::platform {

// Computes any subset of MD5, SHA-1 and SHA-256 in one pass over chunks. Move-only; one thread
// at a time. Reset() makes it reusable for the next file without new allocations.
class MultiDigest {
 public:
  // An empty set is valid: Update() then does nothing and Finish() returns no digest.
  static Result<MultiDigest> Create(DigestSet which);
  MultiDigest(MultiDigest&&) noexcept;
  MultiDigest& operator=(MultiDigest&&) noexcept;
  ~MultiDigest();

  Status Reset();
  Status Update(ByteSpan chunk);
  // Returns the digests of everything given since the last Reset(); call Reset() before reuse.
  Result<Digests> Finish();
  DigestSet which() const { return which_; }

 private:
  struct Impl;
  MultiDigest(DigestSet which, std::unique_ptr<Impl> impl);
  DigestSet which_ = 0;
  std::unique_ptr<Impl> impl_;
};

// One-shot digests of a buffer. Errors only when the OS's hash provider fails.
Result<std::array<uint8_t, 32>> Sha256(ByteSpan data);
// SHA-1 for identifiers that specify it (Community ID), not for security decisions.
Result<std::array<uint8_t, 20>> Sha1(ByteSpan data);

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_CRYPTO_H_
