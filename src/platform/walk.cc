// The directory walk, the same on every OS; the OS lists and describes (walk_listing.h).
#include <set>
#include <string>

#include "otguard/platform/files.h"
#include "platform/walk_listing.h"

namespace otguard::platform {
namespace {

struct DirId {
  uint64_t device;
  uint64_t inode;
  auto operator<=>(const DirId&) const = default;
};

class Walker {
 public:
  Walker(const WalkOptions& options, const WalkCallbacks& callbacks)
      : options_(options), callbacks_(callbacks) {}

  // Returns false when on_file asked to stop.
  bool WalkRoot(const std::string& root) {
    // A root the user named is followed even when it is a link.
    auto info = StatPath(root, /*follow_symlinks=*/true);
    if (!info) {
      Issue(root, info.error());
      return true;
    }
    root_device_ = info->device;
    return Visit(root, *info);
  }

 private:
  void Issue(const std::string& path, WalkIssueKind kind, std::string message) {
    if (callbacks_.on_issue) callbacks_.on_issue(WalkIssue{path, kind, std::move(message)});
  }

  void Issue(const std::string& path, const Status& status) {
    WalkIssueKind kind = WalkIssueKind::kIoError;
    if (status.code() == StatusCode::kNotFound) kind = WalkIssueKind::kNotFound;
    if (status.code() == StatusCode::kPermissionDenied) kind = WalkIssueKind::kPermissionDenied;
    Issue(path, kind, std::string(status.message()));
  }

  bool Visit(const std::string& path, const FileInfo& info) {
    switch (info.type) {
      case FileType::kRegular:
        return callbacks_.on_file ? callbacks_.on_file(path, info) : true;
      case FileType::kDirectory:
        return VisitDirectory(path, info);
      case FileType::kSymlink:
        return VisitSymlink(path, info);
      case FileType::kOther:
        Issue(path, WalkIssueKind::kSpecialFile, "not a regular file (" + info.type_name + ")");
        return true;
    }
    return true;
  }

  bool VisitSymlink(const std::string& path, const FileInfo& info) {
    if (!options_.follow_symlinks) {
      Issue(path, WalkIssueKind::kSymlinkSkipped, info.type_name + " not followed");
      return true;
    }
    auto target = StatPath(path, /*follow_symlinks=*/true);
    if (!target) {
      // Dangling links and links to themselves (ELOOP, ERROR_CANT_RESOLVE_FILENAME).
      Issue(path, target.error());
      return true;
    }
    return Visit(path, *target);
  }

  bool VisitDirectory(const std::string& path, const FileInfo& info) {
    if (options_.one_file_system && info.device != root_device_) {
      Issue(path, WalkIssueKind::kOtherFileSystem, "on another file system, not entered");
      return true;
    }
    DirId id{info.device, info.inode};
    if (!ancestors_.insert(id).second) {
      Issue(path, WalkIssueKind::kSymlinkLoop, "directory loop: already inside this directory");
      return true;
    }
    bool go_on = VisitChildren(path, info.device);
    ancestors_.erase(id);
    return go_on;
  }

  bool VisitChildren(const std::string& path, uint64_t device) {
    if (callbacks_.enter_directory && !callbacks_.enter_directory(path)) return true;
    auto listing = internal::ListForWalk(path);
    if (!listing) {
      Issue(path, listing.error());
      return true;
    }
    for (size_t i = 0; i < (*listing)->size(); ++i) {
      std::string child = (*listing)->ChildPath(i);
      auto info = (*listing)->Describe(i, device);
      if (!info) {
        Issue(child, info.error());  // vanished since the listing, most often
        continue;
      }
      if (!Visit(child, *info)) return false;
    }
    return true;
  }

  const WalkOptions& options_;
  const WalkCallbacks& callbacks_;
  uint64_t root_device_ = 0;
  std::set<DirId> ancestors_;  // directories on the current path, by identity
};

}  // namespace

void Walk(std::span<const std::string> roots, const WalkOptions& options,
          const WalkCallbacks& callbacks) {
  for (const std::string& root : roots) {
    Walker walker(options, callbacks);
    if (!walker.WalkRoot(root)) return;
  }
}

}  // namespace otguard::platform
