#include "otguard/platform/process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "otguard/platform/processes.h"

namespace otguard::platform {
namespace {

// Priority can only go down in a process, so lower it in a child.
TEST(ProcessTest, LowerPriorityGivesNice19AndIdleIo) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!LowerPriority().ok()) _exit(1);
    auto p = CurrentPriority();
    _exit(p && p->nice == 19 && p->io_idle ? 0 : 2);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ProcessTest, Identity) {
  EXPECT_GE(CpuCount(), 1u);
  EXPECT_FALSE(HostName().empty());
  EXPECT_FALSE(CurrentUserName().empty());
  EXPECT_NE(ExecutablePath().find("platform_process_test"), std::string::npos);
}

TEST(ProcessTest, TerminateProcessEndsAChildButNeverInitOrItself) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  ASSERT_TRUE(TerminateProcess(static_cast<uint32_t>(child)).ok());
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(TerminateProcess(1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(TerminateProcess(0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(TerminateProcess(CurrentProcessId()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(TerminateProcess(static_cast<uint32_t>(child)).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace otguard::platform
