// Collects the audit's facts through the platform layer. Every fact keeps its own error, so a
// collector that is not implemented on this OS (yet), or lacks privileges, makes the checks that
// need it report unknown rather than failing the audit.
#include <algorithm>
#include <set>
#include <utility>

#include "otguard/host/audit.h"
#include "otguard/platform/files.h"
#include "otguard/platform/kernel.h"
#include "otguard/platform/process.h"
#include "otguard/platform/processes.h"
#include "otguard/platform/system.h"

namespace otguard::host {
namespace {

using platform::RegistryHive;

// The HKLM values the Windows checks read (src/host/audit_windows*.cc).
const std::vector<std::pair<std::string, std::string>>& RegistryValuesToRead() {
  static const std::vector<std::pair<std::string, std::string>> values = [] {
    std::vector<std::pair<std::string, std::string>> v = {
        {"SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters", "SMB1"},
        {"SYSTEM\\CurrentControlSet\\Services\\mrxsmb10", "Start"},
        {"SYSTEM\\CurrentControlSet\\Control\\Terminal Server", "fDenyTSConnections"},
        {"SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp",
         "UserAuthentication"},
        {"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer", "NoAutorun"},
        {"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer", "NoDriveTypeAutoRun"},
        {"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\IniFileMapping\\Autorun.inf", ""},
    };
    for (const char* profile : {"DomainProfile", "StandardProfile", "PublicProfile"}) {
      v.emplace_back(std::string("SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\"
                                 "FirewallPolicy\\") +
                         profile,
                     "EnableFirewall");
      v.emplace_back(std::string("SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\") + profile,
                     "EnableFirewall");
    }
    return v;
  }();
  return values;
}

// srv.sys and srv2.sys live in %SystemRoot%\System32\drivers. A 32-bit otguard on 64-bit
// Windows sees SysWOW64 there (file system redirection); Sysnative names the real System32.
Result<std::string> DriverVersion(const std::string& system_root, const std::string& driver) {
  Result<std::string> native =
      platform::GetFileVersion(system_root + "\\Sysnative\\drivers\\" + driver);
  if (native || native.error().code() != StatusCode::kNotFound) return native;
  return platform::GetFileVersion(system_root + "\\System32\\drivers\\" + driver);
}

void CollectWindows(AuditFacts& facts) {
  facts.hotfixes = platform::ListHotfixes();
  for (const auto& [key, name] : RegistryValuesToRead()) {
    facts.registry.emplace(RegistryFact(key, name),
                           platform::ReadRegistryValue(RegistryHive::kLocalMachine, key, name));
  }
  Result<platform::RegistryValue> system_root = platform::ReadRegistryValue(
      RegistryHive::kLocalMachine, "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "SystemRoot");
  if (system_root && !system_root->text.empty()) {
    facts.srv_sys_version = DriverVersion(system_root->text, "srv.sys");
    facts.srv2_sys_version = DriverVersion(system_root->text, "srv2.sys");
  } else {
    Status why = system_root ? NotFound("SystemRoot is empty") : system_root.error();
    facts.srv_sys_version = Unexpected(why.WithContext("%SystemRoot%"));
    facts.srv2_sys_version = facts.srv_sys_version;
  }
  facts.services = platform::ListServices();
  facts.accounts = platform::ListLocalAccounts();
}

PacketFilterFacts CollectPacketFilter() {
  PacketFilterFacts p{platform::ReadIpTablesNames(/*ipv6=*/false),
                      platform::ReadIpTablesNames(/*ipv6=*/true), platform::ReadLoadedModules()};
  p.nf_tables_in_sysfs = platform::KernelHasModule("nf_tables");
  p.x_tables_in_sysfs = platform::KernelHasModule("x_tables");
  return p;
}

// The system paths the world-writable walk covers, the most sensitive first so that a capped
// walk has looked at them: units, cron, programs; then the rest of /etc.
std::vector<std::string> WorldWritableRoots(const std::string& root) {
  std::vector<std::string> roots = {"/etc/systemd"};
  Result<std::vector<std::string>> etc = platform::ListDirectory(root + "/etc");
  if (etc) {
    std::vector<std::string> cron;
    for (const std::string& name : *etc) {
      if (name.rfind("cron", 0) == 0) cron.push_back("/etc/" + name);
    }
    std::sort(cron.begin(), cron.end());
    roots.insert(roots.end(), cron.begin(), cron.end());
  }
  for (const char* path : {"/usr/lib/systemd", "/lib/systemd", "/usr/bin", "/usr/sbin",
                           "/usr/local/bin", "/usr/local/sbin", "/bin", "/sbin", "/etc"}) {
    roots.push_back(path);
  }
  return roots;
}

class WorldWritableWalk {
 public:
  WorldWritableWalk(std::string root, size_t cap) : root_(std::move(root)), cap_(cap) {}

  WorldWritableScan Run() {
    std::set<std::pair<uint64_t, uint64_t>> seen_roots;
    for (const std::string& path : WorldWritableRoots(root_)) {
      // /bin and /lib are symlinks into /usr on merged-/usr systems: walk each tree once.
      Result<platform::FileInfo> info = platform::StatPath(root_ + path, true);
      if (!info || !seen_roots.insert({info->device, info->inode}).second) continue;
      if (scan_.truncated) break;
      scan_.roots.push_back(path);
      walked_.insert(root_ + path);
      current_ = root_ + path;
      std::string walk_root = root_ + path;
      platform::Walk(std::span(&walk_root, 1), {}, Callbacks());
    }
    return std::move(scan_);
  }

 private:
  platform::WalkCallbacks Callbacks() {
    platform::WalkCallbacks callbacks;
    callbacks.on_file = [this](const std::string& path, const platform::FileInfo& info) {
      if (info.mode & 0002) Record(path);
      return Count();
    };
    callbacks.enter_directory = [this](const std::string& path) {
      // /etc comes last: do not walk its subtrees that were roots already.
      if (path != current_ && walked_.count(path)) return false;
      Result<platform::FileInfo> info = platform::StatPath(path, false);
      if (info && (info->mode & 0002) && !(info->mode & 01000)) Record(path);
      return Count();
    };
    return callbacks;
  }

  bool Count() {
    if (++scan_.examined < cap_) return true;
    scan_.truncated = true;
    return false;
  }

  void Record(const std::string& path) {
    ++scan_.count;
    if (scan_.paths.size() < WorldWritableScan::kMaxListed) {
      scan_.paths.push_back(path.substr(root_.size()));
    }
  }

  std::string root_;
  size_t cap_;
  std::string current_;
  std::set<std::string> walked_;
  WorldWritableScan scan_;
};

Status LiveOnly() {
  return FailedPrecondition(
      "not examined: --root audits the files of another system, not this host's live state");
}

void CollectLinux(AuditFacts& facts, const AuditOptions& options) {
  facts.sshd_config = ReadSshdConfig("/etc/ssh/sshd_config", options.root);
  facts.world_writable = WorldWritableWalk(options.root.root, options.max_walk_entries).Run();
  facts.accounts = platform::ListLocalAccounts(options.root);
  if (!options.root.root.empty()) {
    facts.sockets = Unexpected(LiveOnly());
    facts.packet_filter = Unexpected(LiveOnly());
    facts.randomize_va_space = Unexpected(LiveOnly());
    return;
  }
  facts.packet_filter = CollectPacketFilter();
  facts.randomize_va_space = platform::ReadSysctl("kernel.randomize_va_space");
}

void CollectSockets(AuditFacts& facts) {
  facts.sockets = platform::ListSockets();
  Result<std::vector<platform::ProcessInfo>> processes = platform::ListProcesses();
  if (!processes) return;
  for (const platform::ProcessInfo& p : *processes) facts.process_names[p.pid] = p.name;
}

}  // namespace

AuditFacts CollectAuditFacts(const AuditOptions& options) {
  AuditFacts facts;
  facts.taken_at = EventTime::Now();
  facts.host_name = platform::HostName();
  facts.root = options.root.root;
  if (!options.root.root.empty()) {
    // A tree is read as files: there is no registry in it, so it is audited as Linux.
    facts.family = "linux";
    facts.os = platform::GetOsVersion(options.root);
    CollectLinux(facts, options);
    return facts;
  }
  facts.os = platform::GetOsVersion();
  if (facts.os) {
    facts.family = facts.os->family;
  } else {
    // Which OS without GetOsVersion: only Windows has a registry.
    Result<platform::RegistryValue> probe = platform::ReadRegistryValue(
        RegistryHive::kLocalMachine, "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
        "CurrentVersion");
    bool no_registry = !probe && probe.error().code() == StatusCode::kUnimplemented;
    facts.family = no_registry ? "linux" : "windows";
  }
  CollectSockets(facts);
  if (facts.family == "windows") {
    CollectWindows(facts);
  } else {
    CollectLinux(facts, options);
  }
  return facts;
}

}  // namespace otguard::host
