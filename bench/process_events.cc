// The process-observation benchmark's two halves (bench/process_events.py drives them):
//
//   process_events_bench load --rate N --count N --out FILE [--hold-ms MS]
//       starts N programs a second (/bin/true, or /bin/sleep for MS ms), `count` in all, and
//       writes "pid<TAB>ns" per start: the CLOCK_REALTIME time right before posix_spawn.
//   process_events_bench watch --source NAME --out FILE [--interval-ms MS]
//       opens that source, prints "ready" on stdout, and reads events until SIGTERM or SIGINT,
//       writing "pid<TAB>ns<TAB>complete<TAB>executable" per start: the time Next() returned
//       it. On exit it prints the lost-event count on stderr.
//
// The consumer is its own process, so its CPU time (the driver reads /proc/<pid>/stat) is the
// observation's alone, measured the same way as forkstat's.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "otguard/platform/process_events.h"

extern char** environ;

namespace {

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

const char* Arg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return fallback;
}

void ReapFinished() {
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

int Load(int argc, char** argv) {
  double rate = std::atof(Arg(argc, argv, "--rate", "200"));
  long count = std::atol(Arg(argc, argv, "--count", "2000"));
  long hold_ms = std::atol(Arg(argc, argv, "--hold-ms", "0"));
  FILE* out = std::fopen(Arg(argc, argv, "--out", "/dev/null"), "w");
  if (out == nullptr || rate <= 0) return 2;
  std::string seconds = std::to_string(hold_ms / 1000.0);
  std::vector<char*> args;
  if (hold_ms > 0) {
    args = {const_cast<char*>("/bin/sleep"), seconds.data(), nullptr};
  } else {
    args = {const_cast<char*>("/bin/true"), nullptr};
  }
  timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  const long step_ns = static_cast<long>(1e9 / rate);
  for (long i = 0; i < count; ++i) {
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
    int64_t before = NowNs();
    pid_t pid;
    if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) == 0) {
      std::fprintf(out, "%d\t%lld\n", pid, static_cast<long long>(before));
    }
    ReapFinished();
    next.tv_nsec += step_ns;
    while (next.tv_nsec >= 1'000'000'000L) {
      next.tv_nsec -= 1'000'000'000L;
      ++next.tv_sec;
    }
  }
  while (wait(nullptr) > 0) {
  }
  std::fclose(out);
  return 0;
}

otguard::platform::ProcessEventSource* g_source = nullptr;
volatile sig_atomic_t g_stop = 0;

void OnSignal(int) {
  g_stop = 1;
  if (g_source != nullptr) g_source->Stop();  // an eventfd write: async-signal-safe
}

int Watch(int argc, char** argv) {
  using namespace otguard::platform;
  ProcessEventSourceOptions options;
  options.prefer = {Arg(argc, argv, "--source", "proc-poll")};
  options.poll_interval =
      std::chrono::milliseconds(std::atol(Arg(argc, argv, "--interval-ms", "1000")));
  auto source = OpenProcessEventSource(options, nullptr);
  if (!source.has_value()) {
    std::fprintf(stderr, "%s\n", source.error().ToString().c_str());
    return 1;
  }
  FILE* out = std::fopen(Arg(argc, argv, "--out", "/dev/null"), "w");
  if (out == nullptr) return 2;
  g_source = source->get();
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::printf("ready\n");
  std::fflush(stdout);
  while (!g_stop) {
    auto batch = (*source)->Next();
    int64_t received = NowNs();
    if (!batch.has_value()) {
      std::fprintf(stderr, "%s\n", batch.error().ToString().c_str());
      return 1;
    }
    for (const ProcessEvent& e : *batch) {
      if (e.kind != ProcessEventKind::kStart) continue;
      std::fprintf(out, "%u\t%lld\t%d\t%s\n", e.pid, static_cast<long long>(received),
                   e.complete ? 1 : 0, e.executable.c_str());
    }
  }
  std::fclose(out);
  std::fprintf(stderr, "lost %llu\n", static_cast<unsigned long long>((*source)->lost_events()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "load") == 0) return Load(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "watch") == 0) return Watch(argc, argv);
  std::fprintf(stderr,
               "usage: process_events_bench load|watch ... (see bench/process_events.cc)\n");
  return 2;
}
