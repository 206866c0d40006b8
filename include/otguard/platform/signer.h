// Who signed a file (Authenticode through WinTrust on Windows). Unimplemented on Linux (the
// owning package takes its place there, with the inventory issue).
//
// Thread-safety: thread-safe.
#ifndef OTGUARD_PLATFORM_SIGNER_H_
#define OTGUARD_PLATFORM_SIGNER_H_

#include <string>

#include "otguard/base/status.h"

namespace otguard::platform {

enum class SignatureState {
  kUnsigned,   // neither an embedded signature nor a security catalog listing the file
  kTrusted,    // signed, and the chain ends at a trusted root
  kUntrusted,  // signed, but the chain is not trusted (self-signed, unknown root, expired)
  kInvalid,    // a signature that does not match the file (tampered)
};

struct FileSignature {
  SignatureState state = SignatureState::kUnsigned;
  std::string subject;  // the signer's common name ("Microsoft Windows"); "" when unsigned
  // The signer as AppLocker's publisher rules name it: the certificate subject's O, L, S and C,
  // in that order, upper-cased ("O=MICROSOFT CORPORATION, L=REDMOND, S=WASHINGTON, C=US", as
  // Get-AppLockerFileInformation shows it); absent attributes are left out; "" when unsigned.
  std::string publisher;
  std::string issuer;           // the issuing CA's common name
  std::string thumbprint_sha1;  // hex, of the signer's certificate
  bool catalog = false;         // the signature is in a security catalog, not in the file
  std::string catalog_path;     // that catalog (under System32\CatRoot), UTF-8; "" when embedded
};

// Reads only; never contacts the network for revocation (stations are offline). NotFound /
// PermissionDenied when the file cannot be opened.
Result<FileSignature> GetFileSignature(const std::string& path);

const char* SignatureStateName(SignatureState state);  // "unsigned", "trusted", ...

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_SIGNER_H_
