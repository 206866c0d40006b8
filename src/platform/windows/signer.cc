// STUB: replaced by the Windows implementation.
#include "otguard/platform/signer.h"
namespace otguard::platform {
Result<FileSignature> GetFileSignature(const std::string&) {
  return Unexpected(Unimplemented("TODO"));
}
}  // namespace otguard::platform
