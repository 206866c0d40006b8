// Configuration files under a ConfigRoot; see config_files.h.
#include "platform/linux/config_files.h"

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <map>

namespace otguard::platform::linux_internal {
namespace {

// Linux's own limit for one path lookup (MAXSYMLINKS is 40); a chain longer than this is a
// loop or a trap.
constexpr int kMaxLinkHops = 32;

std::string BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// The target of the link at `rooted`; nullopt when it is not a link (or cannot be read).
std::optional<std::string> ReadLink(const std::string& rooted) {
  char buf[PATH_MAX];
  ssize_t n = readlink(rooted.c_str(), buf, sizeof buf);
  if (n < 0 || static_cast<size_t>(n) >= sizeof buf) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

// The assignments of `file` (a host path) followed by those of its drop-ins.
std::vector<UnitAssignment> LoadSettings(const ConfigRoot& where, const std::string& name,
                                         const std::string& file) {
  std::vector<UnitAssignment> settings;
  if (auto text = ReadConfigFile(where, file)) settings = ParseUnitFile(*text);
  std::map<std::string, std::string> dropins;  // file name -> the host path that wins
  for (std::string_view dir : kUnitDirectories) {
    std::string dropin_dir = std::string(dir) + "/" + name + ".d";
    for (const std::string& entry : ListConfigDirectory(where, dropin_dir)) {
      if (entry.ends_with(".conf")) dropins.emplace(entry, dropin_dir + "/" + entry);
    }
  }
  for (const auto& [entry, path] : dropins) {
    auto text = ReadConfigFile(where, path);
    if (!text) continue;
    std::vector<UnitAssignment> more = ParseUnitFile(*text);
    settings.insert(settings.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return settings;
}

// The unit file `name` found at `path` in a unit directory; nullopt for a link that leads
// nowhere, and for an alias unless `follow_alias`.
std::optional<UnitFile> LoadUnitAt(const ConfigRoot& where, const std::string& name,
                                   const std::string& path, bool follow_alias) {
  auto resolved = ResolveLinks(where, path);
  if (!resolved) return std::nullopt;
  UnitFile unit{name, path, resolved->dev_null, {}};
  if (!unit.masked) {
    // An alias (dbus-org.freedesktop.timesync1.service -> systemd-timesyncd.service) is the
    // same unit under another name: listed once, under the name of the file.
    if (!follow_alias && BaseName(resolved->host_path) != name) return std::nullopt;
    auto info = StatConfigPath(where, resolved->host_path);
    if (!info || info->type != FileType::kRegular) return std::nullopt;
    unit.masked = info->size == 0;
  }
  if (!unit.masked) unit.settings = LoadSettings(where, name, resolved->host_path);
  return unit;
}

bool IsTemplate(std::string_view name) {
  size_t at = name.find('@');
  return at != std::string_view::npos && name.find('.', at) == at + 1;
}

}  // namespace

std::string UnderRoot(const ConfigRoot& where, std::string_view host_path) {
  std::string out = where.root;
  while (!out.empty() && out.back() == '/') out.pop_back();
  if (host_path.empty() || host_path.front() != '/') out.push_back('/');
  out.append(host_path);
  return out;
}

Result<ResolvedPath> ResolveLinks(const ConfigRoot& where, const std::string& host_path) {
  std::string current = host_path;
  for (int hop = 0; hop <= kMaxLinkHops; ++hop) {
    if (current == "/dev/null") return ResolvedPath{current, true};
    std::string rooted = UnderRoot(where, current);
    auto info = StatPath(rooted, /*follow_symlinks=*/false);
    if (!info) return Unexpected(info.error());
    if (info->type != FileType::kSymlink) return ResolvedPath{current, false};
    std::optional<std::string> target = ReadLink(rooted);
    if (!target.has_value() || target->empty()) {
      return Unexpected(NotFound(current + ": unreadable symbolic link"));
    }
    current = AbsolutePath(target->front() == '/' ? *target : DirName(current) + "/" + *target);
  }
  return Unexpected(InvalidArgument(host_path + ": too many levels of symbolic links"));
}

Result<std::string> ReadConfigFile(const ConfigRoot& where, const std::string& host_path,
                                   uint64_t max_bytes) {
  OTGUARD_ASSIGN_OR_RETURN(ResolvedPath resolved, ResolveLinks(where, host_path));
  if (resolved.dev_null) return std::string();
  return ReadFileToString(UnderRoot(where, resolved.host_path), max_bytes);
}

std::optional<FileInfo> StatConfigPath(const ConfigRoot& where, const std::string& host_path) {
  auto resolved = ResolveLinks(where, host_path);
  if (!resolved || resolved->dev_null) return std::nullopt;
  auto info = StatPath(UnderRoot(where, resolved->host_path), /*follow_symlinks=*/false);
  if (!info) return std::nullopt;
  return *info;
}

std::vector<std::string> ListConfigDirectory(const ConfigRoot& where, const std::string& host_dir) {
  auto names = ListDirectory(UnderRoot(where, host_dir));
  if (!names) return {};
  if (names->size() > kMaxDirectoryEntries) names->resize(kMaxDirectoryEntries);
  std::sort(names->begin(), names->end());
  return std::move(*names);
}

std::vector<UnitFile> LoadUnits(const ConfigRoot& where, std::string_view suffix) {
  std::map<std::string, std::string> found;  // unit name -> host path of the winning file
  for (std::string_view dir : kUnitDirectories) {
    for (const std::string& name : ListConfigDirectory(where, std::string(dir))) {
      if (name.size() <= suffix.size() || !name.ends_with(suffix) || IsTemplate(name)) continue;
      found.emplace(name, std::string(dir) + "/" + name);
    }
  }
  std::vector<UnitFile> units;
  for (const auto& [name, path] : found) {
    if (std::optional<UnitFile> unit = LoadUnitAt(where, name, path, /*follow_alias=*/false)) {
      units.push_back(std::move(*unit));
    }
  }
  return units;
}

std::optional<UnitFile> LoadUnit(const ConfigRoot& where, const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || IsTemplate(name)) {
    return std::nullopt;
  }
  for (std::string_view dir : kUnitDirectories) {
    std::string path = std::string(dir) + "/" + name;
    if (!StatPath(UnderRoot(where, path), /*follow_symlinks=*/false)) continue;
    return LoadUnitAt(where, name, path, /*follow_alias=*/true);
  }
  return std::nullopt;
}

std::set<std::string> EnabledUnits(const ConfigRoot& where) {
  std::set<std::string> enabled;
  for (std::string_view dir : kUnitDirectories) {
    for (const std::string& entry : ListConfigDirectory(where, std::string(dir))) {
      if (!entry.ends_with(".wants") && !entry.ends_with(".requires")) continue;
      for (const std::string& link : ListConfigDirectory(where, std::string(dir) + "/" + entry)) {
        enabled.insert(link);
      }
    }
  }
  return enabled;
}

std::string ResolveProgram(const ConfigRoot& where, const std::string& program) {
  if (program.empty() || program.find('/') != std::string::npos) return program;
  for (const char* dir :
       {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    std::string candidate = std::string(dir) + "/" + program;
    auto info = StatConfigPath(where, candidate);
    if (info && info->type == FileType::kRegular) return candidate;
  }
  return {};
}

}  // namespace otguard::platform::linux_internal
