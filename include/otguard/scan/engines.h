// The detection engines a scan runs: compiled signature databases and YARA rules. Loaded once,
// immutable, shared by all scanning threads.
#ifndef OTGUARD_SCAN_ENGINES_H_
#define OTGUARD_SCAN_ENGINES_H_

#include <memory>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/sigdb/database.h"

namespace otguard::scan {

class YaraRules;  // compiled YARA rules (src/scan/yara_engine.h)

struct Engines {
  std::vector<std::shared_ptr<const sigdb::Database>> databases;
  std::shared_ptr<const YaraRules> yara;  // null when no rules were given
};

struct EngineOptions {
  // Each entry is a compiled database (.ogdb), a ClamAV source file (.hdb .hsb .ndb .fp .sfp)
  // or a directory of them. Source files are compiled together into one database. Empty:
  // the bundled signatures in `bundled_dir` (when it exists).
  std::vector<std::string> databases;
  std::string bundled_dir;
  std::vector<std::string> yara_files;
  bool include_builtin = true;  // the built-in EICAR test signature
  bool strict = false;          // a skipped signature line fails loading
};

// Loads the engines. Diagnostics for skipped signature lines are appended to *diagnostics
// (may be null). InvalidArgument for a YARA file that does not compile ("file:line: message"
// for each error), NotFound for a missing path, what sigdb returns for a bad database.
Result<Engines> LoadEngines(const EngineOptions& options,
                            std::vector<sigdb::Diagnostic>* diagnostics);

// The directory with the bundled ClamAV-format signatures: $OTGUARD_DATA_DIR/sigs, else
// <exe>/../share/otguard/sigs, else the source tree's data/sigs; empty when none exists.
std::string FindBundledSignatureDir();

}  // namespace otguard::scan

#endif  // OTGUARD_SCAN_ENGINES_H_
