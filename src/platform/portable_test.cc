// Contracts of the platform interface that read the same on every OS: built into each OS's
// suite (natively on Linux, under Wine for Windows). OS-specific behaviour is tested in
// <os>/*_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "otguard/platform/process.h"
#include "otguard/platform/processes.h"

namespace otguard::platform {
namespace {

TEST(ProcessTest, CpuTimeGrowsWithWork) {
  auto before = ProcessCpuSeconds();
  ASSERT_TRUE(before.has_value());
  volatile double x = 0;
  double start = MonotonicSeconds();
  // Spin until 20 ms of CPU show up; on a busy machine that takes longer than 20 ms of wall
  // time, so the bound is generous and only a CPU clock that never moves fails.
  Result<double> after = before;
  while (*after - *before < 0.02 && MonotonicSeconds() - start < 10) {
    for (int i = 0; i < 100000; ++i) x = x + 1;
    after = ProcessCpuSeconds();
    ASSERT_TRUE(after.has_value());
  }
  EXPECT_GE(*after - *before, 0.02);
  EXPECT_GT(MonotonicSeconds(), start);
}

TEST(ProcessesTest, EveryEntryHasANameAndPidsAreUnique) {
  auto start = std::chrono::steady_clock::now();
  auto list = ListProcesses();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(list.has_value());
  EXPECT_GT(list->size(), 1u);
  std::vector<uint32_t> pids;
  for (const ProcessInfo& p : *list) {
    EXPECT_FALSE(p.name.empty()) << p.pid;
    pids.push_back(p.pid);
  }
  std::sort(pids.begin(), pids.end());
  EXPECT_EQ(std::adjacent_find(pids.begin(), pids.end()), pids.end());
  // Well under a second for a few hundred processes; the bound leaves room for a busy host.
  EXPECT_LT(seconds, 3.0) << list->size() << " processes";
}

TEST(ProcessesTest, ThisProcessIsListedWithItsExecutable) {
  auto list = ListProcesses();
  ASSERT_TRUE(list.has_value());
  auto self = std::find_if(list->begin(), list->end(),
                           [](const ProcessInfo& p) { return p.pid == CurrentProcessId(); });
  ASSERT_NE(self, list->end());
  EXPECT_EQ(self->executable, ExecutablePath());
  EXPECT_NE(self->name.find("platform_portable_test"), std::string::npos) << self->name;
}

}  // namespace
}  // namespace otguard::platform
