// SystemdUnitText (otguard/platform/services.h): pure text, so it is the same on every build.
#include <string>

#include "otguard/platform/services.h"

namespace otguard::platform {
namespace {

// systemd.service(5): '%' starts a specifier and '\n' would end the setting.
std::string UnitValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '%') {
      out += "%%";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string SystemdUnitText(const ServiceDefinition& d) {
  const std::string& command =
      d.foreground_command_line.empty() ? d.command_line : d.foreground_command_line;
  std::string unit;
  unit += "# Written by `otguard service install`; `otguard service uninstall` removes it.\n";
  if (!d.description.empty()) unit += "# " + UnitValue(d.description) + "\n";
  unit += "[Unit]\n";
  unit += "Description=" + UnitValue(d.display_name.empty() ? d.name : d.display_name) + "\n";
  unit += "After=local-fs.target network.target\n\n";
  unit += "[Service]\n";
  unit += "Type=simple\n";
  unit += "ExecStart=" + UnitValue(command) + "\n";
  // Never compete with the plant's software: the lowest CPU and I/O priority, a small share.
  unit += "Nice=19\n";
  unit += "IOSchedulingClass=idle\n";
  unit += "CPUSchedulingPolicy=batch\n";
  unit += "CPUWeight=1\n";
  unit += "IOWeight=1\n";
  if (d.memory_max_bytes > 0) unit += "MemoryMax=" + std::to_string(d.memory_max_bytes) + "\n";
  // A clean stop flushes the spool and the history; after 30 s systemd kills it anyway.
  unit += "KillSignal=SIGTERM\n";
  unit += "TimeoutStopSec=30\n";
  unit += "Restart=on-failure\n";
  unit += "RestartSec=10\n";
  if (d.auto_start) unit += "\n[Install]\nWantedBy=multi-user.target\n";
  return unit;
}

}  // namespace otguard::platform
