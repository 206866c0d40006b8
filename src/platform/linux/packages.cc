// Linux implementation of otguard/platform/packages.h: dpkg's database, read as files
// (/var/lib/dpkg/status, /var/lib/dpkg/info/*.list) so it works on a mounted disk image and
// needs no dpkg-query.
#include "otguard/platform/packages.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "otguard/platform/files.h"
#include "platform/linux/config_files.h"
#include "platform/linux/config_text.h"

namespace otguard::platform {
namespace {

// A desktop's status file is 2-5 MiB; a build server's with thousands of packages still fits.
constexpr uint64_t kMaxStatusBytes = 64ull << 20;
// The largest .list files (kernel modules, texlive) are a few MiB.
constexpr uint64_t kMaxListBytes = 16ull << 20;
constexpr char kInfoDir[] = "/var/lib/dpkg/info";

// usrmerge: Debian 12's packages list /bin/ls while /bin is a link to /usr/bin, so a process
// runs /usr/bin/ls (and a package that already moved lists /usr/bin/x that /bin/x also
// names). The other spelling of `path`, or "" when it has none.
std::string UsrMergeAlias(const std::string& path) {
  for (const char* dir : {"/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"}) {
    std::string_view d(dir);
    if (path.starts_with(d)) return "/usr" + path;
    if (path.starts_with("/usr") && std::string_view(path).substr(4).starts_with(d)) {
      return path.substr(4);
    }
  }
  return {};
}

// A file of this host that lives under where.root (a mounted disk image, a throw-away root) is
// named in that root's database without the root: /mnt/image/opt/x is /opt/x there. Any other
// path is taken as it is.
std::string PathInRoot(const ConfigRoot& where, const std::string& path) {
  std::string normal = AbsolutePath(path);
  std::string_view root = where.root;
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  if (!root.empty() && normal.size() > root.size() && normal.starts_with(root) &&
      normal[root.size()] == '/') {
    return normal.substr(root.size());
  }
  return normal;
}

// Lets the path set be searched with a string_view per list line, without a copy.
struct PathHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

}  // namespace

Result<std::vector<InstalledPackage>> ListPackages(const ConfigRoot& where) {
  const std::string status_path = linux_internal::UnderRoot(where, "/var/lib/dpkg/status");
  auto text = ReadFileToString(status_path, kMaxStatusBytes);
  if (!text) {
    if (text.error().code() == StatusCode::kNotFound) {
      return Unexpected(NotFound(status_path + ": no dpkg database (not a Debian system?)"));
    }
    return Unexpected(text.error());
  }
  std::vector<InstalledPackage> packages;
  for (linux_internal::DpkgRecord& r : linux_internal::ParseDpkgStatus(*text)) {
    if (!linux_internal::IsInstalledStatus(r.status)) continue;
    packages.push_back({std::move(r.package), std::move(r.version), std::move(r.architecture),
                        std::move(r.maintainer), "", "dpkg"});
  }
  std::sort(packages.begin(), packages.end(),
            [](const InstalledPackage& a, const InstalledPackage& b) {
              return a.name != b.name ? a.name < b.name : a.architecture < b.architecture;
            });
  return packages;
}

Result<std::map<std::string, std::string>> OwningPackages(const std::vector<std::string>& paths,
                                                          const ConfigRoot& where) {
  // Every spelling we look for -> the paths the caller gave that it stands for.
  std::unordered_map<std::string, std::vector<const std::string*>, PathHash, std::equal_to<>>
      wanted;
  std::unordered_set<std::string_view> distinct;
  for (const std::string& path : paths) {
    distinct.insert(path);
    std::string normal = PathInRoot(where, path);
    wanted[normal].push_back(&path);
    if (std::string alias = UsrMergeAlias(normal); !alias.empty()) wanted[alias].push_back(&path);
  }
  const std::string info_dir = linux_internal::UnderRoot(where, kInfoDir);
  auto names = ListDirectory(info_dir);
  if (!names) {
    if (names.error().code() == StatusCode::kNotFound) {
      return Unexpected(NotFound(info_dir + ": no dpkg database (not a Debian system?)"));
    }
    return Unexpected(names.error());
  }
  std::sort(names->begin(), names->end());  // the same owner every time a path has two
  std::map<std::string, std::string> owners;
  for (const std::string& name : *names) {
    if (owners.size() == distinct.size()) break;  // every path found: the rest is not needed
    std::string package = linux_internal::PackageOfListFile(name);
    if (package.empty()) continue;
    auto text = ReadFileToString(info_dir + "/" + name, kMaxListBytes);
    if (!text) continue;  // a list being rewritten by dpkg, or unreadable: the others still count
    linux_internal::ForEachListedPath(*text, [&](std::string_view line) {
      auto it = wanted.find(line);
      if (it == wanted.end()) return;
      for (const std::string* original : it->second) owners.emplace(*original, package);
      wanted.erase(it);
    });
  }
  return owners;
}

Result<std::string> PackageFileMd5(const std::string& package, const std::string& path,
                                   const ConfigRoot& where) {
  if (package.empty() || package.find('/') != std::string::npos) {
    return Unexpected(InvalidArgument("not a package name: '" + package + "'"));
  }
  const std::string info_dir = linux_internal::UnderRoot(where, kInfoDir);
  // "<package>.md5sums", or "<package>:<arch>.md5sums" for Multi-Arch packages.
  std::vector<std::string> candidates = {package + ".md5sums"};
  if (auto names = ListDirectory(info_dir)) {
    std::sort(names->begin(), names->end());
    for (const std::string& name : *names) {
      if (name.starts_with(package + ":") && name.ends_with(".md5sums")) candidates.push_back(name);
    }
  }
  // md5sums lines: "<32 hex>  <path without the leading slash>".
  std::string normal = PathInRoot(where, path);
  std::string alias = UsrMergeAlias(normal);
  for (const std::string& name : candidates) {
    auto text = ReadFileToString(info_dir + "/" + name, kMaxListBytes);
    if (!text) continue;
    std::string_view rest = *text;
    while (!rest.empty()) {
      size_t end = rest.find('\n');
      std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (line.size() < 35 || line[32] != ' ') continue;
      std::string_view file = line.substr(33);
      while (!file.empty() && file.front() == ' ') file.remove_prefix(1);
      std::string listed = "/" + std::string(file);
      if (listed == normal || (!alias.empty() && listed == alias)) {
        return std::string(line.substr(0, 32));
      }
    }
  }
  return Unexpected(NotFound(package + " records no checksum for " + path));
}

bool PackageManagerBusy(const ConfigRoot& where) {
  // dpkg holds an fcntl write lock on its database's lock file while it changes anything
  // (apt, through dpkg, too). F_GETLK only asks; it never takes or waits for the lock.
  const std::string lock_path = linux_internal::UnderRoot(where, "/var/lib/dpkg/lock");
  int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return false;
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  bool busy = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  ::close(fd);
  return busy;
}

}  // namespace otguard::platform
