// Windows implementation of otguard/platform/signer.h: WinVerifyTrust for the verdict, the
// embedded PKCS#7 for who signed. Most of System32 carries no signature of its own but is listed
// in a security catalog (CatRoot\*.cat, a signed list of file hashes), so an unsigned file is
// looked up there too, and the catalog's PKCS#7 says who signed it. The file is read through
// one handle of ours, opened with full sharing, so a file being written or replaced by its
// owner is never locked by a scan.
#include "otguard/platform/signer.h"

#include <windows.h>  // before every other Windows header

#include <wincrypt.h>  // before the headers that use its types

#include <mscat.h>
#include <mssip.h>
#include <softpub.h>
#include <wintrust.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "otguard/base/bytes.h"
#include "platform/windows/paths.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

// WinVerifyTrust's result as a state; nullopt for results that say nothing about the file's
// signature (the verification itself failed).
std::optional<SignatureState> StateOfTrustResult(LONG result) {
  switch (static_cast<HRESULT>(result)) {
    case ERROR_SUCCESS:
      return SignatureState::kTrusted;
    case TRUST_E_NOSIGNATURE:
    case TRUST_E_SUBJECT_FORM_UNKNOWN:
    case TRUST_E_PROVIDER_UNKNOWN:
      return SignatureState::kUnsigned;
    case TRUST_E_BAD_DIGEST:
    case CRYPT_E_HASH_VALUE:
    case TRUST_E_CERT_SIGNATURE:  // the signature over the content does not verify
      return SignatureState::kInvalid;
    case CERT_E_UNTRUSTEDROOT:
    case CERT_E_UNTRUSTEDTESTROOT:
    case CERT_E_CHAINING:
    case CERT_E_EXPIRED:
    case CERT_E_VALIDITYPERIODNESTING:
    case CERT_E_REVOKED:
    case CERT_E_WRONG_USAGE:
    case CERT_E_UNTRUSTEDCA:
    case CERT_E_ROLE:
    case CERT_E_PURPOSE:
    case CERT_E_CRITICAL:
    case CERT_E_MALFORMED:
    case CRYPT_E_REVOKED:
    case CRYPT_E_NO_REVOCATION_CHECK:
    case CRYPT_E_REVOCATION_OFFLINE:
    case TRUST_E_EXPLICIT_DISTRUST:
    case TRUST_E_SUBJECT_NOT_TRUSTED:
    case TRUST_E_NO_SIGNER_CERT:
    case TRUST_E_COUNTER_SIGNER:
    case TRUST_E_TIME_STAMP:
    case TRUST_E_FINANCIAL_CRITERIA:
    case TRUST_E_BASIC_CONSTRAINTS:
    case CRYPT_E_SECURITY_SETTINGS:  // policy forbids this publisher: signed, not trusted
      return SignatureState::kUntrusted;
    default:
      return std::nullopt;
  }
}

// Verifies the file's embedded signature; never contacts the network (no revocation check,
// URL retrieval from the cache only) and never shows UI.
LONG VerifyEmbedded(const std::wstring& path, HANDLE file) {
  WINTRUST_FILE_INFO file_info{};
  file_info.cbStruct = sizeof(file_info);
  file_info.pcwszFilePath = path.c_str();
  file_info.hFile = file;  // WinTrust then reads through our handle, not one of its own

  WINTRUST_DATA data{};
  data.cbStruct = sizeof(data);
  data.dwUIChoice = WTD_UI_NONE;
  data.fdwRevocationChecks = WTD_REVOKE_NONE;
  data.dwUnionChoice = WTD_CHOICE_FILE;
  data.pFile = &file_info;
  data.dwStateAction = WTD_STATEACTION_IGNORE;
  data.dwProvFlags = WTD_CACHE_ONLY_URL_RETRIEVAL | WTD_REVOCATION_CHECK_NONE;

  GUID action = WINTRUST_ACTION_GENERIC_VERIFY_V2;
  return WinVerifyTrust(static_cast<HWND>(INVALID_HANDLE_VALUE), &action, &data);
}

// The embedded PKCS#7 SignedData (DER), read by the file type's subject interface package
// through our handle; empty when the file has none.
std::vector<BYTE> EmbeddedSignedData(const std::wstring& path, HANDLE file) {
  GUID subject{};
  if (!CryptSIPRetrieveSubjectGuid(path.c_str(), file, &subject)) return {};
  SIP_SUBJECTINFO info{};
  info.cbSize = sizeof(info);
  info.pgSubjectType = &subject;
  info.hFile = file;
  info.pwsFileName = path.c_str();
  DWORD encoding = 0;
  DWORD size = 0;
  if (!CryptSIPGetSignedDataMsg(&info, &encoding, 0, &size, nullptr) || size == 0) return {};
  std::vector<BYTE> der(size);
  if (!CryptSIPGetSignedDataMsg(&info, &encoding, 0, &size, der.data())) return {};
  der.resize(size);
  return der;
}

std::string NameOf(PCCERT_CONTEXT cert, DWORD flags) {
  wchar_t name[256];
  DWORD n = CertGetNameStringW(cert, CERT_NAME_ATTR_TYPE, flags,
                               const_cast<char*>(szOID_COMMON_NAME), name, 256);
  if (n <= 1) {  // no CN: the name Windows would show (O, OU or e-mail)
    n = CertGetNameStringW(cert, CERT_NAME_SIMPLE_DISPLAY_TYPE, flags, nullptr, name, 256);
  }
  return n > 1 ? win::WideToUtf8(name, n) : std::string();
}

// AppLocker's publisher name of a certificate (see signer.h).
std::string PublisherName(PCCERT_CONTEXT cert) {
  static const std::pair<const char*, const char*> kParts[] = {{"O", szOID_ORGANIZATION_NAME},
                                                               {"L", szOID_LOCALITY_NAME},
                                                               {"S", szOID_STATE_OR_PROVINCE_NAME},
                                                               {"C", szOID_COUNTRY_NAME}};
  std::string out;
  for (const auto& [label, oid] : kParts) {
    wchar_t value[256];
    DWORD n = CertGetNameStringW(cert, CERT_NAME_ATTR_TYPE, 0, const_cast<char*>(oid), value, 256);
    if (n <= 1) continue;
    CharUpperBuffW(value, n - 1);
    out += (out.empty() ? "" : ", ") + std::string(label) + "=" + win::WideToUtf8(value, n);
  }
  return out;
}

std::string Sha1Thumbprint(PCCERT_CONTEXT cert) {
  BYTE hash[20];
  DWORD size = sizeof(hash);
  if (!CertGetCertificateContextProperty(cert, CERT_SHA1_HASH_PROP_ID, hash, &size)) return {};
  return HexEncode(ByteSpan(hash, size));
}

// The first signer's certificate, from the certificates the message carries; null if absent.
PCCERT_CONTEXT FindSignerCertificate(HCRYPTMSG msg, HCERTSTORE store) {
  DWORD size = 0;
  if (!CryptMsgGetParam(msg, CMSG_SIGNER_INFO_PARAM, 0, nullptr, &size) || size == 0) {
    return nullptr;
  }
  std::vector<BYTE> buffer(size);
  if (!CryptMsgGetParam(msg, CMSG_SIGNER_INFO_PARAM, 0, buffer.data(), &size)) return nullptr;
  const auto* signer = reinterpret_cast<const CMSG_SIGNER_INFO*>(buffer.data());
  CERT_INFO wanted{};
  wanted.Issuer = signer->Issuer;
  wanted.SerialNumber = signer->SerialNumber;
  return CertFindCertificateInStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                                    CERT_FIND_SUBJECT_CERT, &wanted, nullptr);
}

// Whether the signer's chain ends at a root the machine trusts. Wine 8's WinVerifyTrust
// reports a self-signed Authenticode signature as trusted (0), so a "trusted" verdict is
// confirmed here; on Windows this agrees with WinVerifyTrust. Only the root and signature bits
// count: time validity is WinVerifyTrust's (it honours timestamps, which this check cannot),
// and no revocation is checked (offline stations).
bool ChainEndsAtTrustedRoot(PCCERT_CONTEXT cert, HCERTSTORE message_store) {
  CERT_CHAIN_PARA para{};
  para.cbSize = sizeof(para);
  PCCERT_CHAIN_CONTEXT chain = nullptr;
  if (!CertGetCertificateChain(nullptr, cert, nullptr, message_store, &para,
                               CERT_CHAIN_CACHE_ONLY_URL_RETRIEVAL, nullptr, &chain)) {
    return false;
  }
  constexpr DWORD kUntrustedBits = CERT_TRUST_IS_UNTRUSTED_ROOT | CERT_TRUST_IS_PARTIAL_CHAIN |
                                   CERT_TRUST_IS_NOT_SIGNATURE_VALID |
                                   CERT_TRUST_IS_EXPLICIT_DISTRUST | CERT_TRUST_IS_REVOKED |
                                   CERT_TRUST_IS_CYCLIC;
  bool trusted = (chain->TrustStatus.dwErrorStatus & kUntrustedBits) == 0;
  CertFreeCertificateChain(chain);
  return trusted;
}

// Who signed a PKCS#7 message, and whether that signer's chain ends at a trusted root.
struct SignerIdentity {
  std::string subject;
  std::string publisher;
  std::string issuer;
  std::string thumbprint_sha1;
  bool chain_trusted = false;  // only computed when asked (it costs a chain build)
};

// The first signer of `der`; nullopt when the message cannot be parsed or lacks its certificate.
std::optional<SignerIdentity> IdentifySigner(const BYTE* der, size_t size, bool check_chain) {
  CRYPT_DATA_BLOB blob{static_cast<DWORD>(size), const_cast<BYTE*>(der)};
  DWORD encoding = 0, content_type = 0, format_type = 0;
  HCERTSTORE store = nullptr;
  HCRYPTMSG msg = nullptr;
  if (size == 0 || size > MAXDWORD ||
      !CryptQueryObject(CERT_QUERY_OBJECT_BLOB, &blob, CERT_QUERY_CONTENT_FLAG_PKCS7_SIGNED,
                        CERT_QUERY_FORMAT_FLAG_BINARY, 0, &encoding, &content_type, &format_type,
                        &store, &msg, nullptr)) {
    return std::nullopt;
  }
  std::optional<SignerIdentity> identity;
  PCCERT_CONTEXT cert = FindSignerCertificate(msg, store);
  if (cert != nullptr) {
    identity.emplace();
    identity->subject = NameOf(cert, 0);
    identity->publisher = PublisherName(cert);
    identity->issuer = NameOf(cert, CERT_NAME_ISSUER_FLAG);
    identity->thumbprint_sha1 = Sha1Thumbprint(cert);
    identity->chain_trusted = check_chain && ChainEndsAtTrustedRoot(cert, store);
    CertFreeCertificateContext(cert);
  }
  CryptMsgClose(msg);
  CertCloseStore(store, 0);
  return identity;
}

// Fills the signer's names and, for a "trusted" verdict, applies the chain check.
void ApplySigner(const SignerIdentity& signer, FileSignature* out) {
  out->subject = signer.subject;
  out->publisher = signer.publisher;
  out->issuer = signer.issuer;
  out->thumbprint_sha1 = signer.thumbprint_sha1;
  if (out->state == SignatureState::kTrusted && !signer.chain_trusted) {
    out->state = SignatureState::kUntrusted;
  }
}

// ---- Security catalogs ----

// Windows 8+ only (the i686 build runs on XP): looked up at run time. Both or neither: a
// SHA-256 context is of no use without the function that hashes with it.
struct Sha256CatalogFunctions {
  decltype(&CryptCATAdminAcquireContext2) acquire = nullptr;
  decltype(&CryptCATAdminCalcHashFromFileHandle2) hash = nullptr;
  bool available() const { return acquire != nullptr && hash != nullptr; }
};

const Sha256CatalogFunctions& Sha256Catalog() {
  static const Sha256CatalogFunctions functions = [] {
    Sha256CatalogFunctions f;
    f.acquire = win::LoadSystemFunction<decltype(f.acquire)>(L"wintrust.dll",
                                                             "CryptCATAdminAcquireContext2");
    f.hash = win::LoadSystemFunction<decltype(f.hash)>(L"wintrust.dll",
                                                       "CryptCATAdminCalcHashFromFileHandle2");
    return f;
  }();
  return functions;
}

// A catalog administrator context (the system's catalog database for the default subsystem,
// DRIVER_ACTION_VERIFY), released on destruction. `sha256` picks the member hash it works
// with: Windows 10 catalogs may list a file by its SHA-256 only, older ones by SHA-1.
class CatalogAdmin {
 public:
  CatalogAdmin(const CatalogAdmin&) = delete;
  CatalogAdmin& operator=(const CatalogAdmin&) = delete;
  ~CatalogAdmin() {
    if (admin_ != nullptr) CryptCATAdminReleaseContext(admin_, 0);
  }

  // Null when the context cannot be had (or SHA-256 asked for before Windows 8).
  static std::unique_ptr<CatalogAdmin> Acquire(bool sha256) {
    HCATADMIN admin = nullptr;
    BOOL ok = sha256
                  ? (Sha256Catalog().available() &&
                     Sha256Catalog().acquire(&admin, nullptr, BCRYPT_SHA256_ALGORITHM, nullptr, 0))
                  : CryptCATAdminAcquireContext(&admin, nullptr, 0);
    if (!ok || admin == nullptr) return nullptr;
    return std::unique_ptr<CatalogAdmin>(new CatalogAdmin(admin, sha256));
  }

  HCATADMIN get() const { return admin_; }
  bool sha256() const { return sha256_; }

 private:
  CatalogAdmin(HCATADMIN admin, bool sha256) : admin_(admin), sha256_(sha256) {}
  HCATADMIN admin_;
  bool sha256_;
};

// The file's hash as catalogs list it (for a PE, its Authenticode digest; for any other file,
// the hash of its bytes), through our handle; empty on failure.
std::vector<BYTE> CatalogHashOfFile(const CatalogAdmin& admin, HANDLE file) {
  // Rewind: WinVerifyTrust has read through this handle, and a flat file is hashed from the
  // handle's position on (Wine does so; Windows' SIP does not say).
  LARGE_INTEGER start{};
  if (!SetFilePointerEx(file, start, nullptr, FILE_BEGIN)) return {};
  BYTE hash[32];
  DWORD size = sizeof(hash);
  BOOL ok = admin.sha256() ? Sha256Catalog().hash(admin.get(), file, &size, hash, 0)
                           : CryptCATAdminCalcHashFromFileHandle(file, &size, hash, 0);
  if (!ok || size == 0 || size > sizeof(hash)) return {};
  return std::vector<BYTE>(hash, hash + size);
}

// The tag a catalog files its member under: the hash in upper-case hex.
std::wstring MemberTag(const std::vector<BYTE>& hash) {
  static constexpr wchar_t kDigits[] = L"0123456789ABCDEF";
  std::wstring tag;
  for (BYTE b : hash) {
    tag += kDigits[b >> 4];
    tag += kDigits[b & 0xF];
  }
  return tag;
}

// The first catalog of the database that lists `hash`; nullopt when none does.
std::optional<std::wstring> CatalogListing(const CatalogAdmin& admin, std::vector<BYTE>& hash) {
  HCATINFO info = CryptCATAdminEnumCatalogFromHash(admin.get(), hash.data(),
                                                   static_cast<DWORD>(hash.size()), 0, nullptr);
  if (info == nullptr) return std::nullopt;
  CATALOG_INFO catalog{};
  catalog.cbStruct = sizeof(catalog);
  std::optional<std::wstring> path;
  if (CryptCATCatalogInfoFromContext(info, &catalog, 0)) path = catalog.wszCatalogFile;
  CryptCATAdminReleaseCatalogContext(admin.get(), info, 0);
  return path;
}

// WINTRUST_CATALOG_INFO with the member Windows 8 added (our headers stop at Windows 7): the
// context that computed the hash, which tells WinTrust the hash is SHA-256.
struct CatalogInfoWithAdmin {
  WINTRUST_CATALOG_INFO info;
  HCATADMIN admin;
};

// Verifies that `catalog` lists the file under `hash` and that the catalog's signature holds;
// same offline rules as the embedded check.
LONG VerifyCatalogMember(const CatalogAdmin& admin, const std::wstring& catalog,
                         std::vector<BYTE>& hash, const std::wstring& path, HANDLE file) {
  const std::wstring tag = MemberTag(hash);
  CatalogInfoWithAdmin member{};
  // The longer form only where its reader exists (the SHA-256 functions are Windows 8+).
  member.info.cbStruct = Sha256Catalog().available() ? sizeof(member) : sizeof(member.info);
  member.info.pcwszCatalogFilePath = catalog.c_str();
  member.info.pcwszMemberTag = tag.c_str();
  member.info.pcwszMemberFilePath = path.c_str();
  member.info.hMemberFile = file;
  member.info.pbCalculatedFileHash = hash.data();
  member.info.cbCalculatedFileHash = static_cast<DWORD>(hash.size());
  member.admin = admin.get();

  WINTRUST_DATA data{};
  data.cbStruct = sizeof(data);
  data.dwUIChoice = WTD_UI_NONE;
  data.fdwRevocationChecks = WTD_REVOKE_NONE;
  data.dwUnionChoice = WTD_CHOICE_CATALOG;
  data.pCatalog = &member.info;
  data.dwStateAction = WTD_STATEACTION_VERIFY;
  data.dwProvFlags = WTD_CACHE_ONLY_URL_RETRIEVAL | WTD_REVOCATION_CHECK_NONE;

  GUID action = WINTRUST_ACTION_GENERIC_VERIFY_V2;
  const HWND no_ui = static_cast<HWND>(INVALID_HANDLE_VALUE);
  const LONG result = WinVerifyTrust(no_ui, &action, &data);
  data.dwStateAction = WTD_STATEACTION_CLOSE;
  WinVerifyTrust(no_ui, &action, &data);
  return result;
}

// Signers of the catalogs already read. A scan of System32 checks thousands of files against a
// handful of catalogs of up to tens of MB each: each is read and parsed once. Keyed by path,
// size and write time, so a replaced catalog is read again.
class CatalogSignerCache {
 public:
  std::optional<SignerIdentity> Get(const std::wstring& path) {
    // Full sharing, like the scanned file: an update replacing catalogs is never blocked.
    win::UniqueHandle file(CreateFileW(path.c_str(), GENERIC_READ,
                                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                       nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
    BY_HANDLE_FILE_INFORMATION info{};
    if (!file.valid() || !GetFileInformationByHandle(file.get(), &info)) return std::nullopt;
    const Key key{path, (uint64_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow,
                  win::FileTimeToUnixNs(info.ftLastWriteTime)};
    {
      std::lock_guard lock(mutex_);
      if (auto it = entries_.find(key); it != entries_.end()) return it->second;
    }
    std::optional<SignerIdentity> signer = ReadSigner(file.get(), key.size);
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kMaxEntries) entries_.clear();  // bounded; a rescan refills it
    entries_.emplace(key, signer);
    return signer;
  }

 private:
  struct Key {
    std::wstring path;
    uint64_t size;
    int64_t write_time;
    bool operator<(const Key& o) const {
      return std::tie(path, size, write_time) < std::tie(o.path, o.size, o.write_time);
    }
  };
  static constexpr size_t kMaxEntries = 256;
  static constexpr uint64_t kMaxCatalogBytes = 256ull << 20;  // far above any of Windows' own

  static std::optional<SignerIdentity> ReadSigner(HANDLE file, uint64_t size) {
    if (size == 0 || size > kMaxCatalogBytes) return std::nullopt;
    std::vector<BYTE> der(static_cast<size_t>(size));
    size_t done = 0;
    while (done < der.size()) {
      DWORD got = 0;
      const DWORD want = static_cast<DWORD>(std::min<size_t>(der.size() - done, 1u << 20));
      if (!ReadFile(file, der.data() + done, want, &got, nullptr) || got == 0) break;
      done += got;
    }
    // The chain is checked once here for every verdict this catalog will give.
    return IdentifySigner(der.data(), done, /*check_chain=*/true);
  }

  std::mutex mutex_;
  std::map<Key, std::optional<SignerIdentity>> entries_;
};

CatalogSignerCache& CatalogSigners() {
  static CatalogSignerCache* cache = new CatalogSignerCache;  // never destroyed: no exit order
  return *cache;
}

// Looks the file up in the system's catalogs, SHA-256 first where Windows has it, then SHA-1.
// Leaves `out` unsigned when no catalog lists the file; an error when the verification of a
// listing itself fails.
Status CheckCatalogs(const std::wstring& path, HANDLE file, FileSignature* out) {
  for (bool sha256 : {true, false}) {
    std::unique_ptr<CatalogAdmin> admin = CatalogAdmin::Acquire(sha256);
    if (admin == nullptr) continue;
    std::vector<BYTE> hash = CatalogHashOfFile(*admin, file);
    if (hash.empty()) continue;
    std::optional<std::wstring> catalog = CatalogListing(*admin, hash);
    if (!catalog) continue;
    const LONG result = VerifyCatalogMember(*admin, *catalog, hash, path, file);
    std::optional<SignatureState> state = StateOfTrustResult(result);
    if (!state) {
      return win::WinErrorToStatus(static_cast<DWORD>(result),
                                   "WinVerifyTrust (catalog) " + win::WideToUtf8(path));
    }
    if (*state == SignatureState::kUnsigned) continue;  // a listing without a usable signature
    out->state = *state;
    out->catalog = true;
    out->catalog_path = win::WideToUtf8(*catalog);
    if (std::optional<SignerIdentity> signer = CatalogSigners().Get(*catalog)) {
      ApplySigner(*signer, out);
    }
    return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

Result<FileSignature> GetFileSignature(const std::string& path) {
  // System32 through Sysnative under WOW64: the signature of the file the machine runs.
  const std::wstring wide = win::NativeSystemPath(win::Utf8ToWide(path));
  win::UniqueHandle file(CreateFileW(wide.c_str(), GENERIC_READ,
                                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                     nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.valid()) return Unexpected(win::LastErrorToStatus("open " + path));

  const LONG result = VerifyEmbedded(wide, file.get());
  std::optional<SignatureState> state = StateOfTrustResult(result);
  if (!state) {
    return Unexpected(win::WinErrorToStatus(static_cast<DWORD>(result), "WinVerifyTrust " + path));
  }
  FileSignature signature;
  signature.state = *state;
  if (signature.state == SignatureState::kUnsigned) {
    OTGUARD_RETURN_IF_ERROR(CheckCatalogs(wide, file.get(), &signature));
    return signature;
  }
  const std::vector<BYTE> der = EmbeddedSignedData(wide, file.get());
  const bool check_chain = signature.state == SignatureState::kTrusted;
  if (auto signer = IdentifySigner(der.data(), der.size(), check_chain)) {
    ApplySigner(*signer, &signature);
  }
  return signature;
}

}  // namespace otguard::platform
