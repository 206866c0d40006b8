// Process and network allowlists that learn by themselves (docs/allowlist.md).
//
// The pipeline, every step a pure function over values so it runs the same in the agent, the
// server and the CLI, and is unit-tested on any OS:
//   observations (the agent's history, JSON lines) -> History (how often, how long, at which
//   hours each item was seen) -> Learn(): merged rules + transients for review -> an engineer
//   approves -> Allowlist (versioned TOML file) -> AllowlistMatcher checks new observations
//   (monitor: an alert; enforce: the agent ends the process) -> Replay() tunes a candidate
//   against recorded history -> DecideUpgrade() lets the list follow trusted upgrades.
//
// Thread-safety: values and pure functions; an AllowlistMatcher is immutable once built and its
// const methods are thread-safe.
#ifndef OTGUARD_HOST_ALLOWLIST_H_
#define OTGUARD_HOST_ALLOWLIST_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include "otguard/base/event.h"
#include "otguard/base/status.h"

namespace otguard::host {

// ---------------------------------------------------------------------------------------------
// Observations: what the agent saw. One JSON line each in the history files.

struct ProcessObservation {
  EventTime time;  // when the start was seen
  uint32_t pid = 0;
  uint32_t ppid = 0;
  std::string executable;  // full path as the OS spells it
  std::string sha256;      // lower-case hex of the image; "" when it could not be read
  std::string signer;      // Windows: trusted Authenticode subject; "" when unsigned/untrusted
  std::string package;     // Linux: the dpkg package owning `executable`; "" when none
  std::string parent_executable;
  std::string user;
  std::string command_line;
  int64_t duration_ns = -1;  // lifetime when its exit was seen; -1 unknown
  std::string source;        // the platform::ProcessEventSource name ("ebpf", "etw", ...)

  friend bool operator==(const ProcessObservation&, const ProcessObservation&) = default;
};

enum class Direction { kListen, kOutbound, kInbound };
const char* DirectionName(Direction d);  // "listen", "outbound", "inbound"

struct ConnectionObservation {
  EventTime time;
  uint32_t pid = 0;
  std::string executable;  // the owning process's image; "" when unknown
  std::string protocol;    // "tcp" or "udp"
  Direction direction = Direction::kOutbound;
  std::string local_address;  // textual, as platform::SocketEndpoint
  uint16_t local_port = 0;
  std::string remote_address;  // "" for kListen
  uint16_t remote_port = 0;

  friend bool operator==(const ConnectionObservation&, const ConnectionObservation&) = default;
};

using Observation = std::variant<ProcessObservation, ConnectionObservation>;

// One observation as one JSON line (no newline) and back (docs/allowlist.md "Files"). Times are
// RFC 3339 UTC with nanoseconds where the time has them, so Parse(ToJson(x)) == x. A line is at
// most 64 KiB: the writer cuts an overlong command line (then other texts) to fit; invalid
// UTF-8 is written as U+FFFD. Parse errors are InvalidArgument naming the field ("field 'pid':
// out of range 0..4294967295"); unknown fields are ignored (newer agents), a missing required
// one is not; a line with a NUL byte or over 64 KiB is refused.
std::string ObservationToJson(const Observation& observation);
Result<Observation> ParseObservation(std::string_view json_line);

// ---------------------------------------------------------------------------------------------
// History: each distinct item with how often, how long and when it was seen.

struct SeenStats {
  uint64_t count = 0;
  EventTime first_seen;
  EventTime last_seen;
  uint64_t days_seen = 0;         // distinct UTC days
  uint32_t hours_mask = 0;        // bit h set: seen during UTC hour h
  int64_t total_duration_ns = 0;  // of the observations whose duration is known
  uint64_t durations_known = 0;
};

// A process item: one (executable, sha256) with what it is.
struct ProcessItem {
  std::string executable;
  std::string sha256;
  std::string signer;
  std::string package;
  std::vector<std::string> parents;  // distinct parent executables, sorted, at most 16
  std::vector<std::string> users;    // distinct users, sorted, at most 16
  SeenStats seen;
};

// A network item: one (executable, protocol, direction, peer address, service port). The
// service port is the remote port outbound, the local port inbound and listening; the other
// side's ephemeral port is not part of the item.
struct NetworkItem {
  std::string executable;
  std::string protocol;
  Direction direction = Direction::kOutbound;
  std::string remote_address;  // "" for kListen
  uint16_t port = 0;
  SeenStats seen;
};

class History {
 public:
  void Add(const Observation& observation);
  void Merge(const History& other);
  // Sorted by executable, then sha256 / by executable, protocol, direction, address, port.
  std::vector<ProcessItem> processes() const;
  std::vector<NetworkItem> network() const;
  uint64_t observations() const { return observations_; }

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // copy-on-write
  uint64_t observations_ = 0;
};

// Reads every observation file in `dir` into a History, oldest first: "<UTC date>.jsonl", then
// its continuations "<UTC date>.jsonl.1", ".2", ... (the agent starts one when a day's file is
// full; numbers grow with time, nothing is renamed); other names are ignored. Files are
// streamed line by line in bounded memory. A malformed line (not JSON, a field missing or out
// of range, longer than 64 KiB) is counted in report->bad_lines with its file and line in
// report->problems, never fatal: the rest of the file and the other files are still read; so
// is a file that cannot be read. `report` may be null. NotFound when `dir` does not exist.
struct HistoryReadReport {
  uint64_t files = 0;
  uint64_t lines = 0;       // non-blank lines
  uint64_t bad_lines = 0;   // including torn ones
  uint64_t torn_lines = 0;  // a last line without its newline: a write cut short (a crash)
  std::vector<std::string> problems;  // "history/2026-12-05.jsonl:17: <what>", first 20
};
Result<History> ReadHistoryDir(const std::string& dir, HistoryReadReport* report);
// The same files streamed: each good observation to `sink`, oldest file first, in file order.
Status ForEachObservation(const std::string& dir,
                          const std::function<void(const Observation&)>& sink,
                          HistoryReadReport* report);

// ---------------------------------------------------------------------------------------------
// Rules and the allowlist file.

enum class ProcessRuleKind {
  kHash,           // this exact file content (sha256), at `path` ("" = wherever it lies)
  kPath,           // this path, any content (only by an engineer's hand, never by a merge)
  kPathSigner,     // this path, signed by `signer` (the hash may change with upgrades)
  kPublisherPath,  // any file under the folder `path` (ends with the separator) signed by `signer`
  kPackage,        // files the installed package `package` owns (dpkg verifies their checksum)
};
const char* ProcessRuleKindName(ProcessRuleKind kind);  // "hash", "path", "path-signer", ...

struct ProcessRule {
  std::string id;  // stable: derived from the rule's content ("p-" + 12 hex)
  ProcessRuleKind kind = ProcessRuleKind::kHash;
  std::string path;
  std::vector<std::string> sha256;  // kHash: the allowed contents (sorted)
  std::string signer;
  std::string package;
  std::string comment;  // what it was learned from: "7 files, 2 hashes, seen 14 days"

  friend bool operator==(const ProcessRule&, const ProcessRule&) = default;
};

struct NetworkRule {
  std::string id;          // "n-" + 12 hex
  std::string executable;  // the process the rule is bound to; never empty from a merge
  std::string protocol;    // "tcp", "udp"
  Direction direction = Direction::kOutbound;
  std::string remote;  // "10.1.2.3", "10.1.2.0/24", "any" (kListen: "any")
  uint16_t port = 0;   // the service port (see NetworkItem); 0 = any (only by hand)
  std::string comment;

  friend bool operator==(const NetworkRule&, const NetworkRule&) = default;
};

struct AllowlistChange {  // one entry of an allowlist's own history
  uint64_t version = 0;
  EventTime time;
  std::string by;    // who approved ("engineer@station"), or "upgrade" for a followed upgrade
  std::string what;  // "approved 12 rules", "followed upgrade of C:\\...\\opc.exe: same signer"

  friend bool operator==(const AllowlistChange&, const AllowlistChange&) = default;
};

struct Allowlist {
  uint64_t version = 0;  // 1 on first approval, +1 on each change
  std::string host;      // the host or role it was learned on
  std::vector<ProcessRule> processes;
  std::vector<NetworkRule> network;
  std::vector<AllowlistChange> changes;  // oldest first

  friend bool operator==(const Allowlist&, const Allowlist&) = default;
};

// The TOML file (docs/allowlist.md). Errors name the origin and the key: "allowlist.toml:
// process[3].kind: unknown kind 'hsh'". Formatting is stable (rules sorted by id) so two
// versions diff line by line.
Result<Allowlist> ParseAllowlist(std::string_view toml, std::string_view origin);
std::string FormatAllowlist(const Allowlist& allowlist);

// ---------------------------------------------------------------------------------------------
// Learning and merging.

// What a merge may widen to, stated in the policy file and shown in the review.
struct MergePolicy {
  // Transients: items seen at most this many times, or only within this span, go to review.
  uint64_t transient_max_count = 2;
  int64_t transient_max_span_ns = int64_t{3600} * 1000000000;  // 1 h
  // A publisher+path rule needs this many distinct files of one signer under one folder.
  int publisher_path_min_files = 3;
  // Folders a publisher+path rule may never be (user-writable places, OS roots):
  // "C:\\Windows\\Temp\\", "C:\\Users\\", "/tmp/", "/home/", ... (defaults in learn.cc).
  std::vector<std::string> folder_never;
  // CIDR merging: at least this many distinct peers in one subnet on one port, and never a
  // prefix shorter than these.
  int cidr_min_peers = 3;
  int cidr_min_prefix_v4 = 24;
  int cidr_min_prefix_v6 = 64;
};

// One merge that allows more than what was seen, with its evidence, for the review.
struct Widening {
  std::string rule_id;
  std::string what;  // "publisher+path: any file under C:\\Program Files\\X\\ signed by Y"
  std::vector<std::string> evidence;  // the observed items it was made from
};

struct Transient {
  std::variant<ProcessItem, NetworkItem> item;
  std::string why;  // "seen once", "seen 2 times within 4 min"
};

struct Proposal {
  Allowlist rules;  // version 0: not approved
  std::vector<Widening> widenings;
  std::vector<Transient> transients;
};

Proposal Learn(const History& history, const MergePolicy& policy);

// A proposal as a file (docs/allowlist.md), what `allowlist learn` writes for review: the rules
// as an allowlist of version 0, then the review notes as [[widening]] and [[transient]] tables.
// ParseAllowlist accepts the notes in a version-0 file and leaves them out; ParseProposal reads
// them back (a transient keeps what the review shows: the item's identity, count, first and
// last seen). Errors as ParseAllowlist's.
std::string FormatProposal(const Proposal& proposal);
Result<Proposal> ParseProposal(std::string_view toml, std::string_view origin);

// The [merge] table of a policy file (the agent's policy, docs/allowlist.md); other tables are
// left to their readers. Keys: transient_max_count, transient_max_span_seconds,
// publisher_path_min_files, folder_never, cidr_min_peers, cidr_min_prefix_v4,
// cidr_min_prefix_v6; a missing key keeps MergePolicy's default. InvalidArgument naming the key.
Result<MergePolicy> ParseMergePolicy(std::string_view toml, std::string_view origin);

// What `allowlist review` prints: the rules, each widening with its evidence, the transients.
std::string ReviewText(const Proposal& proposal);

// The allowlist an approval makes: `proposed`'s rules, version `previous`'s + 1 (1 without a
// previous one), `previous`'s change history plus one entry by `by` at `time` ("approved 12
// rules: 3 added, 1 removed"). `previous` may be null.
Allowlist ApproveAllowlist(const Allowlist* previous, const Allowlist& proposed,
                           std::string_view by, EventTime time);

// `allowlist approve`: reads the proposal file, and the allowlist file `into` when it exists;
// keeps the previous file's bytes as "<into>.v<its version>" (never overwriting a different
// one: AlreadyExists), then replaces `into` atomically with the approved allowlist, which it
// returns. Errors name the file.
Result<Allowlist> ApproveProposalFile(const std::string& proposal_path, const std::string& into,
                                      std::string_view by, EventTime time);
// An allowlist or proposal file read and parsed (at most 16 MiB); errors name the file.
Result<Allowlist> LoadAllowlistFile(const std::string& path);

// ---------------------------------------------------------------------------------------------
// Checking.

// Why an observation is not allowed, for programs that act on it (the alert's rule name, a
// console's filter); `Verdict::reason` says the same for people.
enum class Mismatch {
  kNone,              // allowed
  kNoRule,            // no rule names this program, or this process's network activity
  kContentChanged,    // a rule names this path, but not this content: a modified program
  kSignerChanged,     // a path+signer rule names this path, but not this signer
  kSignerNotAllowed,  // under a publisher rule's folder, but not signed by its publisher
  kUnmatchablePath,   // the path has a ".." segment, which no path rule matches
  kUnknownService,    // the process has network rules, none for this protocol/port/direction
  kUnknownPeer,       // a rule allows this service, but not with this peer
};
const char* MismatchName(Mismatch m);  // "no-rule", "content-changed", ...
// kContentChanged and kSignerChanged: an allowlisted program was replaced.
inline bool IsModifiedProgram(Mismatch m) {
  return m == Mismatch::kContentChanged || m == Mismatch::kSignerChanged;
}

struct Verdict {
  bool allowed = false;
  std::string rule_id;                  // the rule that allows it
  Mismatch mismatch = Mismatch::kNone;  // when not allowed: why, for programs
  std::string reason;  // when not allowed, for people: "program not allowlisted: /tmp/x ..."
};

class AllowlistMatcher {
 public:
  static Result<AllowlistMatcher> Build(const Allowlist& allowlist);  // InvalidArgument: bad CIDR
  Verdict Check(const ProcessObservation& process) const;
  Verdict Check(const ConnectionObservation& connection) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Review, diff, replay, golden image.

struct AllowlistDiff {
  std::vector<ProcessRule> processes_added, processes_removed;
  std::vector<NetworkRule> network_added, network_removed;
};
AllowlistDiff Diff(const Allowlist& before, const Allowlist& after);
std::string FormatDiff(const AllowlistDiff& diff);  // "+ process p-... hash /usr/bin/x" lines

struct ReplayAlert {
  Observation observation;
  Verdict verdict;  // not allowed: its mismatch and reason
};
struct ReplayReport {
  uint64_t observations = 0;
  std::vector<ReplayAlert> alerts;  // first of each distinct item, in time order
  uint64_t alerts_total = 0;        // every observation not allowed
};
ReplayReport Replay(const AllowlistMatcher& matcher, const std::vector<Observation>& history);

// The same, one observation at a time, so a long history is never held in memory (only the
// first observation of each distinct alerted item is kept). One thread at a time.
class Replayer {
 public:
  explicit Replayer(const AllowlistMatcher& matcher) : matcher_(matcher) {}
  void Add(const Observation& observation);
  ReplayReport Finish() &&;

 private:
  const AllowlistMatcher& matcher_;  // not owned; outlives the Replayer
  ReplayReport report_;
  std::unordered_set<std::string> alerted_keys_;  // items already alerted
};

// Golden image: the allowlists of hosts of one role; items most hosts have that one lacks, and
// items only few hosts have. `hosts` pairs a host name with its allowlist.
struct Outlier {
  std::string host;
  std::string what;  // "runs /opt/x (p-...) that 1 of 5 hosts run", "lacks ..."
};
std::vector<Outlier> CompareHosts(const std::vector<std::pair<std::string, Allowlist>>& hosts);

// ---------------------------------------------------------------------------------------------
// Upgrades: when an allowlisted file changes, follow it or alert.

struct MaintenanceWindow {
  EventTime begin;
  EventTime end;
};

struct UpgradePolicy {
  std::vector<MaintenanceWindow> windows;
  std::vector<std::string>
      trusted_updaters;  // executables ("/usr/bin/dpkg", "C:\\...\\msiexec.exe")
};

// The facts the agent collected about one changed file.
struct FileChange {
  std::string path;
  std::string old_sha256;
  std::string new_sha256;
  std::string old_signer;  // Windows
  std::string new_signer;
  std::string package;                    // Linux: owning package, ""
  bool package_checksum_matches = false;  // dpkg's recorded md5sum equals the new file's
  EventTime time;                         // when the change was seen (file mtime or event time)
  std::string writer;                     // the process that wrote it, when known
};

struct UpgradeDecision {
  bool follow = false;
  std::string reason;  // "same signer 'X'", "dpkg checksum of package y", "maintenance window",
                       // "trusted updater /usr/bin/dpkg"; or why not
};
UpgradeDecision DecideUpgrade(const FileChange& change, const UpgradePolicy& policy);
// `allowlist` with the change followed (a kHash rule gains the new hash) and a change entry.
Allowlist FollowUpgrade(const Allowlist& allowlist, const FileChange& change,
                        const UpgradeDecision& decision);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_ALLOWLIST_H_
