// A host's file tree in a temporary directory, for the tests of the readers that honour a
// ConfigRoot (services, autoruns, packages, accounts).
#ifndef OTGUARD_SRC_PLATFORM_LINUX_TESTING_FAKE_HOST_H_
#define OTGUARD_SRC_PLATFORM_LINUX_TESTING_FAKE_HOST_H_

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "otguard/platform/packages.h"
#include "testing/temp_dir.h"

namespace otguard::platform::fakes {

class FakeHost {
 public:
  // Writes `text` to `path` (relative to the tree) with `mode`; returns the full path.
  std::string Write(const std::string& path, const std::string& text, mode_t mode = 0644) {
    dir_.Mkdir(std::filesystem::path(path).parent_path().string());
    std::string p = dir_.Write(path, text);
    chmod(p.c_str(), mode);
    return p;
  }
  void Link(const std::string& target, const std::string& path) {
    dir_.Mkdir(std::filesystem::path(path).parent_path().string());
    ASSERT_EQ(symlink(target.c_str(), dir_.File(path).c_str()), 0) << path;
  }
  ConfigRoot root() const { return {dir_.path()}; }

 private:
  testutil::TempDir dir_;
};

}  // namespace otguard::platform::fakes

#endif  // OTGUARD_SRC_PLATFORM_LINUX_TESTING_FAKE_HOST_H_
