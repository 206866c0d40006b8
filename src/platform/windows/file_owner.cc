// FileOwnerName on Windows: the owner SID of the file's security descriptor, as DOMAIN\user.
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>

#include <map>
#include <mutex>
#include <string>

#include "otguard/platform/files.h"
#include "platform/windows/paths.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

std::string SidAccountName(PSID sid) {
  wchar_t name[256], domain[256];
  DWORD name_len = ARRAYSIZE(name), domain_len = ARRAYSIZE(domain);
  SID_NAME_USE use;
  if (LookupAccountSidW(nullptr, sid, name, &name_len, domain, &domain_len, &use)) {
    std::wstring account = domain_len > 0 ? std::wstring(domain) + L"\\" + name : name;
    return win::WideToUtf8(account);
  }
  // A SID with no name here (a deleted account, an unreachable domain) is still an identity.
  wchar_t* text = nullptr;
  if (!ConvertSidToStringSidW(sid, &text)) return "";
  std::string out = win::WideToUtf8(text);
  LocalFree(text);
  return out;
}

}  // namespace

Result<std::string> FileOwnerName(const std::string& path, const FileInfo&) {
  PSID owner = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  std::wstring wide = win::ApiPath(path);
  DWORD rc = GetNamedSecurityInfoW(wide.c_str(), SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner,
                                   nullptr, nullptr, nullptr, &descriptor);
  if (rc != ERROR_SUCCESS) {
    return Unexpected(IoError(path + ": owner not readable (error " + std::to_string(rc) + ")"));
  }
  // LookupAccountSid may ask a domain controller; a file system has few owners, and a scan
  // asks once per file: remember the names per SID. A mutex, not thread_local: mingw's
  // thread_local destructors import GetModuleHandleExW and FreeLibrary, which Windows XP's
  // reviewed import list does not need.
  static std::mutex mutex;
  static std::map<std::string, std::string> names;
  std::string name;
  if (owner != nullptr && IsValidSid(owner)) {
    std::string key(static_cast<const char*>(owner), GetLengthSid(owner));
    std::lock_guard lock(mutex);
    auto it = names.find(key);
    if (it == names.end()) it = names.emplace(key, SidAccountName(owner)).first;
    name = it->second;
  }
  LocalFree(descriptor);
  return name;
}

}  // namespace otguard::platform
