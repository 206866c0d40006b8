// Fuzz target for the Linux platform's parsers of configuration text (systemd unit files, dpkg's
// status and file lists, cron tables, SysV init scripts and rc links, /etc/passwd and
// /etc/shadow): any text parses or is skipped, never a crash, a hang or a value that did not
// come from the input. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "platform/linux/config_text.h"

using namespace otguard::platform;

namespace {

// Calls on_line for each '\n'-separated line of `text`.
template <typename OnLine>
void ForEachLine(std::string_view text, OnLine&& on_line) {
  while (!text.empty()) {
    size_t eol = text.find('\n');
    on_line(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  }
}

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0: {
      auto assignments = linux_internal::ParseUnitFile(text);
      for (const auto& a : assignments) {
        Check(!a.key.empty() && a.key.size() <= text.size() && a.value.size() <= text.size());
      }
      for (const std::string& v : linux_internal::UnitValues(assignments, "Service", "ExecStart")) {
        Check(!v.empty());
        Check(linux_internal::StripExecPrefixes(v).size() <= v.size());
      }
      (void)linux_internal::UnitValue(assignments, "Unit", "Description");
      break;
    }
    case 1: {
      for (const auto& r : linux_internal::ParseDpkgStatus(text)) {
        Check(!r.package.empty() && r.package.size() <= text.size());
        (void)linux_internal::IsInstalledStatus(r.status);
      }
      break;
    }
    case 2: {
      linux_internal::ForEachListedPath(text, [&](std::string_view path) {
        Check(!path.empty() && path.front() == '/' && path.find('\n') == std::string_view::npos);
      });
      Check(linux_internal::PackageOfListFile(text).size() <= text.size());
      break;
    }
    case 3:
    case 4: {
      const bool system_table = data[0] % 8 == 3;
      size_t previous = 0;
      for (const auto& job : linux_internal::ParseCrontab(text, system_table)) {
        Check(job.line > previous && !job.command.empty() && job.command.size() <= text.size());
        Check(system_table != job.user.empty());
        previous = job.line;
      }
      break;
    }
    case 5: {
      ForEachLine(text, [](std::string_view line) {
        linux_internal::PasswdEntry e;
        if (linux_internal::ParsePasswdLine(line, &e)) Check(!e.name.empty());
      });
      break;
    }
    case 6: {
      ForEachLine(text, [](std::string_view line) {
        linux_internal::ShadowEntry e;
        if (linux_internal::ParseShadowLine(line, &e)) {
          Check(!e.name.empty() && e.password != linux_internal::PasswordField::kShadow);
          (void)linux_internal::AccountExpired(e, 20000);
        }
      });
      break;
    }
    case 7: {
      Check(linux_internal::LsbShortDescription(text).size() <= text.size());
      Check(linux_internal::RcStartLinkScript(text).size() <= text.size());
      Check(linux_internal::CommandProgram(text).size() <= text.size());
      (void)linux_internal::IsRunPartsName(text);
      break;
    }
  }
  return 0;
}
