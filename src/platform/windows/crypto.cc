// STUB: replaced by the Windows implementation.
#include "otguard/platform/crypto.h"
namespace otguard::platform {
struct MultiDigest::Impl {};
Result<MultiDigest> MultiDigest::Create(DigestSet) { return Unexpected(Unimplemented("TODO")); }
MultiDigest::MultiDigest(MultiDigest&&) noexcept = default;
MultiDigest& MultiDigest::operator=(MultiDigest&&) noexcept = default;
MultiDigest::~MultiDigest() = default;
Status MultiDigest::Reset() { return Unimplemented("TODO"); }
Status MultiDigest::Update(ByteSpan) { return Unimplemented("TODO"); }
Result<Digests> MultiDigest::Finish() { return Unexpected(Unimplemented("TODO")); }
Result<std::array<uint8_t, 32>> Sha256(ByteSpan) { return Unexpected(Unimplemented("TODO")); }
}  // namespace otguard::platform
