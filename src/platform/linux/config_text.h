// Parsers of the configuration text that the Linux inventory reads (services.cc, packages.cc,
// autoruns.cc, accounts.cc): systemd unit files, dpkg's database, cron tables, SysV init
// scripts, /etc/passwd and /etc/shadow. Pure functions (text in, values out, no I/O), declared
// here for their tests and fuzzer: the files may come from another host's disk image, so any
// text must parse or be skipped, never crash or hang.
#ifndef OTGUARD_SRC_PLATFORM_LINUX_CONFIG_TEXT_H_
#define OTGUARD_SRC_PLATFORM_LINUX_CONFIG_TEXT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace otguard::platform::linux_internal {

// ---- systemd unit files (systemd.syntax(7)) ----

// One `Key=value` line of a unit file, in its [Section].
struct UnitAssignment {
  std::string section;  // "Service"
  std::string key;      // "ExecStart"
  std::string value;    // as written, blanks around it removed; quotes are kept, as systemd
                        // leaves them to each setting (ExecStart= splits words itself)
};

// The assignments of a unit file or drop-in, in file order. Lines starting with '#' or ';' are
// comments; a line ending in a backslash continues on the next (the backslash becomes a
// space, comment lines inside the continuation are skipped). Assignments before any section,
// lines without '=' and malformed section headers (and what follows them until the next good
// header) are skipped, as systemd skips them with a warning.
std::vector<UnitAssignment> ParseUnitFile(std::string_view text);

// The values of `section`.`key` over `assignments` (a unit file followed by its drop-ins, in the
// order systemd applies them): every assignment in order, an empty one clearing those before
// it (the list semantics of ExecStart=, OnCalendar=).
std::vector<std::string> UnitValues(std::span<const UnitAssignment> assignments,
                                    std::string_view section, std::string_view key);
// The last value of a single-valued setting (Description=, User=); "" when unset.
std::string UnitValue(std::span<const UnitAssignment> assignments, std::string_view section,
                      std::string_view key);

// An Exec*= command line without systemd's prefixes ("@", "-", ":", "+", "!", "!!").
std::string StripExecPrefixes(std::string_view command);

// The program a command line runs: its first word, unquoted ("..." and '...', a backslash
// escaping the next character), after any leading NAME=value environment assignments (a
// shell's `FOO=1 /usr/bin/x`). "" when the line has no such word.
std::string CommandProgram(std::string_view command);

// ---- dpkg's database (deb822 paragraphs, dpkg(1)) ----

struct DpkgRecord {
  std::string package;
  std::string status;  // "install ok installed"
  std::string version;
  std::string architecture;
  std::string maintainer;
};

// The paragraphs of /var/lib/dpkg/status that name a package. Field names are matched without
// regard to case; continuation lines (starting with a blank) belong to the field before them
// and are never taken for fields; blank or whitespace-only lines end a paragraph.
std::vector<DpkgRecord> ParseDpkgStatus(std::string_view text);

// True for a status that means the package's files are on disk ("install ok installed", and
// "hold ok installed" for a package held at its version).
bool IsInstalledStatus(std::string_view status);

// The package a /var/lib/dpkg/info file list belongs to: "openssl" for "openssl.list",
// "libc6" for "libc6:amd64.list"; "" when `file_name` is not a list.
std::string PackageOfListFile(std::string_view file_name);

// Calls on_path(path) for each absolute path line of a dpkg .list file (blank lines and a
// trailing '\r' are dropped). Templated so the caller's lookup runs without a copy per line.
template <typename OnPath>
void ForEachListedPath(std::string_view text, OnPath&& on_path) {
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() == '/') on_path(line);
  }
}

// ---- cron tables (crontab(5)) ----

struct CronJob {
  size_t line = 0;       // 1-based line number in the table
  std::string schedule;  // "*/5 * * * *" (fields joined by one space) or "@reboot"
  std::string user;      // the user field of a system table; "" in a user's table
  std::string command;   // the rest of the line, as written
};

// The jobs of a cron table. A system table (/etc/crontab, /etc/cron.d/*) has a user field after
// the schedule, a user's table (/var/spool/cron/crontabs/<user>) does not. Comments, blank
// lines, environment assignments (NAME=value, as cron tells them apart) and malformed lines (a
// bad schedule, no command) are skipped.
std::vector<CronJob> ParseCrontab(std::string_view text, bool system_table);

// True when run-parts(8) (Debian, without --lsbsysinit) runs a file of this name from
// /etc/cron.daily and its siblings: letters, digits, '_' and '-' only.
bool IsRunPartsName(std::string_view name);

// ---- SysV init ----

// The "# Short-Description:" of a script's LSB header ("### BEGIN INIT INFO" ...
// "### END INIT INFO"); "" when none.
std::string LsbShortDescription(std::string_view script);

// The script an /etc/rc?.d link starts at boot: "cron" for "S01cron"; "" for a name that is
// not an S link ("K01cron", "README").
std::string RcStartLinkScript(std::string_view link_name);

// ---- /etc/passwd and /etc/shadow (passwd(5), shadow(5)) ----

// What a password field allows, never the hash itself.
enum class PasswordField {
  kEmpty,   // "": logs on without a password
  kLocked,  // starts with '!' or '*' ("!", "*", "!$6$...": no password log-on)
  kShadow,  // "x" in /etc/passwd: see /etc/shadow
  kSet,     // a hash
};

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  PasswordField password = PasswordField::kShadow;
  std::string home;
  std::string shell;
};
// One line of /etc/passwd; false for comments, blank lines, NIS "+"/"-" lines and malformed
// ones (fewer than 7 fields, a uid or gid that is not a number).
bool ParsePasswdLine(std::string_view line, PasswdEntry* out);

struct ShadowEntry {
  std::string name;
  PasswordField password = PasswordField::kSet;  // kShadow never appears here
  std::optional<int64_t> expire_day;             // field 8: days since 1970-01-01
};
// One line of /etc/shadow; false for blank and malformed lines (fewer than 8 fields). Only a
// classification of the hash is kept (the caller wipes the text it read).
bool ParseShadowLine(std::string_view line, ShadowEntry* out);

// True when the account expired on or before `today` (days since 1970-01-01), as shadow-utils'
// isexpired() decides (`expire > 0 && today >= expire`; 0 is "never" there).
bool AccountExpired(const ShadowEntry& entry, int64_t today);

}  // namespace otguard::platform::linux_internal

#endif  // OTGUARD_SRC_PLATFORM_LINUX_CONFIG_TEXT_H_
