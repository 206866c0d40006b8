#include "platform/linux/exec_text.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace otguard::platform::linux_internal {
namespace {

std::string Head(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}

TEST(ExecMountPointsTest, MarksRealFileSystemsWhereProgramsMayRun) {
  const std::string mountinfo =
      "22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
      "23 28 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw\n"
      "26 28 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw\n"
      "28 1 254:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n"
      "30 24 0:25 / /dev/shm rw,nosuid,nodev shared:4 - tmpfs tmpfs rw\n"
      "32 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
      "45 28 8:1 / /boot rw,relatime - ext2 /dev/sda1 rw\n"
      "46 28 8:1 / /boot rw,relatime - ext2 /dev/sda1 rw\n"  // mounted twice: marked once
      "48 28 0:40 / /opt/plant\\040software rw,relatime shared:33 - xfs /dev/sdb1 rw\n"
      "a broken line\n"
      "49 28 0:41 / /no/type rw -\n";
  EXPECT_EQ(ParseExecMountPoints(mountinfo),
            (std::vector<std::string>{"/", "/boot", "/dev/shm", "/opt/plant software"}));
}

TEST(ExecMountPointsTest, ThisHostHasARoot) {
  std::ifstream in("/proc/self/mountinfo");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> points = ParseExecMountPoints(text);
  EXPECT_NE(std::find(points.begin(), points.end(), "/"), points.end());
  EXPECT_EQ(std::find(points.begin(), points.end(), "/proc"), points.end());
}

TEST(ClassifyExecFileTest, DynamicProgramNamesItsInterpreter) {
  ExecFile file = ClassifyExecFile(Head("/bin/true"));
  EXPECT_EQ(file.kind, ExecFileKind::kElfWithInterpreter);
  EXPECT_EQ(file.interpreter, "/lib64/ld-linux-x86-64.so.2");
}

TEST(ClassifyExecFileTest, TheInterpreterHasNone) {
  ExecFile file = ClassifyExecFile(Head("/lib64/ld-linux-x86-64.so.2"));
  EXPECT_EQ(file.kind, ExecFileKind::kElfWithout);
  EXPECT_EQ(file.interpreter, "");
}

TEST(ClassifyExecFileTest, ScriptsAndOtherFiles) {
  EXPECT_EQ(ClassifyExecFile("#!/bin/sh\necho\n").kind, ExecFileKind::kScript);
  EXPECT_EQ(ClassifyExecFile("").kind, ExecFileKind::kOther);
  EXPECT_EQ(ClassifyExecFile("MZ\x90").kind, ExecFileKind::kOther);
  EXPECT_EQ(ClassifyExecFile("\x7f"
                             "ELF")
                .kind,
            ExecFileKind::kOther);  // header cut short
}

TEST(ClassifyExecFileTest, ProgramHeadersOutsideTheHeadAreNotGuessed) {
  std::string head = Head("/bin/true");
  ASSERT_GT(head.size(), 200u);
  head.resize(100);  // the ELF header, not all program headers
  ExecFile file = ClassifyExecFile(head);
  EXPECT_EQ(file.kind, ExecFileKind::kOther);
  EXPECT_EQ(file.interpreter, "");
}

}  // namespace
}  // namespace otguard::platform::linux_internal
