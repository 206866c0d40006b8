// Files of the system under a ConfigRoot (a mounted image of another host's disk, a test tree,
// or the live host when the root is ""), read as that system sees them. On Linux a symbolic
// link's absolute target is taken under the root too, so an image's link never leads to this
// host's file; on Windows the root is prepended. Read-only and bounded.
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_PLATFORM_ROOTED_FILES_H_
#define OTGUARD_PLATFORM_ROOTED_FILES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/platform/files.h"
#include "otguard/platform/packages.h"

namespace otguard::platform {

// At most `max_bytes` of the file `host_path` ("/etc/ssh/sshd_config") names, links followed
// under the root. NotFound when it or a link's target is missing; ResourceExhausted when
// larger; InvalidArgument for a link loop.
Result<std::string> ReadRootedFile(const ConfigRoot& where, const std::string& host_path,
                                   uint64_t max_bytes);

// What `host_path` names, links followed under the root; nullopt when absent.
std::optional<FileInfo> StatRootedPath(const ConfigRoot& where, const std::string& host_path);

// The names in the directory `host_dir`, sorted; empty when it is missing or unreadable.
std::vector<std::string> ListRootedDirectory(const ConfigRoot& where, const std::string& host_dir);

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_ROOTED_FILES_H_
