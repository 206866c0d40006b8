// What the host is: OS version and installed patches.
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_PLATFORM_SYSTEM_H_
#define OTGUARD_PLATFORM_SYSTEM_H_

#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/platform/packages.h"

namespace otguard::platform {

// The OS family this build runs on: other libraries decide per OS by asking this, never by
// testing _WIN32.
enum class OsFamily { kLinux, kWindows };
OsFamily ThisOsFamily();

struct OsVersion {
  std::string family;        // "windows" or "linux" (ECS os.family)
  std::string name;          // "Windows 7 Professional", "Debian GNU/Linux 12 (bookworm)"
  std::string version;       // "6.1", "12"
  std::string build;         // "7601"; on Linux the kernel release
  std::string service_pack;  // "Service Pack 3"; "" when none or not Windows
  std::string architecture;  // of the OS, not of this build: "x86_64", "x86", "aarch64"
  std::string kernel;        // "6.1.7601" on Windows, the kernel release on Linux
};
Result<OsVersion> GetOsVersion();
// The OS of the system under where.root (an image of another host's disk, a test tree) as its
// os-release(5) says: family "linux", name (PRETTY_NAME) and version (VERSION_ID) as far as
// the file gives them, the rest empty; nothing is an error there. An empty root is the live
// host: GetOsVersion().
Result<OsVersion> GetOsVersion(const ConfigRoot& where);

// An installed update ("KB4012212"). On Windows from the registry: Component Based Servicing
// packages (Vista and later) and the Updates and HotFix keys (XP and 2003). Unimplemented on
// Linux (package versions come with the inventory issue).
struct Hotfix {
  std::string id;            // "KB4012212"
  std::string description;   // "Security Update", a package name, ... ; may be ""
  std::string installed_on;  // as recorded ("20170315", an RFC 3339 time); may be ""
  std::string source;        // where it was found: "cbs", "updates", "hotfix"
};
Result<std::vector<Hotfix>> ListHotfixes();

// The file version from a PE file's VS_FIXEDFILEINFO ("6.1.7601.23689"), as Windows Explorer
// shows it (GetFileVersionInfo). NotFound when the file or its version resource is missing;
// Unimplemented on Linux.
Result<std::string> GetFileVersion(const std::string& path);

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_SYSTEM_H_
