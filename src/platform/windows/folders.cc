// The common application data folder (CSIDL_COMMON_APPDATA): known from XP on, under the
// name each Windows version gives it.
#include "otguard/platform/folders.h"

#include <windows.h>
// clang-format off: shlobj.h needs windows.h first.
#include <shlobj.h>

#include "platform/windows/win_util.h"

namespace otguard::platform {

std::string ProgramDataDir() {
  wchar_t buf[MAX_PATH];
  if (SUCCEEDED(
          SHGetFolderPathW(nullptr, CSIDL_COMMON_APPDATA, nullptr, SHGFP_TYPE_CURRENT, buf))) {
    return win::WideToUtf8(buf) + "\\otguard";
  }
  // No shell folder (a stripped-down system): where Vista and later put it.
  return "C:\\ProgramData\\otguard";
}

}  // namespace otguard::platform
