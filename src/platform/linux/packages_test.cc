#include "otguard/platform/packages.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace otguard::platform {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using testutil::TempDir;

constexpr char kStatus[] =
    "Package: zlib1g\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Maintainer: Mark Brown <broonie@debian.org>\n"
    "Version: 1:1.2.13.dfsg-1\n"
    "Description: compression library - runtime\n"
    " zlib is a library implementing the deflate compression method found\n"
    " Package: in-a-description\n"
    "\n"
    "Package: openssh-server\n"
    "Status: hold ok installed\n"
    "Architecture: amd64\n"
    "Version: 1:9.2p1-2+deb12u3\n"
    "\n"
    "Package: removed-tool\n"
    "Status: deinstall ok config-files\n"
    "Version: 1.0\n"
    "\n"
    "Package: zlib1g\n"
    "Status: install ok installed\n"
    "Architecture: i386\n"
    "Version: 1:1.2.13.dfsg-1\n"
    "\n"
    "Package: broken\n"
    "Status: install reinstreq half-installed\n";

TEST(ListPackagesTest, ListsInstalledPackagesSorted) {
  TempDir dir;
  dir.Mkdir("var/lib/dpkg");
  dir.Write("var/lib/dpkg/status", kStatus);
  auto list = ListPackages(ConfigRoot{dir.path()});
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 3u);
  const InstalledPackage& ssh = (*list)[0];
  EXPECT_EQ(ssh.name, "openssh-server");
  EXPECT_EQ(ssh.version, "1:9.2p1-2+deb12u3");
  EXPECT_EQ(ssh.publisher, "");
  EXPECT_EQ(ssh.source, "dpkg");
  EXPECT_EQ(ssh.installed_on, "");
  EXPECT_EQ((*list)[1].name, "zlib1g");
  EXPECT_EQ((*list)[1].architecture, "amd64");
  EXPECT_EQ((*list)[1].publisher, "Mark Brown <broonie@debian.org>");
  EXPECT_EQ((*list)[2].name, "zlib1g");
  EXPECT_EQ((*list)[2].architecture, "i386");
}

TEST(ListPackagesTest, NoDpkgDatabaseIsNotFound) {
  TempDir dir;
  auto list = ListPackages(ConfigRoot{dir.path()});
  ASSERT_FALSE(list.has_value());
  EXPECT_EQ(list.error().code(), StatusCode::kNotFound);
  auto owners = OwningPackages({"/bin/sh"}, ConfigRoot{dir.path()});
  ASSERT_FALSE(owners.has_value());
  EXPECT_EQ(owners.error().code(), StatusCode::kNotFound);
}

TEST(OwningPackagesTest, FindsOwnersAcrossUsrMerge) {
  TempDir dir;
  dir.Mkdir("var/lib/dpkg/info");
  dir.Write("var/lib/dpkg/info/openssh-server.list",
            "/.\n/usr\n/usr/sbin\n/usr/sbin/sshd\n/lib/systemd/system/ssh.service\n");
  dir.Write("var/lib/dpkg/info/netcat-traditional.list", "/.\n/bin\n/bin/nc.traditional\n");
  dir.Write("var/lib/dpkg/info/libc6:amd64.list", "/.\n/lib/x86_64-linux-gnu/libc.so.6\n");
  dir.Write("var/lib/dpkg/info/moved.list", "/usr/bin/moved\n");
  dir.Write("var/lib/dpkg/info/openssh-server.md5sums", "0000  usr/bin/ghost\n");
  auto owners = OwningPackages(
      {"/usr/sbin/sshd", "/usr/bin/nc.traditional", "/usr/lib/x86_64-linux-gnu/libc.so.6",
       "/bin/moved", "/usr/lib/systemd/system/ssh.service", "/usr/bin/ghost", "/opt/xmrig",
       "/usr/sbin/../sbin/sshd"},
      ConfigRoot{dir.path()});
  ASSERT_TRUE(owners.has_value()) << owners.error().ToString();
  EXPECT_THAT(*owners, ElementsAre(Pair("/bin/moved", "moved"),
                                   Pair("/usr/bin/nc.traditional", "netcat-traditional"),
                                   Pair("/usr/lib/systemd/system/ssh.service", "openssh-server"),
                                   Pair("/usr/lib/x86_64-linux-gnu/libc.so.6", "libc6"),
                                   Pair("/usr/sbin/../sbin/sshd", "openssh-server"),
                                   Pair("/usr/sbin/sshd", "openssh-server")));
  auto none = OwningPackages({}, ConfigRoot{dir.path()});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

// The live host (Debian 12 in CI): dpkg is installed and owns itself.
TEST(PackagesHostTest, DpkgOwnsItself) {
  if (!std::filesystem::exists("/var/lib/dpkg/status")) GTEST_SKIP() << "not a dpkg system";
  auto list = ListPackages();
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  EXPECT_TRUE(std::any_of(list->begin(), list->end(), [](const InstalledPackage& p) {
    return p.name == "dpkg" && !p.version.empty() && p.source == "dpkg";
  }));
  EXPECT_TRUE(std::is_sorted(list->begin(), list->end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
  std::vector<std::string> paths = {"/usr/bin/dpkg"};
  // Debian 12's coreutils still lists /bin/ls; a process shows /usr/bin/ls.
  std::ifstream coreutils("/var/lib/dpkg/info/coreutils.list");
  std::string line;
  bool lists_bin_ls = false;
  while (std::getline(coreutils, line)) lists_bin_ls |= line == "/bin/ls";
  if (lists_bin_ls) paths.push_back("/usr/bin/ls");
  auto owners = OwningPackages(paths);
  ASSERT_TRUE(owners.has_value()) << owners.error().ToString();
  EXPECT_EQ((*owners)["/usr/bin/dpkg"], "dpkg");
  if (lists_bin_ls) {
    EXPECT_EQ((*owners)["/usr/bin/ls"], "coreutils");
  }
}

TEST(PackageFileMd5Test, ReadsDpkgChecksumsAcrossUsrMergeAndArch) {
  TempDir dir;
  dir.Mkdir("var/lib/dpkg/info");
  dir.Write("var/lib/dpkg/info/opc-server.md5sums",
            "0123456789abcdef0123456789abcdef  usr/bin/opcd\n"
            "fedcba9876543210fedcba9876543210  usr/share/doc/opc/README\n");
  dir.Write("var/lib/dpkg/info/libc6:amd64.md5sums",
            "00112233445566778899aabbccddeeff  lib/x86_64-linux-gnu/libc.so.6\n");
  ConfigRoot root{dir.path()};
  EXPECT_EQ(*PackageFileMd5("opc-server", "/usr/bin/opcd", root),
            "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(*PackageFileMd5("opc-server", "/bin/opcd", root), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(*PackageFileMd5("libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6", root),
            "00112233445566778899aabbccddeeff");
  auto none = PackageFileMd5("opc-server", "/usr/bin/other", root);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), StatusCode::kNotFound);
  EXPECT_FALSE(PackageFileMd5("../etc", "/usr/bin/opcd", root));
  EXPECT_FALSE(PackageFileMd5("absent", "/usr/bin/opcd", root));
}

// A file that lives inside the root (a mounted image, a throw-away root) is looked up as the
// root's database names it: ROOT/usr/bin/opcd is /usr/bin/opcd there.
TEST(PackagesUnderRootTest, FilesInsideTheRootAreNamedWithoutIt) {
  TempDir dir;
  dir.Mkdir("var/lib/dpkg/info");
  dir.Write("var/lib/dpkg/info/opc-server.list", "/.\n/usr/bin/opcd\n");
  dir.Write("var/lib/dpkg/info/opc-server.md5sums",
            "0123456789abcdef0123456789abcdef  usr/bin/opcd\n");
  ConfigRoot root{dir.path() + "/"};
  std::string inside = dir.path() + "/usr/bin/opcd";
  auto owners = OwningPackages({inside, "/usr/bin/opcd", dir.path() + "x/usr/bin/opcd"}, root);
  ASSERT_TRUE(owners.has_value()) << owners.error().ToString();
  EXPECT_THAT(*owners,
              ElementsAre(Pair(inside, "opc-server"), Pair("/usr/bin/opcd", "opc-server")));
  EXPECT_EQ(*PackageFileMd5("opc-server", inside, root), "0123456789abcdef0123456789abcdef");
}

// dpkg's lock is held while it works (an fcntl write lock on /var/lib/dpkg/lock, as dpkg takes
// it): busy; released, absent: not. Asking never takes the lock.
TEST(PackageManagerBusyTest, FollowsDpkgsLock) {
  TempDir dir;
  ConfigRoot root{dir.path()};
  EXPECT_FALSE(PackageManagerBusy(root)) << "no lock file";
  dir.Mkdir("var/lib/dpkg");
  std::string lock = dir.Write("var/lib/dpkg/lock", "");
  EXPECT_FALSE(PackageManagerBusy(root));
  // The lock taken by another process (fcntl locks of this process would not conflict with
  // its own test), as dpkg takes it.
  std::string ready = dir.path() + "/ready", release = dir.path() + "/release";
  std::string command =
      "/usr/bin/python3 -c 'import fcntl,os,time\n"
      "f=open(\"" +
      lock +
      "\",\"r+\"); fcntl.lockf(f, fcntl.LOCK_EX)\n"
      "open(\"" +
      ready +
      "\",\"w\").close()\n"
      "end=time.time()+30\n"
      "while not os.path.exists(\"" +
      release + "\") and time.time()<end: time.sleep(0.02)' &";
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "needs /usr/bin/python3";
  ASSERT_EQ(std::system(command.c_str()), 0);
  for (int i = 0; i < 1000 && !std::filesystem::exists(ready); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(std::filesystem::exists(ready));
  EXPECT_TRUE(PackageManagerBusy(root));
  EXPECT_TRUE(PackageManagerBusy(root)) << "asking twice: the lock was not taken by the first";
  dir.Write("release", "");
  bool released = false;
  for (int i = 0; i < 1000 && !released; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    released = !PackageManagerBusy(root);
  }
  EXPECT_TRUE(released);
}

}  // namespace
}  // namespace otguard::platform
