// Authenticode is a Windows format; on Linux the owning package answers "where does this file
// come from" (inventory issue).
#include "otguard/platform/signer.h"

namespace otguard::platform {

Result<FileSignature> GetFileSignature(const std::string&) {
  return Unexpected(Unimplemented("Authenticode signatures are checked on Windows only"));
}

}  // namespace otguard::platform
