// `otguard allowlist export`: OS-native enforcement generated from an approved allowlist, for
// plants that want blocking without a driver (docs/allowlist-export.md). Each target writes the
// text a native tool loads: AppLocker policy XML, Software Restriction Policies (.reg), Windows
// Firewall and XP firewall netsh scripts, fapolicyd rules, an nftables ruleset.
//
// A target never widens a rule silently: what it cannot express exactly it either widens with a
// comment in the output saying so (and how), or leaves out with a comment. Each target's
// comments and docs/allowlist-export.md list what it loses.
//
// Adding a target `widgets`: one file src/host/allowlist_export/widgets.cc defining, in namespace
// otguard::host::allowlist_export::widgets, `const ExportTarget& Target()`, and its test
// widgets_test.cc beside it. CMake generates the registry from the folder; nothing else changes.
//
// Thread-safety: targets are immutable singletons; Export() is a pure function of its arguments.
#ifndef OTGUARD_HOST_ALLOWLIST_EXPORT_H_
#define OTGUARD_HOST_ALLOWLIST_EXPORT_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {

// What a Windows hash rule needs beyond the allowlist's flat SHA-256 of a file.
struct ExportFileFacts {
  std::string file_name;  // "opc.exe": AppLocker's SourceFileName, SRP's FriendlyName
  uint64_t size = 0;      // bytes: AppLocker's SourceFileLength, SRP's ItemSize
  // AppLocker's SHA256 is the Authenticode hash of the PE image (the file without its checksum
  // field, certificate table entry and signature), not the SHA-256 of the file: lower-case hex,
  // "" when unknown. Without it a hash rule cannot be written for AppLocker.
  std::string authenticode_sha256;
  std::string md5;  // lower-case hex of the whole file (SRP hash rules); "" when unknown
};

struct ExportOptions {
  // Off (the default): monitor only, nothing blocked — AppLocker AuditOnly, SRP and firewall
  // defaults unchanged, fapolicyd's final rule allow_audit, nftables policy accept with a log
  // rule. On: the exported rules are the only ones allowed (AppLocker Enabled, SRP Disallowed,
  // fapolicyd deny_audit, nftables policy drop, Windows firewall blocking outbound).
  bool enforce = false;
  // Windows: Microsoft's default rules that keep Windows itself running (AppLocker: everyone
  // may run %WINDIR% and %PROGRAMFILES%, administrators anything; SRP: the SystemRoot and
  // ProgramFilesDir path rules). AppLocker and SRP refuse `enforce` without them: a policy that
  // blocks Windows stops the station.
  bool windows_defaults = false;
  // Facts about files by their flat SHA-256 (lower-case hex), for hash rules on Windows.
  std::map<std::string, ExportFileFacts> files;
  // AppLocker publisher names by the signer name the allowlist keeps (the certificate subject's
  // common name): "Yokogawa Electric Corporation" -> "O=YOKOGAWA ELECTRIC CORPORATION,
  // L=MUSASHINO-SHI, S=TOKYO, C=JP". Publisher rules are written only for signers found here.
  std::map<std::string, std::string> publishers;
};

class ExportTarget {
 public:
  virtual ~ExportTarget() = default;
  virtual std::string_view name() const = 0;         // "applocker", "nftables", ...
  virtual std::string_view description() const = 0;  // one line for --help
  // Whether Export() uses ExportOptions::files / publishers (the Windows targets): then the
  // caller on the station gathers them with CollectExportFacts first.
  virtual bool uses_file_facts() const { return false; }
  // The whole output file. InvalidArgument naming the rule when a rule's value cannot be
  // written safely in the target's syntax (a quote or a line break in a path, a bad address),
  // or when the options ask for something dangerous (enforce without windows_defaults).
  virtual Result<std::string> Export(const Allowlist& allowlist,
                                     const ExportOptions& options) const = 0;
};

// The facts a Windows export needs, read from this host's files (run on the station the
// allowlist was learned on; read-only, no lock):
// - each hash rule with a path: the file there, when its SHA-256 is one the rule allows, gives
//   its name, size, MD5 and Authenticode SHA-256 (options->files);
// - each publisher+path rule whose signer options->publishers lacks (an operator's --publisher
//   wins): the first file under its folder (at most `max_files_per_folder` looked at) with a
//   trusted signature by that signer gives AppLocker's publisher name (platform/signer.h;
//   Windows only: Linux has no Authenticode verification, the rule stays a path rule there).
// Never fails: what cannot be read or does not match is in report->problems ("p-1a2b3c4d5e6f:
// C:\opc\opc.exe: not found"), and that rule is exported widened, with a comment, as before.
struct ExportFactsReport {
  uint64_t files_hashed = 0;      // files read whole for hash rules
  uint64_t hashes_found = 0;      // hash-rule hashes with their Authenticode digest
  uint64_t publishers_found = 0;  // signers given their publisher name
  std::vector<std::string> problems;
};
void CollectExportFacts(const Allowlist& allowlist, ExportOptions* options,
                        ExportFactsReport* report, size_t max_files_per_folder = 2000);

// Every built-in target, sorted by name (generated from src/host/allowlist_export/).
std::span<const ExportTarget* const> ExportTargets();
// The target called `name`; InvalidArgument listing the known names when there is none.
Result<const ExportTarget*> FindExportTarget(std::string_view name);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_ALLOWLIST_EXPORT_H_
