// What the host is on Linux: the distribution from os-release(5), the kernel from uname(2).
#include "otguard/platform/system.h"

#include <sys/utsname.h>

#include <cerrno>
#include <fstream>
#include <optional>

#include "platform/os_release.h"

namespace otguard::platform {

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

OsFamily ThisOsFamily() { return OsFamily::kLinux; }

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
