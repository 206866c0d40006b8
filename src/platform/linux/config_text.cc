// Parsers of Linux configuration text; see config_text.h. Formats as their manual pages
// describe them: systemd.syntax(7) and systemd.service(5), deb822(5) and dpkg(1), crontab(5)
// and Debian's cron, run-parts(8), the LSB init script headers, passwd(5) and shadow(5).
#include "platform/linux/config_text.h"

#include <cctype>
#include <charconv>

namespace otguard::platform::linux_internal {
namespace {

constexpr std::string_view kBlanks = " \t";

// Takes the next line off `text` (without its '\n' and a trailing '\r').
std::string_view NextLine(std::string_view* text) {
  size_t eol = text->find('\n');
  std::string_view line = text->substr(0, eol);
  *text = eol == std::string_view::npos ? std::string_view() : text->substr(eol + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string_view Trim(std::string_view s) {
  size_t start = s.find_first_not_of(" \t\r\n\f\v");
  if (start == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(" \t\r\n\f\v");
  return s.substr(start, end - start + 1);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Splits `line` at `sep` into at most `max` fields (the last keeps any further separators).
std::vector<std::string_view> SplitFields(std::string_view line, char sep, size_t max) {
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < max) {
    size_t at = line.find(sep);
    if (at == std::string_view::npos) break;
    fields.push_back(line.substr(0, at));
    line.remove_prefix(at + 1);
  }
  fields.push_back(line);
  return fields;
}

template <typename Int>
bool ParseNumber(std::string_view s, Int* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Reads one shell-like word from the front of *s (quotes removed, a backslash escaping the
// next character) after leading blanks; nullopt when *s holds only blanks.
std::optional<std::string> TakeWord(std::string_view* s) {
  size_t start = s->find_first_not_of(kBlanks);
  if (start == std::string_view::npos) {
    *s = {};
    return std::nullopt;
  }
  std::string word;
  size_t i = start;
  char quote = 0;
  for (; i < s->size(); ++i) {
    char c = (*s)[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < s->size()) {
        word.push_back((*s)[++i]);
      } else {
        word.push_back(c);
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '\\' && i + 1 < s->size()) {
      word.push_back((*s)[++i]);
    } else if (c == ' ' || c == '\t') {
      break;
    } else {
      word.push_back(c);
    }
  }
  s->remove_prefix(i);
  return word;
}

bool IsAssignmentWord(std::string_view word) {
  size_t eq = word.find('=');
  if (eq == 0 || eq == std::string_view::npos) return false;
  for (size_t i = 0; i < eq; ++i) {
    unsigned char c = static_cast<unsigned char>(word[i]);
    if (!std::isalnum(c) && c != '_') return false;
  }
  return !std::isdigit(static_cast<unsigned char>(word[0]));
}

PasswordField ClassifyPassword(std::string_view field) {
  if (field.empty()) return PasswordField::kEmpty;
  if (field.front() == '!' || field.front() == '*') return PasswordField::kLocked;
  return PasswordField::kSet;
}

}  // namespace

// ---- systemd ----

std::vector<UnitAssignment> ParseUnitFile(std::string_view text) {
  std::vector<UnitAssignment> out;
  std::string section;
  bool in_section = false;
  std::string logical;
  bool continuing = false;
  while (!text.empty()) {
    std::string_view line = Trim(NextLine(&text));
    if (continuing && !line.empty() && (line.front() == '#' || line.front() == ';')) continue;
    logical.append(line);
    if (!logical.empty() && logical.back() == '\\') {
      logical.back() = ' ';  // systemd.syntax(7): the backslash is replaced by a space
      continuing = true;
      if (!text.empty()) continue;
    }
    continuing = false;
    std::string_view l = Trim(logical);
    if (l.empty() || l.front() == '#' || l.front() == ';') {
      logical.clear();
      continue;
    }
    if (l.front() == '[') {
      in_section = l.size() >= 2 && l.back() == ']';
      section = in_section ? std::string(l.substr(1, l.size() - 2)) : std::string();
    } else if (size_t eq = l.find('='); in_section && eq != std::string_view::npos) {
      std::string_view key = Trim(l.substr(0, eq));
      if (!key.empty()) {
        out.push_back({section, std::string(key), std::string(Trim(l.substr(eq + 1)))});
      }
    }
    logical.clear();
  }
  return out;
}

std::vector<std::string> UnitValues(std::span<const UnitAssignment> assignments,
                                    std::string_view section, std::string_view key) {
  std::vector<std::string> values;
  for (const UnitAssignment& a : assignments) {
    if (a.section != section || a.key != key) continue;
    if (a.value.empty()) {
      values.clear();
    } else {
      values.push_back(a.value);
    }
  }
  return values;
}

std::string UnitValue(std::span<const UnitAssignment> assignments, std::string_view section,
                      std::string_view key) {
  for (auto it = assignments.rbegin(); it != assignments.rend(); ++it) {
    if (it->section == section && it->key == key) return it->value;
  }
  return {};
}

std::string StripExecPrefixes(std::string_view command) {
  command = Trim(command);
  size_t start = command.find_first_not_of("@-:+!");
  if (start == std::string_view::npos) return {};
  return std::string(Trim(command.substr(start)));
}

std::string CommandProgram(std::string_view command) {
  // A bounded number of leading assignments: a line of thousands is not a real command.
  for (int words = 0; words < 64; ++words) {
    std::optional<std::string> word = TakeWord(&command);
    if (!word.has_value()) return {};
    if (!IsAssignmentWord(*word)) return *word;
  }
  return {};
}

// ---- dpkg ----

std::vector<DpkgRecord> ParseDpkgStatus(std::string_view text) {
  std::vector<DpkgRecord> out;
  DpkgRecord record;
  auto finish = [&] {
    if (!record.package.empty()) out.push_back(std::move(record));
    record = DpkgRecord();
  };
  while (!text.empty()) {
    std::string_view line = NextLine(&text);
    if (Trim(line).empty()) {
      finish();
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t' || line.front() == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon);
    std::string value(Trim(line.substr(colon + 1)));
    if (EqualsIgnoreCase(name, "Package")) {
      record.package = std::move(value);
    } else if (EqualsIgnoreCase(name, "Status")) {
      record.status = std::move(value);
    } else if (EqualsIgnoreCase(name, "Version")) {
      record.version = std::move(value);
    } else if (EqualsIgnoreCase(name, "Architecture")) {
      record.architecture = std::move(value);
    } else if (EqualsIgnoreCase(name, "Maintainer")) {
      record.maintainer = std::move(value);
    }
  }
  finish();
  return out;
}

bool IsInstalledStatus(std::string_view status) {
  // "want flag status": the want part may be install or hold; only "installed" means the
  // files are all there (not half-installed, config-files, unpacked ...).
  std::string_view s = Trim(status);
  return s == "install ok installed" || s == "hold ok installed";
}

std::string PackageOfListFile(std::string_view file_name) {
  constexpr std::string_view kSuffix = ".list";
  if (file_name.size() <= kSuffix.size() || !file_name.ends_with(kSuffix)) return {};
  std::string_view name = file_name.substr(0, file_name.size() - kSuffix.size());
  name = name.substr(0, name.find(':'));  // "libc6:amd64": Multi-Arch packages
  return std::string(name);
}

// ---- cron ----

namespace {

// crontab(5)'s @-names; "@reboot" runs once at start, the others are schedules.
bool IsCronSpecial(std::string_view word) {
  for (std::string_view s : {"@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily",
                             "@midnight", "@hourly"}) {
    if (word == s) return true;
  }
  return false;
}

// A time field: numbers, '*', ranges, lists, steps and month/day names.
bool IsCronField(std::string_view field) {
  if (field.empty()) return false;
  for (char c : field) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '*' && c != ',' && c != '-' &&
        c != '/') {
      return false;
    }
  }
  return true;
}

// Debian cron's load_env(): a name (up to a blank or '='), optional blanks, then '='.
bool IsCronEnvironmentLine(std::string_view line) {
  size_t end = line.find_first_of(" \t=");
  if (end == std::string_view::npos || end == 0) return false;
  size_t next = line.find_first_not_of(kBlanks, end);
  return next != std::string_view::npos && line[next] == '=';
}

std::string_view TakeField(std::string_view* s) {
  size_t start = s->find_first_not_of(kBlanks);
  if (start == std::string_view::npos) {
    *s = {};
    return {};
  }
  s->remove_prefix(start);
  size_t end = s->find_first_of(kBlanks);
  std::string_view field = s->substr(0, end);
  s->remove_prefix(field.size());
  return field;
}

std::optional<CronJob> ParseCronLine(std::string_view line, bool system_table) {
  line = Trim(line);
  if (line.empty() || line.front() == '#' || IsCronEnvironmentLine(line)) return std::nullopt;
  CronJob job;
  std::string_view first = TakeField(&line);
  if (first.front() == '@') {
    if (!IsCronSpecial(first)) return std::nullopt;
    job.schedule = std::string(first);
  } else {
    job.schedule = std::string(first);
    for (int i = 1; i < 5; ++i) {
      std::string_view field = TakeField(&line);
      if (!IsCronField(field)) return std::nullopt;
      job.schedule.append(" ").append(field);
    }
    if (!IsCronField(first)) return std::nullopt;
  }
  if (system_table) {
    job.user = std::string(TakeField(&line));
    if (job.user.empty()) return std::nullopt;
  }
  job.command = std::string(Trim(line));
  if (job.command.empty()) return std::nullopt;
  return job;
}

}  // namespace

std::vector<CronJob> ParseCrontab(std::string_view text, bool system_table) {
  std::vector<CronJob> jobs;
  size_t number = 0;
  while (!text.empty()) {
    std::string_view line = NextLine(&text);
    ++number;
    if (std::optional<CronJob> job = ParseCronLine(line, system_table)) {
      job->line = number;
      jobs.push_back(std::move(*job));
    }
  }
  return jobs;
}

bool IsRunPartsName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

// ---- SysV init ----

std::string LsbShortDescription(std::string_view script) {
  constexpr std::string_view kKey = "Short-Description:";
  bool in_header = false;
  while (!script.empty()) {
    std::string_view line = Trim(NextLine(&script));
    if (line.starts_with("### BEGIN INIT INFO")) {
      in_header = true;
    } else if (line.starts_with("### END INIT INFO")) {
      if (in_header) return {};
    } else if (in_header && line.starts_with('#')) {
      std::string_view body = Trim(line.substr(1));
      if (body.starts_with(kKey)) return std::string(Trim(body.substr(kKey.size())));
    }
  }
  return {};
}

std::string RcStartLinkScript(std::string_view link_name) {
  if (link_name.size() < 2 || link_name.front() != 'S') return {};
  size_t name = link_name.find_first_not_of("0123456789", 1);
  if (name == 1 || name == std::string_view::npos) return {};  // "S" needs a sequence number
  return std::string(link_name.substr(name));
}

// ---- passwd / shadow ----

bool ParsePasswdLine(std::string_view line, PasswdEntry* out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || line.front() == '#' || line.front() == '+' || line.front() == '-') {
    return false;
  }
  std::vector<std::string_view> f = SplitFields(line, ':', 7);
  if (f.size() < 7 || f[0].empty()) return false;
  PasswdEntry entry;
  if (!ParseNumber(f[2], &entry.uid) || !ParseNumber(f[3], &entry.gid)) return false;
  entry.name = std::string(f[0]);
  entry.password = f[1] == "x" ? PasswordField::kShadow : ClassifyPassword(f[1]);
  entry.home = std::string(f[5]);
  entry.shell = std::string(f[6]);
  *out = std::move(entry);
  return true;
}

bool ParseShadowLine(std::string_view line, ShadowEntry* out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || line.front() == '#') return false;
  std::vector<std::string_view> f = SplitFields(line, ':', 9);
  if (f.size() < 8 || f[0].empty()) return false;
  ShadowEntry entry;
  entry.name = std::string(f[0]);
  entry.password = ClassifyPassword(f[1]);
  int64_t day = 0;
  if (ParseNumber(f[7], &day)) entry.expire_day = day;
  *out = std::move(entry);
  return true;
}

bool AccountExpired(const ShadowEntry& entry, int64_t today) {
  return entry.expire_day.has_value() && *entry.expire_day > 0 && today >= *entry.expire_day;
}

}  // namespace otguard::platform::linux_internal
