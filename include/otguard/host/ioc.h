// Indicators of compromise: the model of an IOC pack, its loader (TOML files, format 1,
// docs/ioc-packs.md) and the STIX 2.1 import. Packs are data: the MsraMiner pack is
// data/ioc/msraminer.toml, compiled into the binary as the built-in pack.
//
// An indicator describes one kind of object (a file, a process, a service ...) by conditions.
// Every condition an indicator sets must hold (AND); a condition with several values holds when
// any value matches (OR). Text conditions are globs: '*' any run of characters, '?' one
// character, compared case-insensitively (ASCII). Path globs are the same, except that '*' stays
// within one path component and '**' crosses components; on Windows paths compare
// case-insensitively with '\\' and '/' equal, and %SystemRoot%, %WinDir%, %SystemDrive%,
// %ProgramFiles%, %ProgramFiles(x86)%, %ProgramData%, %AppData% style variables are expanded at
// hunt time.
//
// Thread-safety: a Pack is a plain value; the functions are thread-safe.
#ifndef OTGUARD_HOST_IOC_H_
#define OTGUARD_HOST_IOC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "otguard/base/event.h"
#include "otguard/base/status.h"

namespace otguard::host {

// An indicator's severity is the event envelope's otguard::Severity (otguard/base/event.h).

enum class IndicatorKind {
  kFile,            // files by path glob (and/or name, hashes, YARA)
  kProcess,         // running processes
  kService,         // services (Windows SCM, Linux systemd units)
  kRegistry,        // Windows registry keys and values
  kListeningPort,   // a local port this host listens on
  kRemoteEndpoint,  // connections to remote ports / addresses; domains in commands and hosts
  kScheduledTask,   // scheduled tasks (Windows), cron entries and timers (Linux)
  kAutorun,         // any autorun (Run keys, startup folders, cron, rc scripts ...)
};
const char* IndicatorKindName(IndicatorKind kind);  // "file", "process", "service", ...
Result<IndicatorKind> ParseIndicatorKind(std::string_view name);

enum class TargetOs { kAny, kWindows, kLinux };

struct Indicator {
  std::string id;     // unique in its pack: "service-description"
  std::string title;  // one line for people: "Service with MsraMiner's description template"
  IndicatorKind kind = IndicatorKind::kFile;
  Severity severity = Severity::kHigh;
  // MITRE ATT&CK for ICS technique id: "T0849" (IcsTechniqueName knows it), or "" when no
  // technique is known (indicators imported from STIX); the hunt then shows "-".
  std::string technique;
  TargetOs os = TargetOs::kAny;
  std::string remediation;  // advice for the plan's steps of this indicator; may be ""
  std::vector<std::string> references;

  // --- conditions (which ones apply depends on `kind`; the loader rejects the others) ---
  // file: path globs; process: image path globs; service: binary path globs;
  // autorun/scheduled-task: image path globs.
  std::vector<std::string> paths;
  // process: image path must NOT match any of these (e.g. spoolsv.exe outside System32).
  std::vector<std::string> not_paths;
  // file, process, service, scheduled-task, autorun: name globs (file name, process image name,
  // service key name, task name / path, autorun name).
  std::vector<std::string> names;
  // process, service: the name is one word of each list, in order, with an optional extension
  // (".exe", ".dll"): {Windows, Network} + {Update, Time} + {Service, Host} matches
  // "NetworkTimeHost". Compared case-insensitively.
  std::vector<std::vector<std::string>> name_words;
  // process: the parent's image name matches one of / none of these. A process whose parent has
  // exited matches neither kind of condition.
  std::vector<std::string> parents;
  std::vector<std::string> not_parents;
  // process: command line globs; scheduled-task/autorun/service: the command it runs.
  std::vector<std::string> command_lines;
  // service: description and display-name globs.
  std::vector<std::string> descriptions;
  std::vector<std::string> display_names;
  // service: ServiceDll path globs, and whether the ServiceDll must carry the service's own name
  // ("<name>.dll" in System32 or SysWOW64: MsraMiner's random three-word services).
  std::vector<std::string> service_dlls;
  bool dll_named_like_service = false;
  // process: also end its parent first (the responders ended svchost.exe before the miner,
  // which it would otherwise restart).
  bool end_parent = false;
  // registry: the key ("HKLM\\SYSTEM\\CurrentControlSet\\Services", hive abbreviations HKLM,
  // HKU, HKCU, HKCR), optional value-name globs (none: the key's existence is the indicator),
  // optional data globs (string data, or decimal numbers).
  std::string registry_key;
  std::vector<std::string> value_names;
  std::vector<std::string> value_data;
  // listening-port / remote-endpoint: "tcp", "udp" or "" (both); ports.
  std::string protocol;
  std::vector<uint16_t> ports;
  // remote-endpoint: remote addresses (IPv4/IPv6, or CIDR "45.76.0.0/16"); domains ("x.club" or
  // "*.njaavfxcgk3.club"), looked for in command lines, autoruns and the hosts file. A
  // remote-endpoint indicator with ports and addresses needs both to match one connection.
  std::vector<std::string> addresses;
  std::vector<std::string> domains;
  // remote-endpoint: URLs ("https://host/path?query"), matched as whole URLs, never as their
  // host, in the same texts as domains: a URL on a shared host (code hosting, a CDN, a paste
  // site) must not flag the host's other URLs. Equal when scheme family (http and https are
  // one), host, port and path with query are equal; a text URL without a scheme
  // ("host/path", as curl and wget take it) counts as http(s). Domains and URLs are looked
  // for in texts, ports and addresses in connections: one indicator holds one or the other.
  std::vector<std::string> urls;
  // file (and the images of process/service/autorun objects): lower-case hex digests.
  std::vector<std::string> md5;
  std::vector<std::string> sha1;
  std::vector<std::string> sha256;
  // file: YARA rule source applied to the files the hunt reads (Linux builds with libyara).
  std::string yara;

  friend bool operator==(const Indicator&, const Indicator&) = default;
};

struct Pack {
  int format = 1;           // the pack format this file uses
  std::string id;           // "msraminer"
  std::string name;         // "MsraMiner (NrsMiner, WannaMine 1.0-4.x)"
  std::string version;      // of the content: "2026.11.27"
  std::string description;  // may be ""
  std::vector<std::string> references;
  // Advice the plan ends with when this pack found something (patch, scanner, passwords ...).
  std::vector<std::string> prevention;
  std::string origin;  // where it was loaded from ("built-in", a file path); set by the loader
  std::vector<Indicator> indicators;

  friend bool operator==(const Pack&, const Pack&) = default;
};

constexpr int kPackFormat = 1;

// Parses and validates a pack. `origin` names the source in errors, which read
// "<origin>:<line>:<column>: <what>" (InvalidArgument): TOML syntax, unknown or mistyped keys,
// a condition the kind does not have, an indicator without conditions, a bad glob, hash,
// address, port, severity or technique, a duplicate id, an unsupported format.
Result<Pack> ParsePack(std::string_view text, const std::string& origin);
Result<Pack> LoadPackFile(const std::string& path);

// Checks a pack's own fields (id, name, version ...) as ParsePack would, without its
// indicators: for a pack built in memory (an import) whose indicators were made by the same
// normalizers. InvalidArgument naming the field.
Status CheckPackHeader(const Pack& pack);

// Serializes a pack as format-1 TOML that ParsePack reads back to the same pack.
std::string PackToToml(const Pack& pack);

// The packs compiled into otguard (data/ioc/*.toml): MsraMiner.
std::vector<Pack> BuiltinPacks();

// `otguard ioc show`: a pack and its indicators, one line each, for a person; and one
// indicator as a JSON object for a program (pack, pack_version, id, kind, severity, technique,
// technique_name, title).
std::string PackText(const Pack& pack);
nlohmann::json IndicatorSummary(const Pack& pack, const Indicator& indicator);

// The ATT&CK for ICS technique name for an id ("T0849" -> "Masquerading"); "" when unknown.
std::string_view IcsTechniqueName(std::string_view id);

// STIX import (OASIS STIX 2.1, 2021, and 2.0, 2017: the pattern language is the same): every
// `indicator` object with pattern_type "stix" (2.0 objects have none and are STIX patterns)
// becomes indicators of one pack (docs/ioc-packs.md has the mapping table). Supported
// comparisons: file:hashes.MD5 / 'SHA-1' / 'SHA-256' (also SHA1, SHA256), file:name (= and
// LIKE), domain-name:value, ipv4-addr:value, ipv6-addr:value (also CIDR with ISSUBSET),
// url:value (a URL condition: the whole URL, never its host), network-traffic:dst_port,
// network-traffic:dst_ref.value and src_ref.value (the remote end), dst_ref.type and
// src_ref.type (MISP's form; checked against the value, then dropped),
// network-traffic:protocols[*] (tcp, udp), with = or IN, joined by AND within one observation
// and OR anywhere. Each alternative of the top-level OR is expanded into OR-of-AND terms on its
// own (at most 256 terms each, so one exploding alternative is left out alone); each term
// whose comparisons all map becomes one indicator (one-condition alternatives of the same
// condition merge into one). Nothing is ever widened: '=' compares literals, so a domain or
// file name with '*' under '=' is left out, and a URL never becomes its host. Everything
// else (other objects or properties, MATCHES and other operators, NOT, EXISTS, AND and
// FOLLOWEDBY between observations, qualifiers) is reported in `unsupported` with the
// indicator's id and the pattern text left out. Versions: of several objects with one id the
// one with the latest `modified` is current whatever the file order (STIX 2.1, 3.6); the
// others are reported with their pattern; a revoked current version withdraws the indicator
// (reported). Other pattern_types and patterns that do not parse ("syntax error at offset N:
// ...") are reported too. Every indicator object thus yields at least one imported indicator
// or one unsupported entry. Imported indicators have severity high, the technique of an
// ATT&CK for ICS external reference (else ""), the STIX name (or description) as title,
// " [expired <valid_until>]" appended when valid_until has passed, and the
// external_references' URLs. The pack is id "stix", version today's date (UTC).
struct StixImport {
  Pack pack;
  struct Unsupported {
    std::string stix_id;  // "indicator--..."
    std::string part;     // the pattern text left out
    std::string reason;
  };
  std::vector<Unsupported> unsupported;
  size_t indicators_seen = 0;  // indicators in the bundle (ids: versions count once)
};
// The text may be a STIX bundle ({"type": "bundle", "objects": [...]}), a TAXII 2.1 envelope
// ({"objects": [...], "more": ...}) or a bare list of objects. InvalidArgument for text that
// is not JSON ("<origin>: not JSON at byte N: ..."), none of those, an indicator object
// without a valid id, an object larger than 16 MiB, or more indicators than a pack may have.
Result<StixImport> ImportStixBundle(std::string_view json_text, const std::string& origin);
// The same from a file, read as a stream: memory grows with the indicators imported, not
// with the file (real MISP and OpenCTI exports are hundreds of MiB). Errors name the path.
Result<StixImport> ImportStixFile(const std::string& path);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_IOC_H_
