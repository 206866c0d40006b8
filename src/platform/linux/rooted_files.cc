// The public face of the configuration readers' rooted file access (config_files.h).
#include "otguard/platform/rooted_files.h"

#include "platform/linux/config_files.h"

namespace otguard::platform {

Result<std::string> ReadRootedFile(const ConfigRoot& where, const std::string& host_path,
                                   uint64_t max_bytes) {
  return linux_internal::ReadConfigFile(where, host_path, max_bytes);
}

std::optional<FileInfo> StatRootedPath(const ConfigRoot& where, const std::string& host_path) {
  return linux_internal::StatConfigPath(where, host_path);
}

std::vector<std::string> ListRootedDirectory(const ConfigRoot& where, const std::string& host_dir) {
  return linux_internal::ListConfigDirectory(where, host_dir);
}

}  // namespace otguard::platform
