// Linux implementation of otguard/platform/accounts.h: /etc/passwd and /etc/shadow read as
// files (not getpwent, which could go to LDAP and cannot read another disk). Password hashes
// never leave the buffer they were read into, and that buffer is wiped right after parsing.
#include "otguard/platform/accounts.h"

#include <string.h>

#include <algorithm>
#include <ctime>
#include <unordered_map>

#include "otguard/platform/files.h"
#include "platform/linux/config_files.h"
#include "platform/linux/config_text.h"

namespace otguard::platform {
namespace {

using linux_internal::PasswordField;

// Thousands of accounts at most on a station; directory-service users are not in these files.
constexpr uint64_t kMaxAccountFileBytes = 16ull << 20;

// What /etc/shadow says of an account, without the hash.
struct ShadowFacts {
  PasswordField password = PasswordField::kSet;
  bool expired = false;
};

int64_t DaysSinceEpoch() { return static_cast<int64_t>(std::time(nullptr)) / 86400; }

// The shadow entries by name; nullopt when /etc/shadow cannot be read (not root).
std::optional<std::unordered_map<std::string, ShadowFacts>> ReadShadow(const ConfigRoot& where) {
  auto text =
      ReadFileToString(linux_internal::UnderRoot(where, "/etc/shadow"), kMaxAccountFileBytes);
  if (!text) return std::nullopt;
  std::unordered_map<std::string, ShadowFacts> facts;
  const int64_t today = DaysSinceEpoch();
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t eol = rest.find('\n');
    linux_internal::ShadowEntry entry;
    if (linux_internal::ParseShadowLine(rest.substr(0, eol), &entry)) {
      facts.emplace(entry.name,
                    ShadowFacts{entry.password, linux_internal::AccountExpired(entry, today)});
    }
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
  }
  // The hashes were only looked at in place; do not leave them in freed memory.
  explicit_bzero(text->data(), text->size());
  return facts;
}

LocalAccount ToAccount(const linux_internal::PasswdEntry& entry,
                       const std::optional<std::unordered_map<std::string, ShadowFacts>>& shadow) {
  LocalAccount account;
  account.name = entry.name;
  account.id = entry.uid;
  account.administrator = entry.uid == 0;
  account.shell = entry.shell;
  // A password in /etc/passwd itself (no "x") is what login uses: shadow is not consulted.
  std::optional<ShadowFacts> facts;
  if (entry.password != PasswordField::kShadow) {
    facts = ShadowFacts{entry.password, false};
  } else if (shadow.has_value()) {
    auto it = shadow->find(entry.name);
    if (it != shadow->end()) facts = it->second;
  }
  if (facts.has_value()) {
    // A locked field ("!", "*", "!<hash>") means no password log-on at all. Key-based SSH may
    // still work for "*"; for this audit the account is disabled as a password account.
    account.disabled = facts->password == PasswordField::kLocked || facts->expired;
    account.empty_password = facts->password == PasswordField::kEmpty;
  }
  return account;
}

}  // namespace

Result<std::vector<LocalAccount>> ListLocalAccounts(const ConfigRoot& where) {
  auto passwd =
      ReadFileToString(linux_internal::UnderRoot(where, "/etc/passwd"), kMaxAccountFileBytes);
  if (!passwd) return Unexpected(passwd.error());
  auto shadow = ReadShadow(where);
  std::vector<LocalAccount> accounts;
  std::string_view rest = *passwd;
  while (!rest.empty()) {
    size_t eol = rest.find('\n');
    linux_internal::PasswdEntry entry;
    if (linux_internal::ParsePasswdLine(rest.substr(0, eol), &entry)) {
      accounts.push_back(ToAccount(entry, shadow));
    }
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
  }
  // Old systems kept hashes in /etc/passwd itself.
  explicit_bzero(passwd->data(), passwd->size());
  std::stable_sort(accounts.begin(), accounts.end(),
                   [](const LocalAccount& a, const LocalAccount& b) { return a.name < b.name; });
  return accounts;
}

}  // namespace otguard::platform
