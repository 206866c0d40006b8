// os-release(5) parsing, and the OS of a tree of files (--root), the same on every build: an
// image of a Linux disk may be examined from Windows too.
#include "platform/os_release.h"

#include <cctype>
#include <optional>

#include "otguard/platform/files.h"
#include "otguard/platform/system.h"

namespace otguard::platform {
namespace linux_internal {
namespace {

bool IsVariableName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// One shell word: quoted parts and unquoted parts may follow each other ("a"'b'c). nullopt
// when a quote is not closed or the word is followed by more words (unquoted whitespace).
std::optional<std::string> UnquoteShellWord(std::string_view in) {
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i++];
    if (c == '\'') {
      size_t end = in.find('\'', i);
      if (end == std::string_view::npos) return std::nullopt;
      out.append(in.substr(i, end - i));
      i = end + 1;
    } else if (c == '"') {
      for (;;) {
        if (i >= in.size()) return std::nullopt;
        char d = in[i++];
        if (d == '"') break;
        // Inside double quotes a backslash escapes only these; elsewhere it is itself.
        if (d == '\\' && i < in.size() &&
            std::string_view("\"\\$`").find(in[i]) != std::string_view::npos) {
          d = in[i++];
        }
        out.push_back(d);
      }
    } else if (c == '\\') {
      if (i < in.size()) out.push_back(in[i++]);
    } else if (c == ' ' || c == '\t') {
      // Trailing blanks end the word; anything else after them is a second word.
      if (in.find_first_not_of(" \t", i) != std::string_view::npos) return std::nullopt;
      break;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> ParseOsRelease(std::string_view text) {
  std::map<std::string, std::string> vars;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos || line[start] == '#') continue;
    line.remove_prefix(start);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || !IsVariableName(line.substr(0, eq))) continue;
    std::optional<std::string> value = UnquoteShellWord(line.substr(eq + 1));
    if (value.has_value()) vars[std::string(line.substr(0, eq))] = std::move(*value);
  }
  return vars;
}

}  // namespace linux_internal

namespace {

// os-release is a few hundred bytes; the cap keeps a strange file from costing memory.
constexpr uint64_t kMaxTreeOsReleaseBytes = 64 * 1024;

std::string OsReleaseValue(const std::map<std::string, std::string>& vars, const std::string& key) {
  auto it = vars.find(key);
  return it == vars.end() ? std::string() : it->second;
}

}  // namespace

Result<OsVersion> GetOsVersion(const ConfigRoot& where) {
  if (where.root.empty()) return GetOsVersion();
  OsVersion os;
  os.family = "linux";
  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    Result<std::string> text = ReadFileToString(where.root + path, kMaxTreeOsReleaseBytes);
    if (!text) continue;
    auto vars = linux_internal::ParseOsRelease(*text);
    os.name = OsReleaseValue(vars, "PRETTY_NAME");
    os.version = OsReleaseValue(vars, "VERSION_ID");
    break;
  }
  return os;
}

}  // namespace otguard::platform
