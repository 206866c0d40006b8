// `--root DIR`: examine another system's files (a mounted disk image, a test tree) instead of
// this host's. One value, validated once, for inventory, hunt and audit: each reads the files
// it examines under the root and says in its own documentation which live facts (processes,
// sockets) it leaves out or keeps.
//
// Thread-safety: a plain value.
#ifndef OTGUARD_HOST_HOST_ROOT_H_
#define OTGUARD_HOST_HOST_ROOT_H_

#include <string>
#include <string_view>

#include "otguard/base/status.h"
#include "otguard/platform/packages.h"

namespace otguard::host {

class HostRoot {
 public:
  // The live host: files are read where they are.
  HostRoot() = default;

  // `dir` as given on the command line; "" is the live host. The root is made absolute and
  // loses trailing separators (every examined path starts with one). Errors, the same for
  // every command: NotFound when `dir` does not exist, InvalidArgument when it is not a
  // directory; both messages start with "--root <dir>: ".
  static Result<HostRoot> Open(std::string_view dir);

  bool live() const { return path_.empty(); }
  // The absolute root, "" for the live host.
  const std::string& path() const { return path_; }
  // For the platform's configuration readers.
  platform::ConfigRoot config() const { return platform::ConfigRoot{path_}; }

 private:
  std::string path_;
};

}  // namespace otguard::host

#endif  // OTGUARD_HOST_HOST_ROOT_H_
