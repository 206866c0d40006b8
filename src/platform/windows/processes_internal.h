// Internals of processes.cc, declared for its tests: on any one Windows (or Wine) only one of
// the command-line paths would otherwise run.
#ifndef OTGUARD_SRC_PLATFORM_WINDOWS_PROCESSES_INTERNAL_H_
#define OTGUARD_SRC_PLATFORM_WINDOWS_PROCESSES_INTERNAL_H_

#include <windows.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otguard::platform::processes_internal {

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
