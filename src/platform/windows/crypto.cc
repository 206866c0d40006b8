// Windows implementation of otguard/platform/crypto.h: BCrypt (Vista and later, looked up at
// run time because XP has no bcrypt.dll) and CryptoAPI where BCrypt is absent.
#include "otguard/platform/crypto.h"

#include <windows.h>  // before every other Windows header

#include <bcrypt.h>
#include <wincrypt.h>

#include <atomic>
#include <cstdio>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "platform/windows/crypto_backend.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

// Index 0: MD5, 1: SHA-1, 2: SHA-256, matching the DigestKind bits 1 << index.
constexpr int kAlgorithms = 3;
constexpr size_t kDigestSize[kAlgorithms] = {16, 20, 32};
constexpr const wchar_t* kBcryptAlgorithm[kAlgorithms] = {
    BCRYPT_MD5_ALGORITHM, BCRYPT_SHA1_ALGORITHM, BCRYPT_SHA256_ALGORITHM};
// CALG_SHA_256: XP SP3's AES provider has it, but the headers hide it below _WIN32_WINNT 0x0502.
constexpr ALG_ID kCalgSha256 = ALG_CLASS_HASH | ALG_TYPE_ANY | 12;  // ALG_SID_SHA_256
constexpr ALG_ID kCapiAlgorithm[kAlgorithms] = {CALG_MD5, CALG_SHA1, kCalgSha256};
// Hash APIs take a ULONG length; larger chunks are fed in pieces.
constexpr size_t kMaxPiece = 1u << 30;

std::atomic<bool> force_crypto_api{false};

bool NtSuccess(NTSTATUS status) { return status >= 0; }

Status NtStatusError(const char* call, NTSTATUS status) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08lx", static_cast<unsigned long>(status));
  return Internal(std::string(call) + " failed: NTSTATUS " + text);
}

// One hash computation of one algorithm, reusable across files.
class Hasher {
 public:
  virtual ~Hasher() = default;
  virtual Status Reset() = 0;
  virtual Status Update(ByteSpan chunk) = 0;
  // Writes exactly out.size() bytes; the hasher then needs Reset() before reuse.
  virtual Status Finish(std::span<uint8_t> out) = 0;
};

// --- BCrypt -------------------------------------------------------------------------------

struct BcryptApi {
  decltype(&BCryptOpenAlgorithmProvider) open_provider = nullptr;
  decltype(&BCryptGetProperty) get_property = nullptr;
  decltype(&BCryptCreateHash) create_hash = nullptr;
  decltype(&BCryptHashData) hash_data = nullptr;
  decltype(&BCryptFinishHash) finish_hash = nullptr;
  decltype(&BCryptDestroyHash) destroy_hash = nullptr;
};

// An algorithm provider, opened once per process and never closed: opening one costs far
// more than a small file's hash, and providers are thread-safe.
struct BcryptProvider {
  BCRYPT_ALG_HANDLE handle = nullptr;
  ULONG object_length = 0;
  bool reusable = false;  // BCRYPT_HASH_REUSABLE_FLAG (Windows 8+): FinishHash resets the hash
};

struct BcryptState {
  BcryptApi api;
  BcryptProvider providers[kAlgorithms];
  bool available = false;  // every function and all three providers are there
};

BcryptProvider OpenProvider(const BcryptApi& api, const wchar_t* algorithm) {
  BcryptProvider p;
  if (!NtSuccess(api.open_provider(&p.handle, algorithm, nullptr, BCRYPT_HASH_REUSABLE_FLAG))) {
    // Before Windows 8 the flag is an invalid parameter: hashes are then re-created per file.
    p.handle = nullptr;
    if (!NtSuccess(api.open_provider(&p.handle, algorithm, nullptr, 0))) return {};
  } else {
    p.reusable = true;
  }
  ULONG got = 0;
  if (!NtSuccess(api.get_property(p.handle, BCRYPT_OBJECT_LENGTH,
                                  reinterpret_cast<PUCHAR>(&p.object_length),
                                  sizeof(p.object_length), &got, 0))) {
    p.handle = nullptr;  // leaks one provider handle once per process, never per file
  }
  return p;
}

BcryptState LoadBcrypt() {
  BcryptState s;
  // BCrypt is Vista's. On an OS that reports XP, CryptoAPI, as on the real XP (no bcrypt.dll):
  // also where a bcrypt.dll is there anyway (Wine's XP prefix, whose CryptoAPI is built on it),
  // so that what runs there is what runs on XP.
  if (!win::IsVistaOrLater()) return s;
  auto& a = s.api;
  a.open_provider = win::LoadSystemFunction<decltype(a.open_provider)>(
      L"bcrypt.dll", "BCryptOpenAlgorithmProvider");
  a.get_property =
      win::LoadSystemFunction<decltype(a.get_property)>(L"bcrypt.dll", "BCryptGetProperty");
  a.create_hash =
      win::LoadSystemFunction<decltype(a.create_hash)>(L"bcrypt.dll", "BCryptCreateHash");
  a.hash_data = win::LoadSystemFunction<decltype(a.hash_data)>(L"bcrypt.dll", "BCryptHashData");
  a.finish_hash =
      win::LoadSystemFunction<decltype(a.finish_hash)>(L"bcrypt.dll", "BCryptFinishHash");
  a.destroy_hash =
      win::LoadSystemFunction<decltype(a.destroy_hash)>(L"bcrypt.dll", "BCryptDestroyHash");
  if (!a.open_provider || !a.get_property || !a.create_hash || !a.hash_data || !a.finish_hash ||
      !a.destroy_hash) {
    return s;
  }
  for (int i = 0; i < kAlgorithms; ++i) {
    s.providers[i] = OpenProvider(a, kBcryptAlgorithm[i]);
    if (s.providers[i].handle == nullptr) return s;
  }
  s.available = true;
  return s;
}

// Thread-safe lazy initialisation (C++11 magic statics).
const BcryptState& Bcrypt() {
  static const BcryptState state = LoadBcrypt();
  return state;
}

class BcryptHasher final : public Hasher {
 public:
  BcryptHasher(const BcryptApi& api, const BcryptProvider& provider, size_t digest_size)
      : api_(api),
        provider_(provider),
        digest_size_(digest_size),
        object_(provider.object_length) {}
  ~BcryptHasher() override { Destroy(); }

  Status Reset() override {
    if (handle_ != nullptr && state_ == State::kFresh) return Status::Ok();
    if (handle_ != nullptr && provider_.reusable) {
      // A finished reusable hash is already reset; one with data is finished into scratch.
      if (state_ == State::kFinished) {
        state_ = State::kFresh;
        return Status::Ok();
      }
      uint8_t scratch[32];
      NTSTATUS st = api_.finish_hash(handle_, scratch, static_cast<ULONG>(digest_size_), 0);
      if (NtSuccess(st)) {
        state_ = State::kFresh;
        return Status::Ok();
      }
    }
    // The hash object lives in object_, so re-creating it allocates nothing.
    Destroy();
    NTSTATUS st = api_.create_hash(provider_.handle, &handle_, object_.data(),
                                   static_cast<ULONG>(object_.size()), nullptr, 0,
                                   provider_.reusable ? BCRYPT_HASH_REUSABLE_FLAG : 0);
    if (!NtSuccess(st)) {
      handle_ = nullptr;
      return NtStatusError("BCryptCreateHash", st);
    }
    state_ = State::kFresh;
    return Status::Ok();
  }

  Status Update(ByteSpan chunk) override {
    if (handle_ == nullptr || state_ == State::kFinished) {
      return FailedPrecondition("hash updated after Finish() without Reset()");
    }
    for (size_t done = 0; done < chunk.size();) {
      size_t n = std::min(chunk.size() - done, kMaxPiece);
      // BCryptHashData does not write its input; the API just lacks const.
      NTSTATUS st = api_.hash_data(handle_, const_cast<PUCHAR>(chunk.data() + done),
                                   static_cast<ULONG>(n), 0);
      if (!NtSuccess(st)) return NtStatusError("BCryptHashData", st);
      done += n;
      state_ = State::kDirty;
    }
    return Status::Ok();
  }

  Status Finish(std::span<uint8_t> out) override {
    if (handle_ == nullptr || state_ == State::kFinished) {
      return FailedPrecondition("Finish() called twice without Reset()");
    }
    NTSTATUS st = api_.finish_hash(handle_, out.data(), static_cast<ULONG>(out.size()), 0);
    state_ = State::kFinished;
    if (!NtSuccess(st)) return NtStatusError("BCryptFinishHash", st);
    return Status::Ok();
  }

 private:
  enum class State { kFresh, kDirty, kFinished };
  void Destroy() {
    if (handle_ != nullptr) api_.destroy_hash(handle_);
    handle_ = nullptr;
  }

  const BcryptApi& api_;
  const BcryptProvider& provider_;
  size_t digest_size_;
  std::vector<UCHAR> object_;  // the hash state, owned by us (BCrypt's caller-provided buffer)
  BCRYPT_HASH_HANDLE handle_ = nullptr;
  State state_ = State::kFresh;
};

// --- CryptoAPI (XP) --------------------------------------------------------------------------

// A verify context (no key container) of the AES provider type, which alone has SHA-256 on XP
// SP3; acquired once per process. CSP handles may be shared between threads.
Result<HCRYPTPROV> CapiProvider() {
  static const std::pair<HCRYPTPROV, DWORD> provider = [] {
    HCRYPTPROV p = 0;
    if (!CryptAcquireContextW(&p, nullptr, nullptr, PROV_RSA_AES,
                              CRYPT_VERIFYCONTEXT | CRYPT_SILENT)) {
      return std::make_pair(HCRYPTPROV{0}, GetLastError());
    }
    return std::make_pair(p, DWORD{0});
  }();
  if (provider.first == 0) {
    return Unexpected(win::WinErrorToStatus(provider.second, "CryptAcquireContext(PROV_RSA_AES)"));
  }
  return provider.first;
}

class CapiHasher final : public Hasher {
 public:
  CapiHasher(HCRYPTPROV provider, ALG_ID algorithm) : provider_(provider), algorithm_(algorithm) {}
  ~CapiHasher() override { Destroy(); }

  // CryptoAPI hashes cannot be reset: a new one is made per file.
  Status Reset() override {
    Destroy();
    if (!CryptCreateHash(provider_, algorithm_, 0, 0, &handle_)) {
      handle_ = 0;
      return win::LastErrorToStatus("CryptCreateHash");
    }
    return Status::Ok();
  }

  Status Update(ByteSpan chunk) override {
    if (handle_ == 0) return FailedPrecondition("hash updated after Finish() without Reset()");
    for (size_t done = 0; done < chunk.size();) {
      size_t n = std::min(chunk.size() - done, kMaxPiece);
      if (!CryptHashData(handle_, chunk.data() + done, static_cast<DWORD>(n), 0)) {
        return win::LastErrorToStatus("CryptHashData");
      }
      done += n;
    }
    return Status::Ok();
  }

  Status Finish(std::span<uint8_t> out) override {
    if (handle_ == 0) return FailedPrecondition("Finish() called twice without Reset()");
    DWORD len = static_cast<DWORD>(out.size());
    bool ok = CryptGetHashParam(handle_, HP_HASHVAL, out.data(), &len, 0) && len == out.size();
    Status status = ok ? Status::Ok() : win::LastErrorToStatus("CryptGetHashParam(HP_HASHVAL)");
    Destroy();
    return status;
  }

 private:
  void Destroy() {
    if (handle_ != 0) CryptDestroyHash(handle_);
    handle_ = 0;
  }

  HCRYPTPROV provider_;
  ALG_ID algorithm_;
  HCRYPTHASH handle_ = 0;
};

Result<std::unique_ptr<Hasher>> MakeHasher(int index) {
  if (win::ActiveDigestBackend() == win::DigestBackend::kBcrypt) {
    const BcryptState& b = Bcrypt();
    return std::make_unique<BcryptHasher>(b.api, b.providers[index], kDigestSize[index]);
  }
  OTGUARD_ASSIGN_OR_RETURN(HCRYPTPROV provider, CapiProvider());
  return std::make_unique<CapiHasher>(provider, kCapiAlgorithm[index]);
}

}  // namespace

namespace win {

DigestBackend ActiveDigestBackend() {
  if (force_crypto_api.load(std::memory_order_relaxed) || !Bcrypt().available) {
    return DigestBackend::kCryptoApi;
  }
  return DigestBackend::kBcrypt;
}

void ForceCryptoApiForTesting(bool force) {
  force_crypto_api.store(force, std::memory_order_relaxed);
}

}  // namespace win

struct MultiDigest::Impl {
  std::unique_ptr<Hasher> hashers[kAlgorithms];  // null when not wanted
};

MultiDigest::MultiDigest(DigestSet which, std::unique_ptr<Impl> impl)
    : which_(which), impl_(std::move(impl)) {}
MultiDigest::MultiDigest(MultiDigest&&) noexcept = default;
MultiDigest& MultiDigest::operator=(MultiDigest&&) noexcept = default;
MultiDigest::~MultiDigest() = default;

Result<MultiDigest> MultiDigest::Create(DigestSet which) {
  if ((which & ~kAllDigests) != 0) return Unexpected(InvalidArgument("unknown digest kind"));
  auto impl = std::make_unique<Impl>();
  for (int i = 0; i < kAlgorithms; ++i) {
    if ((which & (1u << i)) == 0) continue;
    OTGUARD_ASSIGN_OR_RETURN(impl->hashers[i], MakeHasher(i));
  }
  MultiDigest digest(which, std::move(impl));
  OTGUARD_RETURN_IF_ERROR(digest.Reset());
  return digest;
}

Status MultiDigest::Reset() {
  for (auto& h : impl_->hashers) {
    if (h) OTGUARD_RETURN_IF_ERROR(h->Reset());
  }
  return Status::Ok();
}

Status MultiDigest::Update(ByteSpan chunk) {
  for (auto& h : impl_->hashers) {
    if (h) OTGUARD_RETURN_IF_ERROR(h->Update(chunk));
  }
  return Status::Ok();
}

namespace {
template <size_t N>
Status FinishOne(Hasher* hasher, std::optional<std::array<uint8_t, N>>* out) {
  if (hasher == nullptr) return Status::Ok();
  std::array<uint8_t, N> value;
  OTGUARD_RETURN_IF_ERROR(hasher->Finish(value));
  *out = value;
  return Status::Ok();
}
}  // namespace

Result<Digests> MultiDigest::Finish() {
  Digests d;
  OTGUARD_RETURN_IF_ERROR(FinishOne(impl_->hashers[0].get(), &d.md5));
  OTGUARD_RETURN_IF_ERROR(FinishOne(impl_->hashers[1].get(), &d.sha1));
  OTGUARD_RETURN_IF_ERROR(FinishOne(impl_->hashers[2].get(), &d.sha256));
  return d;
}

}  // namespace otguard::platform
