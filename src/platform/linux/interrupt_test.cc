#include "otguard/platform/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>

namespace otguard::platform {
namespace {

using std::chrono::seconds;

// The process survives SIGINT and SIGTERM; each becomes a stop request on the StopSignal given
// last. Runs in its own test binary: the signals stay blocked for the rest of the process.
TEST(StopOnInterruptTest, SigintAndSigtermBecomeStopRequests) {
  static StopSignal first;
  ASSERT_TRUE(StopOnInterrupt(first).ok());
  EXPECT_FALSE(first.stopped());
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
  EXPECT_TRUE(first.WaitFor(seconds(10)));

  static StopSignal second;
  ASSERT_TRUE(StopOnInterrupt(second).ok());
  EXPECT_FALSE(second.stopped());
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  EXPECT_TRUE(second.WaitFor(seconds(10)));
}

}  // namespace
}  // namespace otguard::platform
