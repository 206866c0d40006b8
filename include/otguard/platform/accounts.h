// Local user accounts (the hardening audit: a guest account, accounts without a password).
// Windows: NetUserEnum; Linux: /etc/passwd and /etc/shadow (never returns a hash).
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_PLATFORM_ACCOUNTS_H_
#define OTGUARD_PLATFORM_ACCOUNTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/platform/packages.h"

namespace otguard::platform {

struct LocalAccount {
  std::string name;
  uint32_t id = 0;        // uid on Linux; the RID on Windows (501 is the built-in Guest)
  bool disabled = false;  // Windows UF_ACCOUNTDISABLE; Linux a locked ('!'/'*') or expired one
  // true: the account can log on without a password (Windows UF_PASSWD_NOTREQD, Linux an
  // empty shadow field). nullopt when this caller may not tell (no access to /etc/shadow).
  std::optional<bool> empty_password;
  bool administrator = false;  // Windows privilege level admin; Linux uid 0
  std::string shell;           // Linux login shell; "" on Windows
};

// Sorted by name. `where` applies on Linux (the files read); ignored on Windows.
Result<std::vector<LocalAccount>> ListLocalAccounts(const ConfigRoot& where = {});

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_ACCOUNTS_H_
