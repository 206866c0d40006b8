// ListPackages on Windows: an Uninstall entry the test registers is listed; the entries
// "Add or Remove Programs" hides are not.
#include "otguard/platform/packages.h"

#include <windows.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "platform/windows/testing/registry_cleanup.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using test_support::DeleteKeyTree;
using win::Utf8ToWide;

constexpr char kUninstall[] = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\";

// Uninstall sub-keys of this test, removed at the end.
class PackagesTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& key : keys_) DeleteKeyTree(HKEY_LOCAL_MACHINE, Utf8ToWide(key));
  }

  HKEY Create(const std::string& name) {
    const std::string key = kUninstall + name + "-" + std::to_string(GetCurrentProcessId());
    DeleteKeyTree(HKEY_LOCAL_MACHINE, Utf8ToWide(key));
    keys_.push_back(key);
    HKEY handle = nullptr;
    EXPECT_EQ(RegCreateKeyExW(HKEY_LOCAL_MACHINE, Utf8ToWide(key).c_str(), 0, nullptr, 0,
                              KEY_ALL_ACCESS | KEY_WOW64_64KEY, nullptr, &handle, nullptr),
              ERROR_SUCCESS);
    return handle;
  }
  static void SetText(HKEY key, const char* name, const std::string& text) {
    const std::wstring wide = Utf8ToWide(text);
    EXPECT_EQ(RegSetValueExW(key, Utf8ToWide(name).c_str(), 0, REG_SZ,
                             reinterpret_cast<const BYTE*>(wide.c_str()),
                             static_cast<DWORD>((wide.size() + 1) * sizeof(wchar_t))),
              ERROR_SUCCESS);
  }
  static void SetDword(HKEY key, const char* name, DWORD value) {
    EXPECT_EQ(RegSetValueExW(key, Utf8ToWide(name).c_str(), 0, REG_DWORD,
                             reinterpret_cast<const BYTE*>(&value), sizeof(value)),
              ERROR_SUCCESS);
  }

  std::vector<std::string> keys_;
};

TEST_F(PackagesTest, RegisteredProgramIsListedHiddenOnesAreNot) {
  const std::string pid = std::to_string(GetCurrentProcessId());
  HKEY hmi = Create("OtguardTestHmi");
  SetText(hmi, "DisplayName", "Otguard Test HMI " + pid);
  SetText(hmi, "DisplayVersion", "7.1.2");
  SetText(hmi, "Publisher", "Plant Vendor AG");
  SetText(hmi, "InstallDate", "20170315");
  RegCloseKey(hmi);
  HKEY system = Create("OtguardTestSystemComponent");
  SetText(system, "DisplayName", "Otguard Test Component " + pid);
  SetDword(system, "SystemComponent", 1);
  RegCloseKey(system);
  HKEY update = Create("OtguardTestUpdate");
  SetText(update, "DisplayName", "Otguard Test Update " + pid);
  SetText(update, "ParentKeyName", "OtguardTestHmi");
  RegCloseKey(update);
  HKEY nameless = Create("OtguardTestNameless");
  SetText(nameless, "DisplayVersion", "1.0");
  RegCloseKey(nameless);

  auto list = ListPackages();
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  EXPECT_TRUE(std::is_sorted(list->begin(), list->end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
  int hmis = 0;
  for (const auto& p : *list) {
    EXPECT_FALSE(p.name.empty());
    EXPECT_EQ(p.source, "uninstall");
    EXPECT_NE(p.name, "Otguard Test Component " + pid);
    EXPECT_NE(p.name, "Otguard Test Update " + pid);
    if (p.name != "Otguard Test HMI " + pid) continue;
    ++hmis;
    EXPECT_EQ(p.version, "7.1.2");
    EXPECT_EQ(p.publisher, "Plant Vendor AG");
    EXPECT_EQ(p.installed_on, "20170315");
    EXPECT_EQ(p.architecture, "");
  }
  EXPECT_EQ(hmis, 1);
}

TEST(OwningPackages, IsUnimplementedOnWindows) {
  auto owners = OwningPackages({"C:\\Windows\\System32\\kernel32.dll"});
  ASSERT_FALSE(owners.has_value());
  EXPECT_EQ(owners.error().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace otguard::platform
