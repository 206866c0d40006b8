// Parsers behind the "fanotify" process-event source (process_events_fanotify.cc), declared
// here for their tests and fuzzer: /proc/self/mountinfo (mount points may hold any byte, as
// octal escapes) and the start of a file opened for execution (any file a user may run, so
// any bytes at all).
#ifndef OTGUARD_SRC_PLATFORM_LINUX_EXEC_TEXT_H_
#define OTGUARD_SRC_PLATFORM_LINUX_EXEC_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

namespace otguard::platform::linux_internal {

// The mount points of /proc/self/mountinfo text where programs may run: file systems other
// than the kernel's own (proc, sysfs, cgroup ...), not mounted noexec. Sorted, each once, with
// the kernel's octal escapes ("\040" for a space) undone. Malformed lines are skipped.
std::vector<std::string> ParseExecMountPoints(std::string_view mountinfo);

// The kinds of file an exec opens.
enum class ExecFileKind {
  kScript,              // "#!": the kernel opens its interpreter next
  kElfWithInterpreter,  // a dynamically linked ELF: the kernel opens its PT_INTERP next
  kElfWithout,          // an ELF without PT_INTERP (static, or ld.so itself)
  kOther,               // anything else, or an ELF this parser cannot read from `head`
};

struct ExecFile {
  ExecFileKind kind = ExecFileKind::kOther;
  std::string interpreter;  // kElfWithInterpreter: the PT_INTERP path
};

// Classifies a file from its first bytes (`head`: the first few KB; program headers or an
// interpreter path outside it leave the file kOther or without interpreter). 64- and 32-bit
// little-endian ELF.
ExecFile ClassifyExecFile(std::string_view head);

}  // namespace otguard::platform::linux_internal

#endif  // OTGUARD_SRC_PLATFORM_LINUX_EXEC_TEXT_H_
