// The hardening audit (`otguard audit`): what on this host makes a worm like the refinery's
// EternalBlue miner (docs/audit.md) easy to run, as a list of checks that pass, fail or cannot
// be decided. Collection and evaluation are apart: CollectAuditFacts() asks the platform layer
// what the host is; EvaluateAudit() is a pure function of those facts, so every rule is tested
// on Linux with synthetic Windows facts, and the central server can evaluate facts it receives.
//
// Thread-safety: all functions may run on any thread; facts and reports are plain values.
#ifndef OTGUARD_HOST_AUDIT_H_
#define OTGUARD_HOST_AUDIT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "otguard/base/event.h"
#include "otguard/base/status.h"
#include "otguard/platform/accounts.h"
#include "otguard/platform/packages.h"
#include "otguard/platform/registry.h"
#include "otguard/platform/services.h"
#include "otguard/platform/sockets.h"
#include "otguard/platform/system.h"

namespace otguard::host {

// A finding's severity is the event envelope's otguard::Severity (otguard/base/event.h).
// kUnknown: a fact the check needs could not be read; the finding says which and why.
enum class AuditStatus { kFail, kUnknown, kPass };

const char* AuditStatusName(AuditStatus status);  // "fail", "unknown", "pass"

// One check's result.
struct AuditFinding {
  std::string id;     // stable: "ms17-010-missing", "smb1-server-enabled" (docs/audit.md)
  std::string title;  // what the check is about, one line
  AuditStatus status = AuditStatus::kUnknown;
  Severity severity = Severity::kInfo;  // of a failure (kept on pass/unknown too)
  std::string evidence;  // what was seen, concretely; for unknown: what could not be read, why
  std::string fix;       // what to do on a DCS host (empty on pass)
  std::vector<std::string> references;  // URLs / bulletin and KB numbers
};

struct AuditReport {
  EventTime taken_at;  // the facts' time: the `@timestamp` of every record
  std::string host_name;
  std::optional<platform::OsVersion> os;
  std::string family;  // "windows" or "linux": which checks applied
  std::string root;    // the --root tree audited; "" for the live host
  // Failing checks first (by severity, highest first), then unknown, then passing; by id.
  std::vector<AuditFinding> findings;
};

// One line of an sshd configuration as sshd reads it: Include directives expanded in place.
struct ConfigLine {
  std::string file;  // as on the audited host (without the --root prefix)
  int line = 0;
  std::string text;
};

// World-writable entries found under the system paths (docs/audit.md lists the paths).
struct WorldWritableScan {
  std::vector<std::string> paths;  // as on the audited host; at most kMaxListed
  size_t count = 0;                // all found (may exceed paths.size())
  size_t examined = 0;             // entries looked at
  bool truncated = false;          // the walk stopped at its entry cap
  std::vector<std::string> roots;  // the roots walked (after de-duplication)
  static constexpr size_t kMaxListed = 200;
};

// What the Linux kernel says about packet filtering without netlink.
struct PacketFilterFacts {
  Result<std::string> ip_tables_names;   // /proc/net/ip_tables_names (NotFound: not loaded)
  Result<std::string> ip6_tables_names;  // /proc/net/ip6_tables_names
  Result<std::string> modules;           // /proc/modules
  bool nf_tables_in_sysfs = false;       // /sys/module/nf_tables exists (built in or loaded)
  bool x_tables_in_sysfs = false;        // /sys/module/x_tables exists
};

// Everything the checks look at. A fact that was not (or could not be) collected holds the
// Status saying why; a check that needs it reports unknown with that reason.
struct AuditFacts {
  AuditFacts();

  EventTime taken_at;  // when collection began
  std::string host_name;
  std::string family;  // "windows" or "linux"; decides which checks apply
  std::string root;    // --root: file facts come from this tree, live facts are not collected
  Result<platform::OsVersion> os;

  // Windows.
  Result<std::vector<platform::Hotfix>> hotfixes;
  Result<std::string> srv_sys_version;   // %SystemRoot%\System32\drivers\srv.sys; NotFound: absent
  Result<std::string> srv2_sys_version;  // srv2.sys (SMB2/3 server), for the evidence
  // HKLM values, keyed by RegistryFact(key, name). A value absent from the map was not
  // collected; one mapped to NotFound does not exist on the host.
  std::map<std::string, Result<platform::RegistryValue>> registry;

  // Both OSes.
  Result<std::vector<platform::ServiceInfo>> services;
  Result<std::vector<platform::SocketEndpoint>> sockets;
  std::map<uint32_t, std::string> process_names;  // pid -> image name, for socket owners
  Result<std::vector<platform::LocalAccount>> accounts;

  // Linux.
  Result<std::vector<ConfigLine>> sshd_config;  // NotFound: no /etc/ssh/sshd_config
  Result<WorldWritableScan> world_writable;
  Result<PacketFilterFacts> packet_filter;
  Result<std::string> randomize_va_space;  // /proc/sys/kernel/randomize_va_space
};

// The registry map's key for HKLM\<key> value <name> ("" is the default value).
std::string RegistryFact(const std::string& key, const std::string& name);

struct AuditOptions {
  // Linux: read configuration files (sshd_config, /etc/shadow, the world-writable walk) under
  // this tree instead of the live host; live-only facts (sockets, packet filter, sysctl) are
  // then not collected and their checks report unknown. HostRoot::Open() validates it.
  platform::ConfigRoot root;
  size_t max_walk_entries = 200000;  // the world-writable walk's cap
};

// Collects the facts. Never fails: each fact records its own error.
AuditFacts CollectAuditFacts(const AuditOptions& options);

// Evaluates every check that applies to facts.family. Pure: no I/O.
AuditReport EvaluateAudit(const AuditFacts& facts);

// Expands an sshd configuration's Include directives as sshd does (relative paths are under
// /etc/ssh, globs sorted, nesting limited), reading files under `where.root`. NotFound when
// `main_file` does not exist.
Result<std::vector<ConfigLine>> ReadSshdConfig(const std::string& main_file,
                                               const platform::ConfigRoot& where);

// Counts by status and severity, for the summary line and the summary record.
struct AuditCounts {
  size_t checks = 0, failing = 0, unknown = 0, passing = 0;
  size_t by_severity[kSeverityCount] = {};  // failing checks per Severity
};
AuditCounts CountFindings(const AuditReport& report);

// One JSON record per finding (docs/audit.md, docs/event-schema.md), then a summary record.
std::vector<nlohmann::json> AuditRecords(const AuditReport& report);

// The report as a table for a person: failing and unknown checks (and passing ones with
// `all`), each with its evidence and fix, then a line of counts.
std::string AuditText(const AuditReport& report, bool all);

// 0 when no check fails, 1 otherwise.
int AuditExitCode(const AuditReport& report);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_AUDIT_H_
