// `otguard scan PATH...` and `otguard quarantine list|restore`: option parsing only; the work
// is in src/scan.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/otguard/commands.h"
#include "otguard/base/bytes.h"
#include "otguard/base/event.h"
#include "otguard/platform/process.h"
#include "otguard/scan/quarantine.h"
#include "otguard/scan/scan_run.h"

namespace otguard::cli {
namespace {

constexpr int kExitError = 2;

struct ScanArgs {
  std::vector<std::string> paths;
  std::vector<std::string> databases;
  std::vector<std::string> yara;
  std::vector<std::string> yara_defines;
  bool no_builtin = false;
  bool all_matches = false;
  bool json = false;
  unsigned threads = 1;
  double max_cpu = 0;
  bool low_priority = false;
  std::string max_filesize = "100M";
  std::vector<std::string> exclude;
  bool one_file_system = false;
  bool follow_symlinks = false;
  std::string quarantine;
  bool strict = false;
  bool quiet = false;
};

// "100M", "2G", "512K", "4096" (bytes); binary units as clamscan reads them. nullopt on
// anything else, including a size that does not fit in 64 bits.
std::optional<uint64_t> ParseSize(const std::string& text) {
  size_t digits = text.find_first_not_of("0123456789");
  if (digits == std::string::npos) digits = text.size();
  auto value = ParseDecimal(std::string_view(text).substr(0, digits));
  if (!value) return std::nullopt;
  std::string_view unit = std::string_view(text).substr(digits);
  int shift = 0;
  if (unit == "k" || unit == "K") {
    shift = 10;
  } else if (unit == "m" || unit == "M") {
    shift = 20;
  } else if (unit == "g" || unit == "G") {
    shift = 30;
  } else if (!unit.empty()) {
    return std::nullopt;
  }
  if (*value > (UINT64_MAX >> shift)) return std::nullopt;
  return *value << shift;
}

void Error(const std::string& message) { PrintCommandError("scan", message); }

void QuarantineError(const std::string& message) { PrintCommandError("quarantine", message); }

int RunScan(const ScanArgs& args) {
  auto max_filesize = ParseSize(args.max_filesize);
  if (!max_filesize) {
    Error("--max-filesize: '" + args.max_filesize + "' is not a size like 100M");
    return kExitError;
  }
  scan::ScanRequest request;
  request.paths = args.paths;
  request.engines.databases = args.databases;
  if (args.databases.empty()) request.engines.bundled_dir = scan::FindBundledSignatureDir();
  request.engines.yara_files = args.yara;
  request.engines.yara_defines = args.yara_defines;
  request.engines.include_builtin = !args.no_builtin;
  request.engines.strict = args.strict;
  request.on_diagnostic = [&](const sigdb::Diagnostic& d) {
    std::fprintf(stderr, "%s: %s: %s\n", args.strict ? "ERROR" : "WARNING", d.location.c_str(),
                 d.message.c_str());
  };
  request.quarantine_dir = args.quarantine;
  request.scan.threads = args.threads;
  request.scan.max_filesize = *max_filesize;
  request.scan.exclude = args.exclude;
  request.scan.one_file_system = args.one_file_system;
  request.scan.follow_symlinks = args.follow_symlinks;
  request.scan.all_matches = args.all_matches;
  request.scan.max_cpu_percent = args.max_cpu;
  request.scan.low_priority = args.low_priority;
  request.output.json = args.json;
  request.output.quiet = args.quiet;
  // A progress line only for a person at a terminal; it goes to stderr so results stay clean.
  request.output.progress =
      !args.json && platform::StdoutIsTerminal() && platform::StderrIsTerminal();
  request.output.host = platform::HostName();
  auto summary = scan::RunScan(request);
  if (!summary) {
    Error(summary.error().ToString());
    return kExitError;
  }
  return scan::ExitCodeFor(*summary);
}

void RegisterScan(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ScanArgs>();
  CLI::App* cmd = app.add_subcommand(
      "scan", "Scan files and directories with signatures and YARA rules (never modifies them)");
  cmd->add_option("paths", args->paths, "Files or directories to scan")->required();
  cmd->add_option("--db", args->databases,
                  "Signature database: .ogdb, ClamAV .hdb/.hsb/.ndb/.fp/.sfp, or a directory "
                  "(repeatable; default: the bundled signatures)")
      ->allow_extra_args(false);
  cmd->add_option("--yara", args->yara,
                  "YARA rules: a source or yarac-compiled file, or a directory of *.yar/*.yara "
                  "(recursive); repeatable. docs/yara.md")
      ->allow_extra_args(false);
  cmd->add_option("--yara-define", args->yara_defines,
                  "NAME=VALUE for a YARA external variable, typed as yara -d (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--no-builtin", args->no_builtin, "Leave out the built-in EICAR test signature");
  cmd->add_flag("--all-matches", args->all_matches, "Report every match, not the first per file");
  cmd->add_flag("--json", args->json, "One JSON event per line (docs/event-schema.md)");
  cmd->add_option("--threads", args->threads, "Worker threads")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  cmd->add_option("--max-cpu", args->max_cpu,
                  "CPU budget in percent of the whole machine (100 = all CPUs; 0 = no limit)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_flag("--low-priority", args->low_priority, "Lowest CPU priority and idle I/O class");
  cmd->add_option("--max-filesize", args->max_filesize, "Skip larger files (bytes, or with K/M/G)")
      ->capture_default_str();
  cmd->add_option("--exclude", args->exclude, "Skip paths matching this glob (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--one-file-system", args->one_file_system, "Stay on the roots' file systems");
  cmd->add_flag("--follow-symlinks", args->follow_symlinks, "Follow symbolic links");
  cmd->add_option("--quarantine", args->quarantine,
                  "Move detected files into this quarantine directory (opt-in)");
  cmd->add_flag("--strict", args->strict,
                "Malformed signature lines and YARA files that do not compile are errors");
  cmd->add_flag("--quiet", args->quiet, "Only detections and errors");
  cmd->callback([args, exit_code] { *exit_code = RunScan(*args); });
}

int RunQuarantineList(const std::string& dir, bool json) {
  auto store = scan::QuarantineStore::Open(dir, /*create=*/false);
  if (!store) {
    QuarantineError(store.error().ToString());
    return kExitError;
  }
  std::vector<std::string> problems;
  auto records = (*store)->List(&problems);
  if (!records) {
    QuarantineError(records.error().ToString());
    return kExitError;
  }
  JsonLinesWriter out(stdout);
  for (const auto& r : *records) {
    if (json) {
      if (Status s = out.Write(scan::QuarantineEntryRecord(r, EventTime::Now())); !s.ok()) {
        QuarantineError(s.ToString());
        return kExitError;
      }
    } else {
      std::string line = scan::QuarantineEntryText(r);
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
  }
  for (const auto& p : problems) QuarantineError(p);
  return problems.empty() ? 0 : kExitError;
}

int RunQuarantineRestore(const std::string& dir, const std::string& id, const std::string& to) {
  auto store = scan::QuarantineStore::Open(dir, /*create=*/false);
  if (!store) {
    QuarantineError(store.error().ToString());
    return kExitError;
  }
  std::optional<std::string> target;
  if (!to.empty()) target = to;
  auto record = (*store)->Restore(id, target);
  if (!record) {
    QuarantineError(record.error().ToString());
    return kExitError;
  }
  std::printf("%s: restored to %s\n", id.c_str(), target.value_or(record->original_path).c_str());
  return 0;
}

void RegisterQuarantine(CLI::App& app, int* exit_code) {
  struct Args {
    std::string dir = scan::QuarantineStore::DefaultDir();
    bool json = false;
    std::string id;
    std::string to;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("quarantine", "List or restore quarantined files");
  cmd->require_subcommand(1);
  CLI::App* list = cmd->add_subcommand("list", "List quarantined files");
  list->add_option("--dir", args->dir, "Quarantine directory")->capture_default_str();
  list->add_flag("--json", args->json, "One JSON object per entry");
  list->callback([args, exit_code] { *exit_code = RunQuarantineList(args->dir, args->json); });
  CLI::App* restore = cmd->add_subcommand("restore", "Put a quarantined file back, byte-identical");
  restore->add_option("id", args->id, "Quarantine id (see `quarantine list`)")->required();
  restore->add_option("--dir", args->dir, "Quarantine directory")->capture_default_str();
  restore->add_option("--to", args->to, "Restore here instead of the original path");
  restore->callback(
      [args, exit_code] { *exit_code = RunQuarantineRestore(args->dir, args->id, args->to); });
}

}  // namespace

void RegisterScanCommands(CLI::App& app, int* exit_code) {
  RegisterScan(app, exit_code);
  RegisterQuarantine(app, exit_code);
}

}  // namespace otguard::cli
