// What the host is on Linux: the distribution from os-release(5), the kernel from uname(2).
#include "otguard/platform/system.h"

#include <sys/utsname.h>

#include <cctype>
#include <cerrno>
#include <fstream>
#include <optional>

#include "platform/linux/os_release.h"

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
constexpr size_t kMaxOsReleaseBytes = 64 * 1024;

// /etc/os-release, else /usr/lib/os-release (the specification's fallback); "" when neither.
std::string ReadOsRelease() {
  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    std::ifstream in(path, std::ios::binary);
    if (!in) continue;
    std::string text(kMaxOsReleaseBytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    return text;
  }
  return {};
}

std::string Lookup(const std::map<std::string, std::string>& vars, const std::string& key) {
  auto it = vars.find(key);
  return it == vars.end() ? std::string() : it->second;
}

}  // namespace

Result<OsVersion> GetOsVersion() {
  utsname uts{};
  if (uname(&uts) != 0) return Unexpected(ErrnoToStatus(errno, "uname"));
  // A system without os-release (a minimal container) is still a Linux host: the kernel is
  // then all we know, which is not an error.
  auto vars = linux_internal::ParseOsRelease(ReadOsRelease());
  OsVersion os;
  os.family = "linux";
  os.name = Lookup(vars, "PRETTY_NAME");
  // The specification's default when PRETTY_NAME is unset.
  if (os.name.empty()) os.name = Lookup(vars, "NAME");
  if (os.name.empty()) os.name = "Linux";
  os.version = Lookup(vars, "VERSION_ID");
  os.build = uts.release;
  os.kernel = uts.release;
  os.architecture = uts.machine;
  return os;
}

Result<std::vector<Hotfix>> ListHotfixes() {
  return Unexpected(Unimplemented("installed patches are listed on Windows only"));
}

Result<std::string> GetFileVersion(const std::string&) {
  return Unexpected(Unimplemented("file version resources are a Windows concept"));
}

}  // namespace otguard::platform
