#include "otguard/platform/system.h"

#include <windows.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "platform/windows/testing/registry_cleanup.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using win::Utf8ToWide;

bool IsDigits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

TEST(SystemTest, OsVersionIsThisWindows) {
  auto os = GetOsVersion();
  ASSERT_TRUE(os.has_value()) << os.error().ToString();
  const win::WindowsVersion& v = win::RunningWindowsVersion();
  EXPECT_EQ(os->family, "windows");
  EXPECT_EQ(os->version, std::to_string(v.major) + "." + std::to_string(v.minor));
  EXPECT_GE(std::stoi(os->version), 5);  // XP is 5.1
  EXPECT_EQ(os->kernel, os->version + "." + std::to_string(v.build));
  // "7601", or "19045.3803" with the update revision.
  std::string build = os->build.substr(0, os->build.find('.'));
  EXPECT_TRUE(IsDigits(build)) << os->build;
  EXPECT_NE(os->name.find("Windows"), std::string::npos) << os->name;
#ifdef _WIN64
  EXPECT_EQ(os->architecture, "x86_64");
#else
  // The 32-bit build names the OS's architecture, not its own: x86_64 under WOW64.
  BOOL wow64 = FALSE;
  IsWow64Process(GetCurrentProcess(), &wow64);
  EXPECT_EQ(os->architecture, wow64 ? "x86_64" : "x86");
#endif
  std::printf("os: %s | %s | build %s | %s | %s\n", os->name.c_str(), os->version.c_str(),
              os->build.c_str(), os->service_pack.c_str(), os->architecture.c_str());
}

constexpr wchar_t kCbsPackages[] =
    L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages";
constexpr wchar_t kUpdates[] = L"SOFTWARE\\Microsoft\\Updates";
constexpr wchar_t kHotFix[] = L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\HotFix";

using test_support::DeleteKeyTree;

bool KeyExists(const std::wstring& path) {
  HKEY key = nullptr;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, path.c_str(), 0, KEY_READ | KEY_WOW64_64KEY, &key) !=
      ERROR_SUCCESS) {
    return false;
  }
  RegCloseKey(key);
  return true;
}

// Writes update records into HKLM (writable by the prefix's user under Wine; the test needs
// an elevated prompt on Windows) and removes exactly the keys it created.
class HotfixTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      DeleteKeyTree(HKEY_LOCAL_MACHINE, *it);
      EXPECT_FALSE(KeyExists(*it));
    }
  }

  // Creates HKLM\<path> and remembers the outermost key that did not exist before.
  HKEY Create(const std::wstring& path) {
    for (size_t sep = path.find(L'\\');; sep = path.find(L'\\', sep + 1)) {
      std::wstring prefix = path.substr(0, sep);
      if (!KeyExists(prefix)) {
        if (std::find(created_.begin(), created_.end(), prefix) == created_.end()) {
          created_.push_back(prefix);
        }
        break;
      }
      if (sep == std::wstring::npos) break;
    }
    HKEY key = nullptr;
    EXPECT_EQ(RegCreateKeyExW(HKEY_LOCAL_MACHINE, path.c_str(), 0, nullptr, 0,
                              KEY_ALL_ACCESS | KEY_WOW64_64KEY, nullptr, &key, nullptr),
              ERROR_SUCCESS);
    return key;
  }
  static void SetDword(HKEY key, const wchar_t* name, DWORD value) {
    EXPECT_EQ(RegSetValueExW(key, name, 0, REG_DWORD, reinterpret_cast<const BYTE*>(&value),
                             sizeof(value)),
              ERROR_SUCCESS);
  }
  static void SetString(HKEY key, const wchar_t* name, const std::string& text) {
    std::wstring wide = Utf8ToWide(text);
    EXPECT_EQ(RegSetValueExW(key, name, 0, REG_SZ, reinterpret_cast<const BYTE*>(wide.c_str()),
                             static_cast<DWORD>((wide.size() + 1) * sizeof(wchar_t))),
              ERROR_SUCCESS);
  }
  void CbsPackage(const std::wstring& name, DWORD state, const FILETIME* installed) {
    HKEY key = Create(std::wstring(kCbsPackages) + L"\\" + name);
    SetDword(key, L"CurrentState", state);
    if (installed != nullptr) {
      SetDword(key, L"InstallTimeHigh", installed->dwHighDateTime);
      SetDword(key, L"InstallTimeLow", installed->dwLowDateTime);
    }
    RegCloseKey(key);
  }

  std::vector<std::wstring> created_;
};

const Hotfix* Find(const std::vector<Hotfix>& hotfixes, const std::string& id) {
  auto it =
      std::find_if(hotfixes.begin(), hotfixes.end(), [&](const Hotfix& h) { return h.id == id; });
  return it == hotfixes.end() ? nullptr : &*it;
}

TEST_F(HotfixTest, FindsUpdatesOfEverySource) {
  // 2017-03-15T12:00:00Z, as CBS records it.
  FILETIME installed = win::UnixNsToFileTime(1'489'579'200LL * 1'000'000'000LL);
  CbsPackage(L"Package_for_KB9900001~31bf3856ad364e35~amd64~~6.1.1.0", 0x70, &installed);
  CbsPackage(L"Package_1_for_KB9900001~31bf3856ad364e35~amd64~~6.1.1.0", 0x70, nullptr);
  CbsPackage(L"Package_for_KB9900002~31bf3856ad364e35~amd64~~6.1.1.0", 0x40, &installed);  // staged
  CbsPackage(L"Package_for_RollupFix~31bf3856ad364e35~amd64~~9900.1.1.0", 0x70, nullptr);
  HKEY xp = Create(std::wstring(kUpdates) + L"\\Windows XP\\SP3\\KB9900003");
  SetString(xp, L"Description", "Security Update for Windows XP (KB9900003)");
  SetString(xp, L"InstalledDate", "3/15/2017");
  RegCloseKey(xp);
  HKEY fix = Create(std::wstring(kHotFix) + L"\\KB9900004");
  SetString(fix, L"Fix Description", "Windows XP Hotfix - KB9900004");
  SetDword(fix, L"Installed", 1);
  RegCloseKey(fix);
  // XP records many updates under both keys: one entry, from the first source.
  RegCloseKey(Create(std::wstring(kHotFix) + L"\\KB9900003"));

  auto hotfixes = ListHotfixes();
  ASSERT_TRUE(hotfixes.has_value()) << hotfixes.error().ToString();

  const Hotfix* cbs = Find(*hotfixes, "KB9900001");
  ASSERT_NE(cbs, nullptr);
  EXPECT_EQ(cbs->source, "cbs");
  EXPECT_EQ(cbs->installed_on, "2017-03-15T12:00:00.000Z");
  EXPECT_EQ(cbs->description.rfind("Package_", 0), 0u) << cbs->description;
  EXPECT_EQ(std::count_if(hotfixes->begin(), hotfixes->end(),
                          [](const Hotfix& h) { return h.id == "KB9900001"; }),
            1);
  EXPECT_EQ(Find(*hotfixes, "KB9900002"), nullptr) << "a staged package is not installed";

  const Hotfix* updates = Find(*hotfixes, "KB9900003");
  ASSERT_NE(updates, nullptr);
  EXPECT_EQ(updates->source, "updates");
  EXPECT_EQ(updates->description, "Security Update for Windows XP (KB9900003)");
  EXPECT_EQ(updates->installed_on, "3/15/2017");
  EXPECT_EQ(std::count_if(hotfixes->begin(), hotfixes->end(),
                          [](const Hotfix& h) { return h.id == "KB9900003"; }),
            1);

  const Hotfix* hotfix = Find(*hotfixes, "KB9900004");
  ASSERT_NE(hotfix, nullptr);
  EXPECT_EQ(hotfix->source, "hotfix");
  EXPECT_EQ(hotfix->description, "Windows XP Hotfix - KB9900004");

  for (const Hotfix& h : *hotfixes) {
    EXPECT_EQ(h.id.rfind("KB", 0), 0u) << h.id;
    EXPECT_TRUE(IsDigits(h.id.substr(2))) << h.id;
  }
}

TEST_F(HotfixTest, AbsentSourcesAreNotErrors) {
  // Wine's registry has no CBS packages and no Updates key (asserted, so that the test means
  // something), but a HotFix key with one pre-2003 "Q" hotfix.
  if (KeyExists(kCbsPackages) || KeyExists(kUpdates)) GTEST_SKIP() << "this Windows has them";
  auto hotfixes = ListHotfixes();
  ASSERT_TRUE(hotfixes.has_value()) << hotfixes.error().ToString();
  if (KeyExists(std::wstring(kHotFix) + L"\\Q246009")) {
    const Hotfix* old = Find(*hotfixes, "KB246009");
    ASSERT_NE(old, nullptr);
    EXPECT_EQ(old->source, "hotfix");
  }
}

}  // namespace
}  // namespace otguard::platform
