// Windows paths: UTF-8 in the interface, UTF-16 at the API, made absolute and normalised
// lexically, then given the \\?\ prefix (files.cc says why); and the path functions of
// otguard/platform/files.h (JoinPath, DirName, AbsolutePath, GlobMatch).
#include "platform/windows/paths.h"

#include <windows.h>

#include <cwctype>
#include <string>
#include <string_view>

#include "otguard/platform/files.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace win {

bool IsDriveLetter(wchar_t c) { return (c >= L'A' && c <= L'Z') || (c >= L'a' && c <= L'z'); }
bool StartsWith(std::wstring_view s, std::wstring_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool StartsWithNoCase(std::wstring_view s, std::wstring_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (towupper(s[i]) != towupper(prefix[i])) return false;
  }
  return true;
}
// "\\?\..." and "\\.\...": the Win32 layer passes these on unchanged, and so do we.
bool IsVerbatim(std::wstring_view p) {
  return p.size() >= 4 && p[0] == L'\\' && p[1] == L'\\' && (p[2] == L'?' || p[2] == L'.') &&
         p[3] == L'\\';
}

// A verbatim path that names a device (\\.\pipe\x, \\.\PhysicalDrive0, \\?\COM1) rather than
// a file on a file system (\\?\C:\x, \\?\UNC\..., \\?\Volume{...}\x, or a shadow copy's
// \\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1\x).
bool IsDevicePath(std::wstring_view p) {
  if (!IsVerbatim(p)) return false;
  std::wstring_view rest = p.substr(4);
  if (rest.size() >= 3 && IsDriveLetter(rest[0]) && rest[1] == L':' && rest[2] == L'\\') {
    return false;
  }
  return !StartsWithNoCase(rest, L"UNC\\") && !StartsWithNoCase(rest, L"Volume{") &&
         !StartsWithNoCase(rest, L"GLOBALROOT\\");
}

// The length of the root of an absolute path with backslashes: "C:\" or "\\server\share\".
size_t AbsoluteRootLength(std::wstring_view p) {
  if (p.size() >= 3 && IsDriveLetter(p[0]) && p[1] == L':' && p[2] == L'\\') return 3;
  if (p.size() >= 2 && p[0] == L'\\' && p[1] == L'\\') {
    size_t server_end = p.find(L'\\', 2);
    if (server_end == std::wstring_view::npos) return p.size();
    size_t share_end = p.find(L'\\', server_end + 1);
    return share_end == std::wstring_view::npos ? p.size() : share_end + 1;
  }
  return 0;
}

std::wstring FullPathNameOf(const wchar_t* path) {
  wchar_t small[MAX_PATH];
  DWORD n = GetFullPathNameW(path, MAX_PATH, small, nullptr);
  if (n > 0 && n < MAX_PATH) return std::wstring(small, n);
  if (n == 0) return {};
  std::wstring out(n, L'\0');
  n = GetFullPathNameW(path, n, out.data(), nullptr);
  out.resize(n < out.size() ? n : 0);
  return out;
}

// "\\?\C:\x" -> "C:\x", "\\?\UNC\srv\share" -> "\\srv\share"; anything else unchanged.
std::wstring WithoutVerbatimPrefix(std::wstring p) {
  if (StartsWithNoCase(p, L"\\\\?\\UNC\\")) return L"\\" + p.substr(7);
  if (StartsWith(p, L"\\\\?\\") && p.size() >= 6 && p[5] == L':') return p.substr(4);
  return p;
}

// Makes a relative, drive-relative ("C:x") or rooted ("\x") path absolute. Only the base
// (current directory, the drive's current directory, the current root) comes from the OS, so
// the names themselves are never rewritten.
std::wstring MakeAbsolute(const std::wstring& p) {
  std::wstring base;
  std::wstring rest;
  if (p.size() >= 2 && IsDriveLetter(p[0]) && p[1] == L':') {
    base = FullPathNameOf(p.substr(0, 2).c_str());  // that drive's current directory
    rest = p.substr(2);
  } else if (!p.empty() && p[0] == L'\\') {
    base = FullPathNameOf(L"\\");  // the root of the current drive or share
    rest = p.substr(1);
  } else {
    base = FullPathNameOf(L".");
    rest = p;
  }
  base = WithoutVerbatimPrefix(std::move(base));
  if (!base.empty() && base.back() != L'\\') base += L'\\';
  return base + rest;
}

// An absolute, lexically normalised path with backslashes, without the \\?\ prefix
// ("C:\a\b", "\\server\share\a"); verbatim paths are returned unchanged.
std::wstring FullPath(const std::string& utf8) {
  std::wstring p = win::Utf8ToWide(utf8);
  if (p.empty() || IsVerbatim(p)) return p;
  std::replace(p.begin(), p.end(), L'/', L'\\');
  if (AbsoluteRootLength(p) == 0) p = MakeAbsolute(p);
  size_t root_length = AbsoluteRootLength(p);
  std::wstring root = p.substr(0, root_length);
  if (!root.empty() && root.back() != L'\\') root += L'\\';
  std::vector<std::wstring_view> parts;
  std::wstring_view rest = std::wstring_view(p).substr(root_length);
  while (!rest.empty()) {
    size_t end = std::min(rest.find(L'\\'), rest.size());
    std::wstring_view part = rest.substr(0, end);
    if (part == L"..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != L".") {
      parts.push_back(part);
    }
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  std::wstring out = root;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += L'\\';
    out += parts[i];
  }
  return out;
}

// The Windows folder when Sysnative leads to the native System32 for this process, else empty:
// not under WOW64, or on XP and 2003 x64 without KB942589, which have no Sysnative (there the
// 32-bit exe sees SysWOW64 as System32, as before).
const std::wstring& SysnativeWindowsDir() {
  static const std::wstring windows = [] {
    if (!RunsUnderWow64()) return std::wstring();
    wchar_t buf[MAX_PATH];
    const UINT n = GetSystemWindowsDirectoryW(buf, MAX_PATH);  // not the per-session one
    if (n == 0 || n >= MAX_PATH) return std::wstring();
    const std::wstring dir(buf, n);
    const DWORD a = GetFileAttributesW((dir + L"\\Sysnative\\kernel32.dll").c_str());
    return a == INVALID_FILE_ATTRIBUTES ? std::wstring() : dir;
  }();
  return windows;
}

std::wstring NativeSystemPath(std::wstring path) {
  const std::wstring& windows = SysnativeWindowsDir();
  if (windows.empty()) return path;
  const std::wstring system = windows + L"\\System32";
  if (!StartsWithNoCase(path, system) ||
      (path.size() > system.size() && path[system.size()] != L'\\')) {
    return path;
  }
  return windows + L"\\Sysnative" + path.substr(system.size());
}

// The form handed to the API: FullPath with the \\?\ (or \\?\UNC\) prefix. A 32-bit
// otguard on 64-bit Windows reads System32 through Sysnative, so that a scan, hunt or audit
// sees the files the machine runs (under their System32 names), not the 32-bit copies.
std::wstring ApiPath(const std::string& utf8) {
  std::wstring full = FullPath(utf8);
  if (full.empty() || IsDevicePath(full)) return full;
  full = NativeSystemPath(WithoutVerbatimPrefix(std::move(full)));
  if (IsVerbatim(full)) return full;  // \\?\Volume{...}\ and the like
  if (StartsWith(full, L"\\\\")) return L"\\\\?\\UNC\\" + full.substr(2);
  return L"\\\\?\\" + full;
}

std::string Context(const char* op, const std::string& path) {
  std::string s(op);
  s += ' ';
  s += path;
  return s;
}

// A sharing violation names the cause in words an operator understands.
Status OpenError(DWORD error, const std::string& path) {
  if (error == ERROR_SHARING_VIOLATION) {
    return PermissionDenied(path +
                            ": in use: another program has it open and does not share it "
                            "(sharing violation)");
  }
  return win::WinErrorToStatus(error, Context("open", path));
}

}  // namespace win

using win::FullPath;
using win::IsDriveLetter;
using win::WithoutVerbatimPrefix;

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  char last = dir.back();
  if (last == '\\' || last == '/') return dir + name;
  if (dir.size() == 2 && dir[1] == ':') return dir + name;  // "C:" + "x": drive-relative
  return dir + "\\" + name;
}

namespace {

bool IsSeparatorChar(char c) { return c == '\\' || c == '/'; }

// The length of the root of a UTF-8 path ("C:\", "C:", "\", "\\srv\share\", "\\?\C:\"),
// 0 for a relative one. ASCII only matters here, so bytes will do.
size_t RootLength(const std::string& p) {
  size_t prefix = 0;
  if (p.size() >= 4 && IsSeparatorChar(p[0]) && IsSeparatorChar(p[1]) &&
      (p[2] == '?' || p[2] == '.') && IsSeparatorChar(p[3])) {
    prefix = 4;
    if (p.compare(4, 4, "UNC\\") != 0 && p.compare(4, 4, "unc\\") != 0) {
      if (p.size() >= 6 && p[5] == ':') return p.size() > 6 && IsSeparatorChar(p[6]) ? 7 : 6;
      size_t end = p.find_first_of("\\/", 4);  // \\?\Volume{...}\ and devices
      return end == std::string::npos ? p.size() : end + 1;
    }
    prefix = 8;  // \\?\UNC\server\share\ : like \\server\share\ below
  } else if (p.size() >= 2 && IsSeparatorChar(p[0]) && IsSeparatorChar(p[1])) {
    prefix = 2;
  }
  if (prefix > 0) {
    size_t server_end = p.find_first_of("\\/", prefix);
    if (server_end == std::string::npos) return p.size();
    size_t share_end = p.find_first_of("\\/", server_end + 1);
    return share_end == std::string::npos ? p.size() : share_end + 1;
  }
  if (p.size() >= 2 && p[1] == ':' && IsDriveLetter(static_cast<unsigned char>(p[0]))) {
    return p.size() > 2 && IsSeparatorChar(p[2]) ? 3 : 2;
  }
  return !p.empty() && IsSeparatorChar(p[0]) ? 1 : 0;
}

}  // namespace

std::string DirName(const std::string& path) {
  size_t root = RootLength(path);
  size_t end = path.size();
  while (end > root && IsSeparatorChar(path[end - 1])) --end;  // "a\b\" is in "a"
  size_t sep = end;
  while (sep > root && !IsSeparatorChar(path[sep - 1])) --sep;
  if (sep <= root) return root > 0 ? path.substr(0, root) : ".";
  while (sep > root && IsSeparatorChar(path[sep - 1])) --sep;  // "a\\b": one or more
  return sep <= root ? path.substr(0, root) : path.substr(0, sep);
}

std::string BaseName(const std::string& path) {
  size_t root = RootLength(path);
  size_t end = path.size();
  while (end > root && IsSeparatorChar(path[end - 1])) --end;
  size_t begin = end;
  while (begin > root && !IsSeparatorChar(path[begin - 1])) --begin;
  return path.substr(begin, end - begin);
}

std::string AbsolutePath(const std::string& path) {
  if (path.empty()) return AbsolutePath(".");
  return win::WideToUtf8(WithoutVerbatimPrefix(FullPath(path)));
}

// ---- GlobMatch ----

namespace {

// Windows names compare without case, and both separators are the same one.
std::wstring GlobFold(const std::string& s) {
  std::wstring w = win::Utf8ToWide(s);
  std::replace(w.begin(), w.end(), L'/', L'\\');
  if (!w.empty()) CharUpperBuffW(w.data(), static_cast<DWORD>(w.size()));
  return w;
}

size_t CharLength(const std::wstring& s, size_t i) {
  bool pair = i + 1 < s.size() && IS_HIGH_SURROGATE(s[i]) && IS_LOW_SURROGATE(s[i + 1]);
  return pair ? 2 : 1;
}

// Matches the bracket expression at pattern[p] ('[' ...) against c. Returns the index after
// it, or npos when it is no bracket expression (no closing ']': then '[' is literal).
size_t MatchBracket(const std::wstring& pattern, size_t p, wchar_t c, bool* matched) {
  size_t i = p + 1;
  bool negate = i < pattern.size() && (pattern[i] == L'!' || pattern[i] == L'^');
  if (negate) ++i;
  bool found = false;
  size_t first = i;
  for (; i < pattern.size() && (pattern[i] != L']' || i == first); ++i) {
    wchar_t lo = pattern[i];
    wchar_t hi = lo;
    if (i + 2 < pattern.size() && pattern[i + 1] == L'-' && pattern[i + 2] != L']') {
      hi = pattern[i + 2];
      i += 2;
    }
    if (c >= lo && c <= hi) found = true;
  }
  if (i >= pattern.size()) return std::wstring::npos;
  *matched = found != negate;
  return i + 1;
}

// One pattern element (not '*') against the character at s[i]. On a match, advances p and i.
bool MatchOne(const std::wstring& pattern, size_t* p, const std::wstring& s, size_t* i) {
  wchar_t pc = pattern[*p];
  if (pc == L'?') {
    *i += CharLength(s, *i);
    *p += 1;
    return true;
  }
  if (pc == L'[') {
    bool matched = false;
    size_t next = MatchBracket(pattern, *p, s[*i], &matched);
    if (next != std::wstring::npos) {
      if (!matched) return false;
      *p = next;
      *i += 1;
      return true;
    }
  }
  if (pc != s[*i]) return false;
  *p += 1;
  *i += 1;
  return true;
}

}  // namespace

bool GlobMatch(const std::string& pattern_utf8, const std::string& path_utf8) {
  const std::wstring pattern = GlobFold(pattern_utf8);
  const std::wstring s = GlobFold(path_utf8);
  size_t p = 0;
  size_t i = 0;
  size_t star_p = std::wstring::npos;  // after the last '*' seen, to backtrack to
  size_t star_i = 0;
  while (i < s.size()) {
    if (p < pattern.size() && pattern[p] == L'*') {
      star_p = ++p;
      star_i = i;
      continue;
    }
    if (p < pattern.size() && MatchOne(pattern, &p, s, &i)) continue;
    if (star_p == std::wstring::npos) return false;
    star_i += CharLength(s, star_i);  // the '*' takes one more character
    p = star_p;
    i = star_i;
  }
  while (p < pattern.size() && pattern[p] == L'*') ++p;
  return p == pattern.size();
}

}  // namespace otguard::platform
