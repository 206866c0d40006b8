#include "scan/throttle.h"

#include <gtest/gtest.h>

namespace otguard::scan {
namespace {

TEST(PauseForBudgetTest, WithinBudgetNoPause) {
  // 50 % of 2 CPUs = 1 CPU: 1 s of CPU in 1 s of wall time is exactly on budget.
  EXPECT_DOUBLE_EQ(PauseForBudget(50, 2, 1.0, 1.0), 0.0);
  EXPECT_DOUBLE_EQ(PauseForBudget(50, 2, 0.5, 1.0), 0.0);
}

TEST(PauseForBudgetTest, OverBudgetPausesUntilOnBudget) {
  // 25 % of 2 CPUs = 0.5 CPU: 2 s of CPU may take no less than 4 s; 1 s passed, pause 3 s.
  EXPECT_DOUBLE_EQ(PauseForBudget(25, 2, 2.0, 1.0), 3.0);
  // 10 % of 1 CPU: 0.2 s of CPU needs 2 s of wall time.
  EXPECT_NEAR(PauseForBudget(10, 1, 0.2, 0.5), 1.5, 1e-9);
}

TEST(PauseForBudgetTest, DisabledOrDegenerate) {
  EXPECT_EQ(PauseForBudget(0, 4, 100, 1), 0.0);
  EXPECT_EQ(PauseForBudget(-5, 4, 100, 1), 0.0);
  EXPECT_EQ(PauseForBudget(50, 0, 100, 1), 0.0);
}

TEST(CpuThrottleTest, DisabledNeverPauses) {
  CpuThrottle throttle(0, 1);
  throttle.MaybePause();
  EXPECT_EQ(throttle.paused_seconds(), 0.0);
}

}  // namespace
}  // namespace otguard::scan
