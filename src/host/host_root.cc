#include "otguard/host/host_root.h"

#include "otguard/platform/files.h"

namespace otguard::host {

Result<HostRoot> HostRoot::Open(std::string_view dir) {
  HostRoot root;
  if (dir.empty()) return root;
  std::string given(dir);
  Result<platform::FileInfo> info = platform::StatPath(given, /*follow_symlinks=*/true);
  if (!info) {
    Status error = info.error();
    if (error.code() == StatusCode::kNotFound)
      return Unexpected(NotFound("--root " + given + ": no such directory"));
    return Unexpected(error.WithContext("--root " + given));
  }
  if (info->type != platform::FileType::kDirectory) {
    return Unexpected(InvalidArgument("--root " + given + ": not a directory"));
  }
  root.path_ = platform::AbsolutePath(given);
  while (root.path_.size() > 1 && (root.path_.back() == '/' || root.path_.back() == '\\')) {
    root.path_.pop_back();
  }
  return root;
}

}  // namespace otguard::host
