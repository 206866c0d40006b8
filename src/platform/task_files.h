// Parsers of the Windows Task Scheduler's task files, for the autoruns listing: the XML task
// definitions of Task Scheduler 2.0 (Vista and later, %SystemRoot%\System32\Tasks\...) and
// the binary .job files of Task Scheduler 1.0 (2000, XP, 2003, %SystemRoot%\Tasks\*.job).
// Pure functions of the file's bytes, compiled on every OS so that they are tested and
// fuzzed on Linux too: a task file may be planted by an attacker and must never crash the
// inventory.
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_SRC_PLATFORM_TASK_FILES_H_
#define OTGUARD_SRC_PLATFORM_TASK_FILES_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/status.h"

namespace otguard::platform::internal {

// The largest task file either parser accepts (real ones are a few KiB); larger input is
// InvalidArgument without being looked at.
inline constexpr size_t kMaxTaskFileBytes = 1 << 20;

// One program the task starts ("Exec" action of the XML, the application of a .job).
struct TaskAction {
  std::string command;    // the program, as configured (environment variables not expanded)
  std::string arguments;  // "" when none
};

// What the autoruns listing needs of a task. Strings are UTF-8.
struct TaskDefinition {
  // Exec actions in document order (a task may have up to 32); empty for a task that only
  // has COM handler, e-mail or message actions.
  std::vector<TaskAction> actions;
  // CLSIDs of the ComHandler actions ("{...}"), which start a COM server instead of a program.
  std::vector<std::string> com_handlers;
  // Principal/UserId (a SID or an account name), else Principal/GroupId; "" when none. A .job
  // file does not hold its account (the Task Scheduler keeps it in its credential store): "".
  std::string user;
  std::string author;   // RegistrationInfo/Author, the .job Author; may be ""
  bool enabled = true;  // Settings/Enabled false, or the .job TASK_FLAG_DISABLED flag
  // The trigger kinds in order, comma-separated: XML element names ("LogonTrigger,
  // CalendarTrigger"); for .job files "once 09:30", "daily 03:00", "weekly 03:00",
  // "monthly 03:00", "idle", "boot", "logon". "" when the task has no trigger.
  std::string schedule;
};

// A Task Scheduler 2.0 XML task: UTF-16LE or UTF-16BE (with or without byte order mark, as
// the Task Scheduler writes them) or UTF-8. Not a general XML parser: a bounded tag scanner
// that understands what task files contain (elements with namespace prefixes, attributes,
// the predefined and numeric character references, comments, CDATA, processing
// instructions, a DOCTYPE, whose entity declarations are not expanded). InvalidArgument for
// malformed XML or a document whose root is not <Task>.
Result<TaskDefinition> ParseTaskXml(std::string_view bytes);

// A Task Scheduler 1.0 .job file ([MS-TSCH] 2.4 ".JOB File Format": the 68-byte FIXDLEN_DATA
// section, then counted UTF-16LE strings and the triggers). `actions` holds one entry, the
// application and its parameters. InvalidArgument when the file is truncated or not a job
// file (format version other than 1).
Result<TaskDefinition> ParseJobFile(std::string_view bytes);

}  // namespace otguard::platform::internal

#endif  // OTGUARD_SRC_PLATFORM_TASK_FILES_H_
