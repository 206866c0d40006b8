#include "otguard/platform/processes.h"

#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "otguard/platform/process.h"

extern char** environ;

namespace otguard::platform {
namespace {

// A started test_child, killed and reaped when the test ends.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? buf : path;
}

// Polls the listing (posix_spawn returns after exec, but a loaded machine may be slow to show
// the new image) until `pid` shows up with a command line containing `marker`.
std::optional<ProcessInfo> WaitForProcess(uint32_t pid, const std::string& marker) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    auto list = ListProcesses();
    if (!list) return std::nullopt;
    for (const ProcessInfo& p : *list) {
      if (p.pid == pid && p.command_line && p.command_line->find(marker) != std::string::npos) {
        return p;
      }
    }
  }
  return std::nullopt;
}

std::string EffectiveUserName() {
  struct passwd* pw = getpwuid(geteuid());
  return pw != nullptr ? pw->pw_name : std::to_string(geteuid());
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(ProcessesTest, FindsChildWithParentPathCommandLineUserAndStartTime) {
  int64_t before = NowNs();
  Child child({OTGUARD_TEST_CHILD, "sleep", "30", "otguard marker"});
  ASSERT_GT(child.pid(), 0);
  auto p = WaitForProcess(static_cast<uint32_t>(child.pid()), "sleep 30");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->ppid, CurrentProcessId());
  EXPECT_EQ(p->name, "otguard_test_child");
  EXPECT_EQ(p->executable, RealPath(OTGUARD_TEST_CHILD));
  // An argument with a space is quoted, so the arguments can be told apart.
  EXPECT_EQ(*p->command_line, std::string(OTGUARD_TEST_CHILD) + " sleep 30 \"otguard marker\"");
  EXPECT_EQ(p->user, EffectiveUserName());
  // Boot time has whole-second resolution and start ticks 10 ms: allow a few seconds.
  EXPECT_GE(p->start_time_ns, before - 3'000'000'000LL);
  EXPECT_LE(p->start_time_ns, NowNs() + 3'000'000'000LL);
}

// comm is printed in parentheses and may contain ") ": a parser that stops at the first ')'
// reads the wrong parent.
TEST(ProcessesTest, NameWithParenthesisAndSpaceIsParsed) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("otguard-procs-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::path link = dir / "odd) (name";
  std::filesystem::remove(link);
  std::filesystem::create_symlink(RealPath(OTGUARD_TEST_CHILD), link);
  {
    Child child({link.string(), "sleep", "30"});
    ASSERT_GT(child.pid(), 0);
    auto p = WaitForProcess(static_cast<uint32_t>(child.pid()), "sleep 30");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->name, "odd) (name");
    EXPECT_EQ(p->ppid, CurrentProcessId());
    EXPECT_GT(p->start_time_ns, 0);
  }
  std::filesystem::remove_all(dir);
}

// A child of a child has the intermediate process as its parent, not this one.
TEST(ProcessesTest, GrandchildHasIntermediateAsParent) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t intermediate = fork();
  ASSERT_GE(intermediate, 0);
  if (intermediate == 0) {
    // Only async-signal-safe calls after fork: spawn, report the pid, reap it, exit.
    close(pipe_fds[0]);
    char mode[] = "sleep", seconds[] = "30", path[] = OTGUARD_TEST_CHILD;
    char* argv[] = {path, mode, seconds, nullptr};
    pid_t grandchild = -1;
    if (posix_spawn(&grandchild, path, nullptr, nullptr, argv, environ) != 0) _exit(1);
    if (write(pipe_fds[1], &grandchild, sizeof grandchild) != sizeof grandchild) _exit(2);
    waitpid(grandchild, nullptr, 0);
    _exit(0);
  }
  close(pipe_fds[1]);
  pid_t grandchild = -1;
  ssize_t n = read(pipe_fds[0], &grandchild, sizeof grandchild);
  close(pipe_fds[0]);
  std::optional<ProcessInfo> p;
  if (n == sizeof grandchild) p = WaitForProcess(static_cast<uint32_t>(grandchild), "sleep 30");
  if (n == sizeof grandchild) kill(grandchild, SIGKILL);  // the intermediate then reaps and exits
  kill(intermediate, SIGKILL);
  waitpid(intermediate, nullptr, 0);
  ASSERT_EQ(n, static_cast<ssize_t>(sizeof grandchild));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->ppid, static_cast<uint32_t>(intermediate));
}

TEST(ProcessesTest, OwnEntryMatchesThisProcess) {
  auto list = ListProcesses();
  ASSERT_TRUE(list.has_value()) << list.error().message();
  const ProcessInfo* self = nullptr;
  for (const ProcessInfo& p : *list) {
    if (p.pid == CurrentProcessId()) self = &p;
  }
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(CurrentProcessId(), static_cast<uint32_t>(getpid()));
  EXPECT_EQ(self->executable, ExecutablePath());
  EXPECT_EQ(self->ppid, static_cast<uint32_t>(getppid()));
  ASSERT_TRUE(self->command_line.has_value());
  EXPECT_NE(self->command_line->find("processes_test"), std::string::npos);
  // "platform_processes_test" is longer than comm's 15 bytes: the full name is restored.
  EXPECT_EQ(self->name, "platform_processes_test");
}

}  // namespace
}  // namespace otguard::platform
