// The detection engines a scan runs: compiled signature databases and YARA rules. Loaded once,
// immutable, shared by all scanning threads.
#ifndef OTGUARD_SCAN_ENGINES_H_
#define OTGUARD_SCAN_ENGINES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/sigdb/database.h"

namespace otguard::scan {

class YaraRules;  // compiled YARA rules (src/scan/yara_engine.h)

struct Engines {
  std::vector<std::shared_ptr<const sigdb::Database>> databases;
  // The YARA rule sets, each scanned in turn: all source files compiled together, then each
  // file compiled by yarac (libyara cannot merge those). Empty when no rules were given.
  std::vector<std::shared_ptr<const YaraRules>> yara;
  uint64_t yara_files_rejected = 0;  // rule files left out because they do not compile
};

struct EngineOptions {
  // Each entry is a compiled database (.ogdb), a ClamAV source file (.hdb .hsb .ndb .fp .sfp)
  // or a directory of them. Source files are compiled together into one database. Empty:
  // the bundled signatures in `bundled_dir` (when it exists).
  std::vector<std::string> databases;
  std::string bundled_dir;
  // Each entry is a YARA rules file, source or compiled by `yarac` (told by its magic, not
  // its name), or a directory: its *.yar and *.yara files (source or compiled) and *.yarc
  // files, recursively, in sorted order. docs/yara.md.
  std::vector<std::string> yara_files;
  // --yara-define NAME=VALUE constants for the rules' other external variables.
  std::vector<std::string> yara_defines;
  bool include_builtin = true;  // the built-in EICAR test signature
  // A skipped signature line, or a YARA file that does not compile, fails loading. Without it
  // such a YARA file is left out and reported (a Diagnostic per message), the others load.
  bool strict = false;
};

// Loads the engines. Diagnostics for skipped signature lines and for the messages of YARA
// files left out are appended to *diagnostics (may be null). InvalidArgument for a bad
// --yara-define, for YARA files that do not compile when `strict` (every file's messages,
// "file:line: message") or when none compiles, for a directory without rule files, and for
// a bad compiled file; NotFound for a missing path; Unimplemented for YARA options in a build
// without libyara; what sigdb returns for a bad database.
Result<Engines> LoadEngines(const EngineOptions& options,
                            std::vector<sigdb::Diagnostic>* diagnostics);

// The directory with the bundled ClamAV-format signatures: $OTGUARD_DATA_DIR/sigs, else
// <exe>/../share/otguard/sigs, else the source tree's data/sigs; empty when none exists.
std::string FindBundledSignatureDir();

}  // namespace otguard::scan

#endif  // OTGUARD_SCAN_ENGINES_H_
