// ListLocalAccounts on Windows. Windows always has the built-in Administrator (RID 500) and
// Guest (RID 501); Wine 8's NetUserEnum knows only levels 0 and 20 and lists only the current
// user (RID 1000, flags UF_NORMAL_ACCOUNT, and NetUserGetInfo says USER_PRIV_GUEST). The
// checks hold for both: whatever is listed is well-formed, the caller's own account is there,
// and the built-in accounts, when listed, have their RIDs' privileges.
#include "otguard/platform/accounts.h"

#include <windows.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

TEST(ListLocalAccounts, ListsTheCallerWellFormedAndSorted) {
  auto list = ListLocalAccounts();
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_FALSE(list->empty());
  EXPECT_TRUE(std::is_sorted(list->begin(), list->end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
  wchar_t me[256];
  DWORD chars = 256;
  ASSERT_TRUE(GetUserNameW(me, &chars));
  const std::string my_name = Lower(win::WideToUtf8(me, chars));
  bool found_me = false;
  for (const auto& a : *list) {
    EXPECT_FALSE(a.name.empty());
    EXPECT_TRUE(a.shell.empty());
    EXPECT_TRUE(a.empty_password.has_value()) << a.name;  // the flag is always readable
    // Local account RIDs: 500 Administrator, 501 Guest, 1000 and up for created accounts.
    EXPECT_GE(a.id, 500u) << a.name;
    if (Lower(a.name) == my_name) found_me = true;
    if (a.id == 501) {
      EXPECT_FALSE(a.administrator) << a.name;
    }
    if (a.id == 500) {
      EXPECT_TRUE(a.administrator) << a.name;
    }
  }
  EXPECT_TRUE(found_me) << "the caller " << my_name << " is a local account";
}

}  // namespace
}  // namespace otguard::platform
