// The Windows process-event sources against real processes (under Wine in CI): toolhelp-poll
// must report a started test_child with its pid, parent, executable and command line, and its
// exit; the probe must fall back to it when "etw" does not open.
#include <windows.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include "otguard/platform/process_events.h"
#include "platform/windows/process_events_internal.h"
#include "platform/windows/processes_internal.h"
#include "platform/windows/testing/child_process.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using std::chrono::milliseconds;
using windows_internal::CompareSnapshots;
using windows_internal::KnownProcess;

using testutil::Child;
using testutil::ChildPath;
using testutil::Lower;

// Reads events until `done` holds for what was read, or the deadline passes.
std::vector<ProcessEvent> ReadUntil(
    ProcessEventSource* source, const std::function<bool(const std::vector<ProcessEvent>&)>& done,
    milliseconds limit = milliseconds(20'000)) {
  std::vector<ProcessEvent> all;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done(all) && std::chrono::steady_clock::now() < deadline) {
    Result<std::vector<ProcessEvent>> batch = source->Next();
    EXPECT_TRUE(batch.has_value()) << batch.error().ToString();
    if (!batch.has_value()) break;
    all.insert(all.end(), batch->begin(), batch->end());
  }
  return all;
}

std::optional<ProcessEvent> Find(const std::vector<ProcessEvent>& events, ProcessEventKind kind,
                                 uint32_t pid) {
  for (const ProcessEvent& e : events) {
    if (e.kind == kind && e.pid == pid) return e;
  }
  return std::nullopt;
}

ProcessInfo Listed(uint32_t pid, uint32_t ppid, const char* name, int64_t start) {
  ProcessInfo p;
  p.pid = pid;
  p.ppid = ppid;
  p.name = name;
  p.start_time_ns = start;
  return p;
}

TEST(CompareSnapshotsTest, StartsEndsAndReusedPids) {
  std::unordered_map<uint32_t, KnownProcess> known = {
      {4, {0, 0, "System"}},          // not openable: no start time
      {100, {500, 4, "smss.exe"}},    // will be reused
      {200, {600, 100, "a.exe"}},     // will end
      {300, {0, 100, "locked.exe"}},  // not openable; reused by a process with another name
      {400, {700, 100, "b.exe"}},     // unchanged
  };
  std::vector<ProcessInfo> now = {
      Listed(0, 0, "[System Process]", 0),  // Idle: never reported
      Listed(4, 0, "System", 0),
      Listed(100, 4, "smss.exe", 900),
      Listed(300, 100, "other.exe", 0),
      Listed(400, 100, "b.exe", 700),
      Listed(500, 400, "new.exe", 950),
      Listed(500, 400, "dup.exe", 960),  // a pid twice in one snapshot: the first counts
  };
  auto change = CompareSnapshots(now, &known);
  ASSERT_EQ(change.started.size(), 3u);
  EXPECT_EQ(change.started[0].pid, 100u);
  EXPECT_EQ(change.started[0].start_time_ns, 900);
  EXPECT_EQ(change.started[1].pid, 300u);
  EXPECT_EQ(change.started[2].pid, 500u);
  EXPECT_EQ(change.started[2].name, "new.exe");
  std::sort(change.ended.begin(), change.ended.end());
  EXPECT_EQ(change.ended, (std::vector<uint32_t>{100, 200, 300}));
  EXPECT_EQ(known.size(), 5u);
  EXPECT_FALSE(known.contains(0));
  EXPECT_EQ(known[100].start_time_ns, 900);
  // Nothing changed: nothing reported.
  change = CompareSnapshots(now, &known);
  EXPECT_TRUE(change.started.empty());
  EXPECT_TRUE(change.ended.empty());
}

// A little-endian payload as ETW delivers it.
class Payload {
 public:
  Payload& U32(uint32_t v) { return Bytes(&v, sizeof v); }
  Payload& U64(uint64_t v) { return Bytes(&v, sizeof v); }
  // 2026-01-01T00:00:00Z as FILETIME ticks, plus `extra` ticks.
  Payload& Time(uint64_t extra = 0) { return U64(116444736000000000ULL + kNs / 100 + extra); }
  Payload& Wide(const std::u16string& s) {
    for (char16_t c : s) Bytes(&c, sizeof c);
    char16_t nul = 0;
    return Bytes(&nul, sizeof nul);
  }
  Payload& Sid(uint8_t sub_authorities) {
    unsigned char head[8] = {1, sub_authorities, 0, 0, 0, 0, 0, 16};
    Bytes(head, sizeof head);
    for (uint8_t i = 0; i < sub_authorities; ++i) U32(0x3000 + i);
    return *this;
  }
  Payload& Bytes(const void* p, size_t n) {
    auto* b = static_cast<const unsigned char*>(p);
    data.insert(data.end(), b, b + n);
    return *this;
  }
  static constexpr int64_t kNs = 1'767'225'600'000'000'000LL;
  std::vector<unsigned char> data;
};

const std::u16string kImage = u"\\Device\\HarddiskVolume2\\Program Files\\\u00e9t\u00e9.exe";
const std::string kImageUtf8 = "\\Device\\HarddiskVolume2\\Program Files\\\xc3\xa9t\xc3\xa9.exe";

TEST(ParseKernelProcessEventTest, ProcessStartEveryVersion) {
  Payload v0, v1, v3;
  v0.U32(1234).Time(7).U32(56).U32(1).Wide(kImage);
  v1.U32(1234).Time(7).U32(56).U32(1).U32(0).Wide(kImage).U32(0xabcd).U32(0x1234);
  v3.U32(1234).U64(99).Time(7).U32(56).U64(98).U32(1).U32(0).U32(2).U32(1).Sid(5).Wide(kImage);
  const std::pair<uint8_t, Payload*> cases[] = {{0, &v0}, {1, &v1}, {2, &v1}, {3, &v3}, {4, &v3}};
  for (const auto& [version, payload] : cases) {
    auto e = windows_internal::ParseKernelProcessEvent(1, version, payload->data.data(),
                                                       payload->data.size());
    ASSERT_TRUE(e.has_value()) << "version " << int(version);
    EXPECT_EQ(e->kind, ProcessEventKind::kStart);
    EXPECT_EQ(e->pid, 1234u);
    EXPECT_EQ(e->ppid, 56u);
    EXPECT_EQ(e->start_time_ns, Payload::kNs + 700);
    EXPECT_EQ(e->executable, kImageUtf8) << "version " << int(version);
    EXPECT_FALSE(e->complete);
  }
}

TEST(ParseKernelProcessEventTest, ProcessStopEveryVersion) {
  Payload v0, v2;
  v0.U32(1234).Time().Time(10).U32(0xC0000005).U32(1).U32(20).U64(4096).U64(8192);
  v2.U32(1234).U64(99).Time().Time(10).U32(3).U32(1).U32(20);
  auto e = windows_internal::ParseKernelProcessEvent(2, 0, v0.data.data(), v0.data.size());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, ProcessEventKind::kExit);
  EXPECT_EQ(e->pid, 1234u);
  EXPECT_EQ(e->start_time_ns, Payload::kNs);
  EXPECT_EQ(static_cast<uint32_t>(e->exit_code), 0xC0000005u);
  e = windows_internal::ParseKernelProcessEvent(2, 2, v2.data.data(), v2.data.size());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->pid, 1234u);
  EXPECT_EQ(e->start_time_ns, Payload::kNs);
  EXPECT_EQ(e->exit_code, 3);
}

TEST(ParseKernelProcessEventTest, ShortOrOtherPayloadsAreRefused) {
  Payload start;
  start.U32(1234).U64(99).Time().U32(56).U64(98).U32(1).U32(0).U32(2).U32(1).Sid(15);
  // Every truncation of a v3 start before its image name, and of a stop, is refused.
  for (size_t n = 0; n < start.data.size(); ++n) {
    EXPECT_FALSE(windows_internal::ParseKernelProcessEvent(1, 3, start.data.data(), n)) << n;
  }
  Payload stop;
  stop.U32(1).Time().Time().U32(0);
  for (size_t n = 0; n < stop.data.size(); ++n) {
    EXPECT_FALSE(windows_internal::ParseKernelProcessEvent(2, 0, stop.data.data(), n)) << n;
  }
  EXPECT_FALSE(windows_internal::ParseKernelProcessEvent(2, 0, nullptr, 100));
  // Thread and image events are not process events.
  EXPECT_FALSE(windows_internal::ParseKernelProcessEvent(3, 0, stop.data.data(), stop.data.size()));
  // An image name without its NUL ends at the payload's end; an odd last byte is dropped.
  Payload unterminated;
  unterminated.U32(1).Time().U32(2).U32(1).Bytes(u"ab", 4).Bytes("x", 1);
  auto e = windows_internal::ParseKernelProcessEvent(1, 0, unterminated.data.data(),
                                                     unterminated.data.size());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->executable, "ab");
}

const std::u16string kMinerCommandLine = u"C:\\Windows\\dllhostex.exe -o pool:45560";

// NT Kernel Logger Process events, every documented version, both pointer sizes (a 32-bit agent
// on 64-bit Windows reads the 64-bit kernel's layout).
Payload KernelLoggerPayload(uint8_t version, size_t pointer_size, bool with_sid, uint32_t exit) {
  Payload p;
  auto pointer = [&](uint64_t v) {
    if (pointer_size == 8) {
      p.U64(v);
    } else {
      p.U32(static_cast<uint32_t>(v));
    }
  };
  pointer(0xfffffa8001234560ULL);
  p.U32(1234).U32(56).U32(1).U32(exit);
  if (version >= 3) pointer(0x1aa000);
  if (version >= 4) p.U32(0);
  if (with_sid) {
    pointer(0xfffff8a000001234ULL);  // TOKEN_USER: the SID's pointer and attributes
    pointer(0);
    p.Sid(5);
  } else {
    p.U32(0);
  }
  p.Bytes("dllhostex.exe", 14);
  if (version >= 2) p.Wide(kMinerCommandLine);
  return p;
}

TEST(ParseKernelLoggerProcessEventTest, StartAndEndEveryVersionAndPointerSize) {
  for (uint8_t version : {1, 2, 3, 4, 5}) {
    for (size_t pointer_size : {4u, 8u}) {
      for (bool with_sid : {true, false}) {
        SCOPED_TRACE(testing::Message() << "v" << int(version) << " ptr " << pointer_size
                                        << (with_sid ? " sid" : " no sid"));
        Payload start = KernelLoggerPayload(version, pointer_size, with_sid, 0);
        auto e = windows_internal::ParseKernelLoggerProcessEvent(
            1, version, pointer_size, start.data.data(), start.data.size());
        ASSERT_TRUE(e.has_value());
        EXPECT_EQ(e->kind, ProcessEventKind::kStart);
        EXPECT_EQ(e->pid, 1234u);
        EXPECT_EQ(e->ppid, 56u);
        EXPECT_EQ(e->executable, "dllhostex.exe");
        EXPECT_FALSE(e->complete);
        if (version >= 2) {
          EXPECT_EQ(e->command_line, "C:\\Windows\\dllhostex.exe -o pool:45560");
        } else {
          EXPECT_FALSE(e->command_line.has_value());
        }
        Payload end = KernelLoggerPayload(version, pointer_size, with_sid, 0xC0000005);
        e = windows_internal::ParseKernelLoggerProcessEvent(2, version, pointer_size,
                                                            end.data.data(), end.data.size());
        ASSERT_TRUE(e.has_value());
        EXPECT_EQ(e->kind, ProcessEventKind::kExit);
        EXPECT_EQ(static_cast<uint32_t>(e->exit_code), 0xC0000005u);
      }
    }
  }
}

TEST(ParseKernelLoggerProcessEventTest, ShortRundownAndOddInputIsRefused) {
  Payload start = KernelLoggerPayload(4, 8, true, 0);
  // Everything before the name and the command line.
  const size_t before_name = start.data.size() - 14 - 2 * (kMinerCommandLine.size() + 1);
  for (size_t n = 0; n < before_name; ++n) {
    EXPECT_FALSE(windows_internal::ParseKernelLoggerProcessEvent(1, 4, 8, start.data.data(), n))
        << n;
  }
  const auto* d = start.data.data();
  const size_t size = start.data.size();
  EXPECT_FALSE(windows_internal::ParseKernelLoggerProcessEvent(3, 4, 8, d, size));  // DCStart
  EXPECT_FALSE(windows_internal::ParseKernelLoggerProcessEvent(4, 4, 8, d, size));  // DCEnd
  EXPECT_FALSE(windows_internal::ParseKernelLoggerProcessEvent(1, 0, 8, d, size));
  EXPECT_FALSE(windows_internal::ParseKernelLoggerProcessEvent(1, 4, 6, d, size));
  EXPECT_FALSE(windows_internal::ParseKernelLoggerProcessEvent(1, 4, 8, nullptr, size));
  // Bytes above 0x7F in the 8-bit name (a code page unknown here) become '?'.
  Payload odd;
  odd.U32(0).U32(9).U32(8).U32(1).U32(0).U32(0).Bytes("\xe9t\xe9.exe", 8);
  auto e =
      windows_internal::ParseKernelLoggerProcessEvent(1, 1, 4, odd.data.data(), odd.data.size());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->executable, "?t?.exe");
}

// The etw source's path for a process gone before it is opened: the event's NT path as the
// user knows it, through this host's drive map (Wine maps C: to a device too).
TEST(DosImagePathTest, NtDevicePathBecomesADrivePath) {
  wchar_t device[MAX_PATH];
  ASSERT_NE(QueryDosDeviceW(L"C:", device, MAX_PATH), 0u);
  std::string nt = win::WideToUtf8(device) + "\\Windows\\notepad.exe";
  EXPECT_EQ(processes_internal::DosImagePath(nt), "C:\\Windows\\notepad.exe") << nt;
  EXPECT_EQ(processes_internal::DosImagePath("\\??\\C:\\x.exe"), "C:\\x.exe");
  EXPECT_EQ(processes_internal::DosImagePath("relative.exe"), "relative.exe");
}

// What toolhelp-poll compares each interval: the listing without details sees the same
// processes with the same start times as the full one (and costs less: both timed).
TEST(ListWithoutDetailsTest, SameProcessesAndStartTimes) {
  auto time = [](bool details) {
    auto began = std::chrono::steady_clock::now();
    auto list = processes_internal::List(details);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - began)
                  .count();
    return std::make_pair(std::move(list), us);
  };
  time(false);  // warm up (DLL loads, first lookups), then timed
  time(true);
  auto [brief, brief_us] = time(false);
  auto [full, full_us] = time(true);
  ASSERT_TRUE(brief.has_value() && full.has_value());
  std::unordered_map<uint32_t, int64_t> starts;
  for (const ProcessInfo& p : *brief) {
    starts[p.pid] = p.start_time_ns;
    EXPECT_TRUE(p.executable.empty() && p.user.empty() && !p.command_line) << p.pid;
  }
  int compared = 0;
  for (const ProcessInfo& p : *full) {
    auto it = starts.find(p.pid);
    if (it == starts.end()) continue;  // started between the two listings
    EXPECT_EQ(it->second, p.start_time_ns) << p.pid << " " << p.name;
    ++compared;
  }
  EXPECT_GT(compared, 1);
  EXPECT_NE(starts[GetCurrentProcessId()], 0);
  std::printf("%zu processes: listing without details %lld us, with %lld us\n", brief->size(),
              static_cast<long long>(brief_us), static_cast<long long>(full_us));
}

TEST(ProcessEventSourceTest, NamesAndBadOptions) {
  EXPECT_EQ(ProcessEventSourceNames(),
            (std::vector<std::string>{"etw", "kernel-logger", "toolhelp-poll"}));
  ProcessEventSourceOptions options;
  options.prefer = {"ebpf"};
  auto bad = OpenProcessEventSource(options, nullptr);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  options.prefer = {};
  options.poll_interval = milliseconds(0);
  EXPECT_FALSE(OpenProcessEventSource(options, nullptr).has_value());
}

TEST(ProcessEventSourceTest, ProbeEndsWithAnOpenSource) {
  std::vector<SourceProbe> probes;
  auto source = OpenProcessEventSource({}, &probes);
  ASSERT_TRUE(source.has_value()) << source.error().ToString();
  ASSERT_FALSE(probes.empty());
  EXPECT_EQ(probes.back().name, (*source)->name());
  EXPECT_TRUE(probes.back().status.ok());
  for (size_t i = 0; i + 1 < probes.size(); ++i) {
    EXPECT_FALSE(probes[i].status.ok()) << probes[i].name;
    std::printf("probe %s: %s\n", probes[i].name.c_str(), probes[i].status.ToString().c_str());
  }
  std::printf("chosen: %s\n", (*source)->name());
}

// The NT Kernel Logger source opens where the host gives the session (XP, or where "etw" does
// not open), else says why, quickly; where it opens, it reports a child's start with its
// command line. Wine (8) has no kernel logger: there the refusal is what is checked.
TEST(KernelLoggerTest, ReportsAChildOrSaysWhyNot) {
  ProcessEventSourceOptions options;
  options.prefer = {"kernel-logger"};
  options.poll_interval = milliseconds(100);
  auto begun = std::chrono::steady_clock::now();
  auto source = OpenProcessEventSource(options, nullptr);
  auto took = std::chrono::steady_clock::now() - begun;
  EXPECT_LT(took, std::chrono::seconds(5));
  if (!source.has_value()) {
    std::printf("kernel-logger does not open here: %s\n", source.error().ToString().c_str());
    EXPECT_NE(source.error().ToString().find("kernel-logger"), std::string::npos)
        << source.error().ToString();
    return;
  }
  EXPECT_STREQ((*source)->name(), "kernel-logger");
  Child child(L"sleep 1");
  ASSERT_NE(child.pid(), 0u);
  auto events = ReadUntil(source->get(), [&](const std::vector<ProcessEvent>& all) {
    return Find(all, ProcessEventKind::kStart, child.pid()).has_value();
  });
  auto start = Find(events, ProcessEventKind::kStart, child.pid());
  ASSERT_TRUE(start.has_value()) << "no start of pid " << child.pid();
  EXPECT_EQ(start->ppid, GetCurrentProcessId());
  ASSERT_TRUE(start->command_line.has_value());
  EXPECT_NE(start->command_line->find("sleep 1"), std::string::npos) << *start->command_line;
}

std::unique_ptr<ProcessEventSource> OpenToolhelp(milliseconds interval) {
  ProcessEventSourceOptions options;
  options.prefer = {"toolhelp-poll"};
  options.poll_interval = interval;
  auto source = OpenProcessEventSource(options, nullptr);
  EXPECT_TRUE(source.has_value()) << source.error().ToString();
  return source.has_value() ? std::move(*source) : nullptr;
}

TEST(ToolhelpPollTest, ReportsAChildsStartAndExit) {
  auto source = OpenToolhelp(milliseconds(100));
  ASSERT_NE(source, nullptr);
  EXPECT_STREQ(source->name(), "toolhelp-poll");
  int64_t before = windows_internal::RealtimeNs();
  Child child(L"sleep 2");
  ASSERT_NE(child.pid(), 0u);
  auto events = ReadUntil(source.get(), [&](const std::vector<ProcessEvent>& all) {
    return Find(all, ProcessEventKind::kStart, child.pid()).has_value();
  });
  auto start = Find(events, ProcessEventKind::kStart, child.pid());
  ASSERT_TRUE(start.has_value()) << "no start of pid " << child.pid();
  std::printf("toolhelp-poll (100 ms interval) saw the start %lld ms after CreateProcess\n",
              static_cast<long long>((start->time_ns - before) / 1'000'000));
  EXPECT_EQ(start->ppid, GetCurrentProcessId());
  EXPECT_TRUE(start->complete);
  EXPECT_EQ(Lower(start->executable), Lower(win::WideToUtf8(ChildPath())));
  ASSERT_TRUE(start->command_line.has_value());
  EXPECT_NE(start->command_line->find("sleep 2"), std::string::npos) << *start->command_line;
  EXPECT_FALSE(start->user.empty());
  EXPECT_GE(start->time_ns, before);
  // The process's own start time, from the OS: around when it was created (1 s of clock skew
  // between FILETIME sources allowed).
  EXPECT_GT(start->start_time_ns, before - 1'000'000'000);
  EXPECT_LE(start->start_time_ns, start->time_ns + 1'000'000'000);

  // It ends by itself after 2 s.
  ASSERT_EQ(WaitForSingleObject(child.handle(), 20'000), WAIT_OBJECT_0);
  events = ReadUntil(source.get(), [&](const std::vector<ProcessEvent>& all) {
    return Find(all, ProcessEventKind::kExit, child.pid()).has_value();
  });
  auto exit = Find(events, ProcessEventKind::kExit, child.pid());
  ASSERT_TRUE(exit.has_value()) << "no exit of pid " << child.pid();
  EXPECT_FALSE(Find(events, ProcessEventKind::kStart, child.pid()).has_value());
}

// Where ETW delivers kernel events (Windows 7+ as administrator) the etw source must report
// the child like toolhelp-poll; where it does not open (Wine, XP, no rights) it is skipped
// with the reason, and the probe above falls back.
TEST(EtwTest, ReportsAChildsStartAndExitWhereItOpens) {
  ProcessEventSourceOptions options;
  options.prefer = {"etw"};
  options.poll_interval = milliseconds(100);
  auto source = OpenProcessEventSource(options, nullptr);
  if (!source.has_value()) GTEST_SKIP() << "etw does not open here: " << source.error().ToString();
  Child child(L"sleep 1");
  ASSERT_NE(child.pid(), 0u);
  ASSERT_EQ(WaitForSingleObject(child.handle(), 20'000), WAIT_OBJECT_0);
  auto events = ReadUntil(source->get(), [&](const std::vector<ProcessEvent>& all) {
    return Find(all, ProcessEventKind::kExit, child.pid()).has_value();
  });
  auto start = Find(events, ProcessEventKind::kStart, child.pid());
  ASSERT_TRUE(start.has_value()) << "no start of pid " << child.pid();
  EXPECT_EQ(start->ppid, GetCurrentProcessId());
  EXPECT_NE(Lower(start->executable).find("otguard_test_child"), std::string::npos)
      << start->executable;
  EXPECT_GT(start->start_time_ns, 0);
  auto exit = Find(events, ProcessEventKind::kExit, child.pid());
  ASSERT_TRUE(exit.has_value()) << "no exit of pid " << child.pid();
  DWORD code = 0;
  GetExitCodeProcess(child.handle(), &code);
  EXPECT_EQ(exit->exit_code, static_cast<int>(code));
}

DWORD WINAPI StopLater(void* source) {
  Sleep(200);  // long enough for Next() to be waiting
  static_cast<ProcessEventSource*>(source)->Stop();
  return 0;
}

TEST(ToolhelpPollTest, StopEndsABlockingNext) {
  auto source = OpenToolhelp(milliseconds(60'000));
  ASSERT_NE(source, nullptr);
  auto began = std::chrono::steady_clock::now();
  win::UniqueHandle thread(CreateThread(nullptr, 0, StopLater, source.get(), 0, nullptr));
  ASSERT_TRUE(thread.valid());
  auto events = source->Next();
  auto took = std::chrono::steady_clock::now() - began;
  ASSERT_TRUE(events.has_value());
  EXPECT_TRUE(events->empty());
  EXPECT_LT(took, std::chrono::seconds(10));
  WaitForSingleObject(thread.get(), 10'000);
  // Stopped stays stopped: the next call returns at once too.
  began = std::chrono::steady_clock::now();
  ASSERT_TRUE(source->Next().has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(10));
}

}  // namespace
}  // namespace otguard::platform
