// The os-release(5) format: shell-style KEY=value lines, values optionally quoted.
#ifndef OTGUARD_SRC_PLATFORM_OS_RELEASE_H_
#define OTGUARD_SRC_PLATFORM_OS_RELEASE_H_

#include <map>
#include <string>
#include <string_view>

namespace otguard::platform::linux_internal {

// Parses the text of /etc/os-release into its variables, unquoted and unescaped as a shell
// would: "..." (with \" \\ \$ \` escapes), '...' (literal), and unquoted values (where a
// backslash escapes the next character). Comments, blank lines and malformed lines (no `=`, a
// name that is not a shell variable name, an unterminated quote) are skipped: one bad line
// must not hide the others. A later assignment overrides an earlier one.
std::map<std::string, std::string> ParseOsRelease(std::string_view text);

}  // namespace otguard::platform::linux_internal

#endif  // OTGUARD_SRC_PLATFORM_OS_RELEASE_H_
