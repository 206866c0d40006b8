// Test support shared by every library's tests: a scratch directory removed afterwards.
// Header-only, standard C++ only, so the Windows test build can use it too.
#ifndef OTGUARD_SRC_TESTING_TEMP_DIR_H_
#define OTGUARD_SRC_TESTING_TEMP_DIR_H_

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

#include <gtest/gtest.h>

namespace otguard::testutil {

// A new, empty directory under GoogleTest's temporary directory, traversable by others (some
// tests run a child as an unprivileged user). Removed with everything in it on destruction,
// even where a test took permissions away.
class TempDir {
 public:
  TempDir() {
    namespace fs = std::filesystem;
    std::random_device random;
    for (;;) {
      fs::path candidate = fs::path(::testing::TempDir()) / ("otguard_" + std::to_string(random()));
      std::error_code ec;
      if (fs::create_directory(candidate, ec)) {
        path_ = candidate.string();
        break;
      }
      if (ec) ADD_FAILURE() << "cannot create a temporary directory: " << ec.message();
    }
    std::filesystem::permissions(path_, std::filesystem::perms(0755));
  }
  ~TempDir() {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    for (auto it = fs::recursive_directory_iterator(path_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) {
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
      }
    }
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the directory (nothing is created).
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Writes `data` to `name` and returns its path.
  std::string Write(const std::string& name, std::string_view data) const {
    std::string p = File(name);
    std::ofstream(p, std::ios::binary)
        .write(data.data(), static_cast<std::streamsize>(data.size()));
    return p;
  }
  // Creates the directory `name` and returns its path.
  std::string Mkdir(const std::string& name) const {
    std::string p = File(name);
    std::filesystem::create_directories(p);
    std::filesystem::permissions(p, std::filesystem::perms(0755));
    return p;
  }

 private:
  std::string path_;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace otguard::testutil

#endif  // OTGUARD_SRC_TESTING_TEMP_DIR_H_
