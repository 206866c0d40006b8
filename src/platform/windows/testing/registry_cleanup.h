// Test helper: removes a registry key the test made, with everything below it
// (RegDeleteTreeW is Vista and later; the tests also build for XP). In the 64-bit view, where
// the tests write and otguard reads: from a 32-bit test under WOW64, RegDeleteKeyW would delete
// in Wow6432Node instead. RegDeleteKeyExW is looked up: 32-bit XP has one view and lacks it.
#ifndef OTGUARD_SRC_PLATFORM_WINDOWS_TESTING_REGISTRY_CLEANUP_H_
#define OTGUARD_SRC_PLATFORM_WINDOWS_TESTING_REGISTRY_CLEANUP_H_

#include <windows.h>

#include <string>
#include <vector>

namespace otguard::platform::test_support {

inline void DeleteKeyTree(HKEY root, const std::wstring& path) {
  HKEY key = nullptr;
  if (RegOpenKeyExW(root, path.c_str(), 0, KEY_READ | KEY_WOW64_64KEY, &key) == ERROR_SUCCESS) {
    std::vector<std::wstring> children;
    wchar_t name[256];
    for (DWORD i = 0;; ++i) {
      DWORD chars = 256;
      if (RegEnumKeyExW(key, i, name, &chars, nullptr, nullptr, nullptr, nullptr) !=
          ERROR_SUCCESS) {
        break;
      }
      children.emplace_back(name, chars);
    }
    RegCloseKey(key);
    for (const auto& child : children) DeleteKeyTree(root, path + L"\\" + child);
  }
  using RegDeleteKeyExWFn = LONG(WINAPI*)(HKEY, LPCWSTR, REGSAM, DWORD);
  static const auto delete_ex = reinterpret_cast<RegDeleteKeyExWFn>(reinterpret_cast<void*>(
      GetProcAddress(GetModuleHandleW(L"advapi32.dll"), "RegDeleteKeyExW")));
  if (delete_ex != nullptr) {
    delete_ex(root, path.c_str(), KEY_WOW64_64KEY, 0);
  } else {
    RegDeleteKeyW(root, path.c_str());
  }
}

}  // namespace otguard::platform::test_support

#endif  // OTGUARD_SRC_PLATFORM_WINDOWS_TESTING_REGISTRY_CLEANUP_H_
