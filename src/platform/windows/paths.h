// Windows path handling shared by the file layer (paths.cc).
#ifndef OTGUARD_SRC_PLATFORM_WINDOWS_PATHS_H_
#define OTGUARD_SRC_PLATFORM_WINDOWS_PATHS_H_

#include <windows.h>

#include <string>
#include <string_view>

#include "otguard/base/status.h"

namespace otguard::platform::win {

// `utf8` made absolute (against the current directory or drive) and normalised lexically
// ('/' -> '\', "." and ".." resolved), in UTF-16; a \\?\ path is kept as it is.
std::wstring FullPath(const std::string& utf8);
// FullPath with the \\?\ (or \\?\UNC\) prefix, and System32 as NativeSystemPath gives it:
// what every API call gets.
std::wstring ApiPath(const std::string& utf8);
// Under WOW64, `path` (absolute, backslashes, no \\?\) below %SystemRoot%\System32 with
// System32 replaced by Sysnative, the name under which a 32-bit process sees the real System32
// (System32 itself shows it SysWOW64); otherwise, and where Windows has no Sysnative (XP and
// 2003 x64 without KB942589), `path` unchanged.
std::wstring NativeSystemPath(std::wstring path);
// \\.\pipe\x, \\?\COM1 and the like: devices, never opened.
bool IsDevicePath(std::wstring_view path);
std::wstring WithoutVerbatimPrefix(std::wstring path);
// "op path", for error messages.
std::string Context(const char* op, const std::string& path);
// The Status of a failed open; a sharing violation says "in use" in an operator's words.
Status OpenError(DWORD error, const std::string& path);

}  // namespace otguard::platform::win

#endif  // OTGUARD_SRC_PLATFORM_WINDOWS_PATHS_H_
