// The parts of otguard/platform/crypto.h that read the same on every OS.
#include "otguard/platform/crypto.h"

namespace otguard::platform {

Result<std::array<uint8_t, 32>> Sha256(ByteSpan data) {
  OTGUARD_ASSIGN_OR_RETURN(MultiDigest digest, MultiDigest::Create(DigestBit(DigestKind::kSha256)));
  OTGUARD_RETURN_IF_ERROR(digest.Update(data));
  OTGUARD_ASSIGN_OR_RETURN(Digests d, digest.Finish());
  return *d.sha256;
}

Result<std::array<uint8_t, 20>> Sha1(ByteSpan data) {
  OTGUARD_ASSIGN_OR_RETURN(MultiDigest digest, MultiDigest::Create(DigestBit(DigestKind::kSha1)));
  OTGUARD_RETURN_IF_ERROR(digest.Update(data));
  OTGUARD_ASSIGN_OR_RETURN(Digests d, digest.Finish());
  return *d.sha1;
}

}  // namespace otguard::platform
