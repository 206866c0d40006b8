// Local user accounts on Windows: the SAM's normal user accounts through NetUserEnum
// (netapi32, NT 4 and later). Level 3 gives flags, privilege and RID at once; where level 3
// is refused (a restricted caller, Wine), level 20 gives flags and RIDs and NetUserGetInfo
// each account's privilege.
#include "otguard/platform/accounts.h"

#include <windows.h>
// clang-format off: lm.h needs windows.h first.
#include <lm.h>
// clang-format on

#include <algorithm>
#include <cwchar>
#include <string>
#include <vector>

#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using win::WideToUtf8;

// A NetUserEnum result buffer (NetApiBufferFree).
class NetBuffer {
 public:
  NetBuffer() = default;
  NetBuffer(const NetBuffer&) = delete;
  NetBuffer& operator=(const NetBuffer&) = delete;
  ~NetBuffer() {
    if (data_ != nullptr) NetApiBufferFree(data_);
  }
  LPBYTE* out() { return &data_; }
  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(data_);
  }

 private:
  LPBYTE data_ = nullptr;
};

// A local machine has at most a few thousand accounts; this bounds a misbehaving resume.
constexpr int kMaxEnumCalls = 10000;

// Calls `each(const T&)` for every normal account NetUserEnum lists at `level`.
template <typename T, typename Each>
Status EnumerateUsers(DWORD level, Each each) {
  DWORD resume = 0;
  for (int call = 0; call < kMaxEnumCalls; ++call) {
    NetBuffer buffer;
    DWORD read = 0;
    DWORD total = 0;
    const NET_API_STATUS rc = NetUserEnum(nullptr, level, FILTER_NORMAL_ACCOUNT, buffer.out(),
                                          MAX_PREFERRED_LENGTH, &read, &total, &resume);
    if (rc != NERR_Success && rc != ERROR_MORE_DATA) {
      return win::WinErrorToStatus(rc, "NetUserEnum level " + std::to_string(level));
    }
    const T* users = buffer.template as<T>();
    for (DWORD i = 0; users != nullptr && i < read; ++i) each(users[i]);
    if (rc == NERR_Success) return Status::Ok();
  }
  return Aborted("NetUserEnum: the account list kept changing");
}

LocalAccount AccountOf(const wchar_t* name, DWORD flags, DWORD priv) {
  LocalAccount a;
  a.name = name == nullptr ? std::string() : WideToUtf8(name, 256);
  a.disabled = (flags & UF_ACCOUNTDISABLE) != 0;
  // UF_PASSWD_NOTREQD: the account MAY have an empty password; whether it has one only a
  // logon attempt would tell (the SAM gives no hashes to anyone but SYSTEM).
  a.empty_password = (flags & UF_PASSWD_NOTREQD) != 0;
  a.administrator = priv == USER_PRIV_ADMIN;
  return a;
}

// The privilege level of one account (USER_PRIV_GUEST when it cannot be read).
DWORD PrivilegeOf(const std::wstring& name) {
  NetBuffer buffer;
  if (NetUserGetInfo(nullptr, name.c_str(), 1, buffer.out()) != NERR_Success) {
    return USER_PRIV_GUEST;
  }
  const auto* info = buffer.as<USER_INFO_1>();
  return info != nullptr ? info->usri1_priv : USER_PRIV_GUEST;
}

// Level 20 for flags and RIDs, and each account's privilege from NetUserGetInfo level 1.
// Wine's NetUserEnum knows levels 0 and 20 only (and lists just the current user).
Result<std::vector<LocalAccount>> ListWithoutLevel3() {
  std::vector<LocalAccount> out;
  OTGUARD_RETURN_IF_ERROR(EnumerateUsers<USER_INFO_20>(20, [&](const USER_INFO_20& u) {
    if (u.usri20_name == nullptr) return;
    const std::wstring name(u.usri20_name, wcsnlen(u.usri20_name, 256));
    LocalAccount a = AccountOf(name.c_str(), u.usri20_flags, PrivilegeOf(name));
    a.id = u.usri20_user_id;
    out.push_back(std::move(a));
  }));
  return out;
}

}  // namespace

// `where` names files on Linux; the SAM of a live Windows host has no root to change.
Result<std::vector<LocalAccount>> ListLocalAccounts(const ConfigRoot&) {
  std::vector<LocalAccount> out;
  const Status level3 = EnumerateUsers<USER_INFO_3>(3, [&](const USER_INFO_3& u) {
    LocalAccount a = AccountOf(u.usri3_name, u.usri3_flags, u.usri3_priv);
    a.id = u.usri3_user_id;
    out.push_back(std::move(a));
  });
  if (!level3.ok()) {
    OTGUARD_ASSIGN_OR_RETURN(out, ListWithoutLevel3());
  }
  std::sort(out.begin(), out.end(),
            [](const LocalAccount& a, const LocalAccount& b) { return a.name < b.name; });
  return out;
}

}  // namespace otguard::platform
