// Linux implementation of otguard/platform/crypto.h: OpenSSL EVP.
#include "otguard/platform/crypto.h"

#include <openssl/evp.h>

#include <utility>

namespace otguard::platform {
namespace {

struct EvpCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using EvpCtx = std::unique_ptr<EVP_MD_CTX, EvpCtxDeleter>;

}  // namespace

struct MultiDigest::Impl {
  // Index 0: MD5, 1: SHA-1, 2: SHA-256; null when not wanted.
  EvpCtx ctx[3];
  const EVP_MD* md[3] = {EVP_md5(), EVP_sha1(), EVP_sha256()};
};

MultiDigest::MultiDigest(DigestSet which, std::unique_ptr<Impl> impl)
    : which_(which), impl_(std::move(impl)) {}
MultiDigest::MultiDigest(MultiDigest&&) noexcept = default;
MultiDigest& MultiDigest::operator=(MultiDigest&&) noexcept = default;
MultiDigest::~MultiDigest() = default;

Result<MultiDigest> MultiDigest::Create(DigestSet which) {
  auto impl = std::make_unique<Impl>();
  for (int i = 0; i < 3; ++i) {
    if ((which & (1u << i)) == 0) continue;
    impl->ctx[i].reset(EVP_MD_CTX_new());
    if (!impl->ctx[i]) return Unexpected(ResourceExhausted("EVP_MD_CTX_new"));
  }
  MultiDigest digest(which, std::move(impl));
  OTGUARD_RETURN_IF_ERROR(digest.Reset());
  return digest;
}

Status MultiDigest::Reset() {
  for (int i = 0; i < 3; ++i) {
    if (impl_->ctx[i] && EVP_DigestInit_ex(impl_->ctx[i].get(), impl_->md[i], nullptr) != 1) {
      return Internal("EVP_DigestInit_ex failed");
    }
  }
  return Status::Ok();
}

Status MultiDigest::Update(ByteSpan chunk) {
  for (auto& ctx : impl_->ctx) {
    if (ctx && EVP_DigestUpdate(ctx.get(), chunk.data(), chunk.size()) != 1) {
      return Internal("EVP_DigestUpdate failed");
    }
  }
  return Status::Ok();
}

namespace {
template <size_t N>
Status FinishOne(EVP_MD_CTX* ctx, std::optional<std::array<uint8_t, N>>* out) {
  if (ctx == nullptr) return Status::Ok();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != N) return Internal("EVP_DigestFinal_ex");
  std::array<uint8_t, N> value;
  std::copy(md, md + N, value.begin());
  *out = value;
  return Status::Ok();
}
}  // namespace

Result<Digests> MultiDigest::Finish() {
  Digests d;
  OTGUARD_RETURN_IF_ERROR(FinishOne(impl_->ctx[0].get(), &d.md5));
  OTGUARD_RETURN_IF_ERROR(FinishOne(impl_->ctx[1].get(), &d.sha1));
  OTGUARD_RETURN_IF_ERROR(FinishOne(impl_->ctx[2].get(), &d.sha256));
  return d;
}

}  // namespace otguard::platform
