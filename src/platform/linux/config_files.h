// Reading a host's configuration files under a ConfigRoot (the live host, a mounted disk image,
// a test tree), shared by services.cc and autoruns.cc: paths are the host's ("/etc/crontab")
// and every read happens under the root, symbolic links included (an absolute link target is
// taken under the root too, as the host would see it). Read-only and bounded: files are read
// up to a size cap, directories up to an entry cap, link chains up to a hop limit.
//
// Limitation: only links in the last component are re-rooted; a directory on the way that is
// an absolute link (rare: Debian's usrmerge links /lib -> usr/lib are relative) is resolved by
// the kernel, outside the root.
#ifndef OTGUARD_SRC_PLATFORM_LINUX_CONFIG_FILES_H_
#define OTGUARD_SRC_PLATFORM_LINUX_CONFIG_FILES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/platform/files.h"
#include "otguard/platform/packages.h"
#include "platform/linux/config_text.h"

namespace otguard::platform::linux_internal {

// Unit files, cron tables and init scripts are a few KiB; a larger one is not configuration.
constexpr uint64_t kMaxConfigFileBytes = 1 << 20;
// Entries read from one directory; /etc/init.d or a unit directory holds a few hundred.
constexpr size_t kMaxDirectoryEntries = 20000;

// `host_path` under where.root.
std::string UnderRoot(const ConfigRoot& where, std::string_view host_path);

// Where a chain of symbolic links ends, as a host path.
struct ResolvedPath {
  std::string host_path;
  bool dev_null = false;  // the chain ends at /dev/null (a masked unit); host_path is that
};
// Follows `host_path` while it is a symbolic link (at most 32 hops: InvalidArgument for a
// loop); NotFound when it or a link's target does not exist.
Result<ResolvedPath> ResolveLinks(const ConfigRoot& where, const std::string& host_path);

// The file `host_path` names (links followed under the root), at most `max_bytes` of it
// (ResourceExhausted beyond).
Result<std::string> ReadConfigFile(const ConfigRoot& where, const std::string& host_path,
                                   uint64_t max_bytes = kMaxConfigFileBytes);

// Information on what `host_path` names (links followed under the root); nullopt when absent.
std::optional<FileInfo> StatConfigPath(const ConfigRoot& where, const std::string& host_path);

// The names in a directory, sorted, at most kMaxDirectoryEntries; empty when it is missing or
// unreadable (callers skip what they cannot read).
std::vector<std::string> ListConfigDirectory(const ConfigRoot& where, const std::string& host_dir);

// ---- systemd units ----

// systemd's search path for system units, highest priority first (systemd.unit(5)).
constexpr std::array<std::string_view, 4> kUnitDirectories = {
    "/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"};

struct UnitFile {
  std::string name;  // "ssh.service"
  std::string path;  // where it was found, as a host path: "/lib/systemd/system/ssh.service"
  // Linked to /dev/null or empty: systemd will not load it (systemd.unit(5)).
  bool masked = false;
  // The file's assignments followed by those of its drop-ins (<name>.d/*.conf in every unit
  // directory, a higher-priority file of the same name replacing a lower one, applied in file
  // name order); empty when masked.
  std::vector<UnitAssignment> settings;
};

// The units named "*<suffix>" (".service", ".timer"), sorted by name: the first file of a name
// in kUnitDirectories wins. Templates ("getty@.service") are skipped, and so are aliases (a
// link to a unit of another name, which is listed under its own name).
std::vector<UnitFile> LoadUnits(const ConfigRoot& where, std::string_view suffix);
// The unit `name` (a timer's Unit=), as LoadUnits would find it but with an alias followed to
// the unit it names (settings and drop-ins are then the target's file with `name`'s drop-ins);
// nullopt when there is none.
std::optional<UnitFile> LoadUnit(const ConfigRoot& where, const std::string& name);

// Units enabled by a link in some *.wants/ or *.requires/ directory of kUnitDirectories
// (`systemctl enable` makes them from [Install] WantedBy=/RequiredBy=).
std::set<std::string> EnabledUnits(const ConfigRoot& where);

// A program name resolved as a shell would, through a standard PATH under the root: an
// absolute path is kept; a bare name becomes the first /usr/local/sbin, /usr/local/bin,
// /usr/sbin, /usr/bin, /sbin, /bin entry that exists; "" when none does (or for "").
std::string ResolveProgram(const ConfigRoot& where, const std::string& program);

}  // namespace otguard::platform::linux_internal

#endif  // OTGUARD_SRC_PLATFORM_LINUX_CONFIG_FILES_H_
