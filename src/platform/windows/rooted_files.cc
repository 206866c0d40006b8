// A tree under a root on Windows (a Linux disk image audited from Windows): the root is
// prepended; links in such a tree are not re-rooted (the file layer does not read them).
#include "otguard/platform/rooted_files.h"

#include <algorithm>

namespace otguard::platform {

Result<std::string> ReadRootedFile(const ConfigRoot& where, const std::string& host_path,
                                   uint64_t max_bytes) {
  return ReadFileToString(where.root + host_path, max_bytes);
}

std::optional<FileInfo> StatRootedPath(const ConfigRoot& where, const std::string& host_path) {
  Result<FileInfo> info = StatPath(where.root + host_path, /*follow_symlinks=*/true);
  if (!info) return std::nullopt;
  return *info;
}

std::vector<std::string> ListRootedDirectory(const ConfigRoot& where, const std::string& host_dir) {
  Result<std::vector<std::string>> names = ListDirectory(where.root + host_dir);
  if (!names) return {};
  std::sort(names->begin(), names->end());
  return std::move(*names);
}

}  // namespace otguard::platform
