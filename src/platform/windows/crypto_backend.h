// Which Windows API computes digests: BCrypt (Vista and later) or CryptoAPI (XP, which has no
// bcrypt.dll). Internal to the platform layer: only tests choose, to exercise the XP path on a
// newer Windows or under Wine.
#ifndef OTGUARD_SRC_PLATFORM_WINDOWS_CRYPTO_BACKEND_H_
#define OTGUARD_SRC_PLATFORM_WINDOWS_CRYPTO_BACKEND_H_

namespace otguard::platform::win {

enum class DigestBackend {
  kBcrypt,     // bcrypt.dll, loaded at run time
  kCryptoApi,  // advapi32 CryptCreateHash with a PROV_RSA_AES verify context
};

// The backend that MultiDigest::Create() and Sha256() use from now on: BCrypt on Vista and
// later when bcrypt.dll has what is needed, else CryptoAPI. Thread-safe.
DigestBackend ActiveDigestBackend();

// Tests only: true makes later Create() calls use CryptoAPI even where BCrypt exists; objects
// already created keep their backend. Thread-safe.
void ForceCryptoApiForTesting(bool force);

}  // namespace otguard::platform::win

#endif  // OTGUARD_SRC_PLATFORM_WINDOWS_CRYPTO_BACKEND_H_
