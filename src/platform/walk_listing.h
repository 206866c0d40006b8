// What the shared directory walker (src/platform/walk.cc) needs from each OS: a directory's
// children, listed and closed before the walk descends (a deep tree holds one directory handle
// at a time), and each child described as cheaply as the OS allows.
#ifndef OTGUARD_SRC_PLATFORM_WALK_LISTING_H_
#define OTGUARD_SRC_PLATFORM_WALK_LISTING_H_

#include <cstdint>
#include <memory>
#include <string>

#include "otguard/base/status.h"
#include "otguard/platform/files.h"

namespace otguard::platform::internal {

// The children of one directory, without "." and "..". Kept compact by each OS (a
// historian's directory can hold a million files).
class DirectoryListing {
 public:
  virtual ~DirectoryListing() = default;
  virtual size_t size() const = 0;
  virtual std::string ChildPath(size_t i) const = 0;
  // The child as StatPath(child, follow_symlinks=false) would describe it; NotFound when it
  // vanished since the listing. `device` is the directory's own (children of a directory
  // share its volume, except mount points, which are described as links or directories).
  virtual Result<FileInfo> Describe(size_t i, uint64_t device) const = 0;
};

Result<std::unique_ptr<DirectoryListing>> ListForWalk(const std::string& dir);

}  // namespace otguard::platform::internal

#endif  // OTGUARD_SRC_PLATFORM_WALK_LISTING_H_
