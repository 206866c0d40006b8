// Installed software: Debian packages (dpkg's database) on Linux, the programs listed under the
// Uninstall keys on Windows; and, on Linux, which package owns a file (the inventory's
// stand-in for a Windows signer).
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_PLATFORM_PACKAGES_H_
#define OTGUARD_PLATFORM_PACKAGES_H_

#include <map>
#include <string>
#include <vector>

#include "otguard/base/status.h"

namespace otguard::platform {

struct InstalledPackage {
  std::string name;          // "openssh-server"; on Windows the DisplayName
  std::string version;       // "1:9.2p1-2+deb12u3"; DisplayVersion
  std::string architecture;  // "amd64", "all"; on Windows "x86" for Wow6432Node entries, else ""
  std::string publisher;     // Maintainer on Linux, Publisher on Windows; may be ""
  std::string installed_on;  // Windows InstallDate as recorded ("20170315"); "" on Linux
  std::string source;        // "dpkg", "uninstall"
};

// Options shared by the readers of on-disk configuration: `root` is prepended to every path
// read (a mounted image of another host's disk, or a test tree); "" is the live host.
struct ConfigRoot {
  std::string root;
};

// Installed packages, sorted by name. Linux: only packages dpkg reports as installed
// ("install ok installed"); NotFound when there is no dpkg database (an RPM distribution).
// Windows: the Uninstall entries "Add or Remove Programs" shows (a DisplayName, not a
// SystemComponent, not an update with a ParentKeyName); `where` is ignored.
Result<std::vector<InstalledPackage>> ListPackages(const ConfigRoot& where = {});

// For each of `paths` (absolute, on the live host or under where.root) that a package installed,
// the package's name (a path under where.root is looked up as the root's database names it:
// ROOT/opt/x as /opt/x) ("openssh-server"); paths no package owns are absent. Unimplemented on
// Windows (GetFileSignature tells who made a file there).
Result<std::map<std::string, std::string>> OwningPackages(const std::vector<std::string>& paths,
                                                          const ConfigRoot& where = {});

// The MD5 (lower-case hex) that the installed package `package` records for the file `path`
// (Linux: dpkg's /var/lib/dpkg/info/<package>[:<arch>].md5sums, read under where.root; /bin
// and /usr/bin spellings both found, as usrmerge needs). NotFound when the package records no
// checksum for it; Unimplemented on Windows.
Result<std::string> PackageFileMd5(const std::string& package, const std::string& path,
                                   const ConfigRoot& where = {});

// Whether the package manager is changing the database under where.root right now (Linux:
// dpkg holds its lock, /var/lib/dpkg/lock; tested, never taken). A file it is replacing may
// not yet match the checksum it records. Always false on Windows.
bool PackageManagerBusy(const ConfigRoot& where = {});

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_PACKAGES_H_
