// Internals of processes.cc, declared for its tests (on any one Windows, or Wine, only one of
// the command-line paths would otherwise run) and for process_events.cc's poller.
#ifndef OTGUARD_SRC_PLATFORM_WINDOWS_PROCESSES_INTERNAL_H_
#define OTGUARD_SRC_PLATFORM_WINDOWS_PROCESSES_INTERNAL_H_

#include <windows.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/platform/processes.h"

namespace otguard::platform::processes_internal {

// An image's NT path ("\Device\HarddiskVolume2\x.exe", UTF-8) as a DOS path ("C:\x.exe"),
// with this host's drives; unchanged when no drive matches.
std::string DosImagePath(std::string_view nt_path);
// ListProcesses itself with `details`; without, each process gets only what the snapshot has
// (pid, parent, name) and its start time: one open per process, no token, path or memory read
// (what a poller compares every interval).
Result<std::vector<ProcessInfo>> List(bool details);
// Adds executable, command line, user and start time to `info` (listed by List(false)).
// False when the process cannot be opened, or is no longer the listed one (its start time
// changed: the pid was reused); `info` then keeps the listing's fields.
bool FillDetails(ProcessInfo* info);

// The command line read from the process's PEB (XP and later; nullopt when unreadable, e.g.
// a 64-bit process read by the 32-bit build).
std::optional<std::string> CommandLineFromPeb(HANDLE process);
// Through NtQueryInformationProcess(ProcessCommandLineInformation) (Windows 8.1 and later).
std::optional<std::string> CommandLineFromNtQuery(HANDLE process);
// "\Device\HarddiskVolume2\x" -> "C:\x", given the drives' device names and the Windows folder.
std::wstring NtPathToDosPath(std::wstring_view path,
                             const std::vector<std::pair<std::wstring, std::wstring>>& devices,
                             std::wstring_view windows_dir);

}  // namespace otguard::platform::processes_internal

#endif  // OTGUARD_SRC_PLATFORM_WINDOWS_PROCESSES_INTERNAL_H_
