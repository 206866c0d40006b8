#include "scan/throttle.h"

#include <vector>

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

// A clock the test drives: CPU and wall seconds it sets, sleeps it records (and lets pass).
struct FakeClock {
  double cpu = 0;
  double wall = 0;
  std::vector<double> sleeps;
  CpuThrottle::Clock Get() {
    return {[this] { return cpu; }, [this] { return wall; },
            [this](double s) {
              sleeps.push_back(s);
              wall += s;
            }};
  }
};

TEST(CpuThrottleTest, PausesWhenOverBudgetAndNotWhenWithin) {
  FakeClock clock;
  CpuThrottle throttle(50, 1, clock.Get());  // half of one CPU
  clock.cpu = 1.0;
  clock.wall = 4.0;
  throttle.MaybePause();
  EXPECT_TRUE(clock.sleeps.empty());
  clock.cpu = 3.0;  // needs 6 s of wall time; 4 s passed
  throttle.MaybePause();
  ASSERT_EQ(clock.sleeps.size(), 1u);
  EXPECT_DOUBLE_EQ(clock.sleeps[0], 1.0);  // capped at max_pause_seconds
  throttle.MaybePause(5.0);
  ASSERT_EQ(clock.sleeps.size(), 2u);
  EXPECT_DOUBLE_EQ(clock.sleeps[1], 1.0);  // the rest: 6 - 5
  EXPECT_DOUBLE_EQ(throttle.paused_seconds(), 2.0);
}

TEST(CpuThrottleTest, CountsFromItsOwnStart) {
  FakeClock clock;
  clock.cpu = 100;  // CPU used before the scan began is not the scan's
  clock.wall = 50;
  CpuThrottle throttle(50, 1, clock.Get());
  clock.cpu = 100.5;
  clock.wall = 51;
  throttle.MaybePause();
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST(CpuThrottleTest, NoCpuClockNoPause) {
  FakeClock clock;
  CpuThrottle::Clock c = clock.Get();
  c.process_cpu_seconds = [] { return -1.0; };
  CpuThrottle throttle(1, 1, c);
  throttle.MaybePause();
  EXPECT_TRUE(clock.sleeps.empty());
}

}  // namespace
}  // namespace otguard::scan
