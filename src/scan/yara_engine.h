// Move-only RAII wrappers for libyara: the library itself (yr_initialize/yr_finalize once per
// process), compiled rules (YR_RULES, immutable and shared) and per-thread scanners. Rules
// from source files declare the per-file externals of LOKI and THOR (yara_externals.h), which
// the scanner sets before each file.
#ifndef OTGUARD_SRC_SCAN_YARA_ENGINE_H_
#define OTGUARD_SRC_SCAN_YARA_ENGINE_H_

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "otguard/base/bytes.h"
#include "otguard/base/status.h"
#include "otguard/scan/yara.h"
#include "otguard/sigdb/database.h"
#include "scan/yara_externals.h"

struct _YR_COMPILER;  // libyara spells YR_COMPILER this way
struct YR_RULES;
struct YR_SCAN_CONTEXT;

namespace otguard::scan {

// Holds libyara initialized while any instance lives; the first creates, the last finalizes.
class YaraLibrary {
 public:
  static Result<std::shared_ptr<YaraLibrary>> Acquire();
  ~YaraLibrary();
  YaraLibrary(const YaraLibrary&) = delete;
  YaraLibrary& operator=(const YaraLibrary&) = delete;

 private:
  YaraLibrary() = default;
};

struct YaraMatch {
  std::string rule;
  std::string source;  // the rules file the rule came from
};

// A rule file left out of a rule set: every message the compiler gave for it, located
// "file:line" (the file alone when it could not be opened).
struct YaraRejectedFile {
  std::string path;
  std::vector<sigdb::Diagnostic> messages;
};

// False in a build without libyara (the Windows build): every function below is Unimplemented.
bool YaraAvailable();

// True for the start of a file written by `yarac` (yr_rules_save): the magic "YARA".
bool IsCompiledYaraRules(ByteSpan head);

// Compiled rules: immutable, shared by any number of YaraScanners on any threads.
class YaraRules {
 public:
  // Compiles the source files into one rule set; every file gets its own namespace (its path),
  // so equal rule names in two files do not clash. The per-file externals are declared (value
  // "" until a scan sets them) and `defines` are declared with their values.
  // A file that does not compile (or cannot be read) is left out and appended to *rejected
  // with all its messages; the others are compiled together. To find every bad file in one
  // run each file is compiled on its own, but only after compiling all at once failed: a
  // good rule set costs one compilation. InvalidArgument when no file compiles (listing the
  // messages of all).
  static Result<std::shared_ptr<const YaraRules>> CompileFiles(
      std::span<const std::string> paths, std::span<const YaraDefine> defines,
      std::vector<YaraRejectedFile>* rejected);
  // Rules saved by `yarac`. libyara cannot merge them with others, so each compiled file is a
  // rule set of its own; its matches name `path` as their source. `defines` are set on its
  // scanners where the file declared them (yarac -d). InvalidArgument for a file that is not
  // compiled rules or was compiled by another libyara version; NotFound/IoError to read it.
  static Result<std::shared_ptr<const YaraRules>> LoadCompiled(const std::string& path,
                                                               std::span<const YaraDefine> defines);
  static Result<std::shared_ptr<const YaraRules>> CompileText(std::span<const YaraSource> sources);
  ~YaraRules();
  YaraRules(const YaraRules&) = delete;
  YaraRules& operator=(const YaraRules&) = delete;

  YR_RULES* get() const { return rules_; }
  // The compiled file's path for LoadCompiled rules; "" for rules compiled here.
  const std::string& compiled_path() const { return compiled_path_; }
  // Constants a scanner sets at creation (LoadCompiled rules only).
  const std::vector<YaraDefine>& scanner_defines() const { return scanner_defines_; }

 private:
  static Result<std::shared_ptr<const YaraRules>> FromCompiler(std::shared_ptr<YaraLibrary> library,
                                                               _YR_COMPILER* compiler);
  YaraRules(std::shared_ptr<YaraLibrary> library, YR_RULES* rules)
      : library_(std::move(library)), rules_(rules) {}
  std::shared_ptr<YaraLibrary> library_;  // declared first: destroyed after rules_
  YR_RULES* rules_ = nullptr;
  std::string compiled_path_;
  std::vector<YaraDefine> scanner_defines_;
};

// A scanner for one thread at a time. Cheap to create; keeps the rules alive.
class YaraScanner {
 public:
  static Result<YaraScanner> Create(std::shared_ptr<const YaraRules> rules);
  YaraScanner(YaraScanner&& other) noexcept;
  YaraScanner& operator=(YaraScanner&& other) noexcept;
  YaraScanner(const YaraScanner&) = delete;
  YaraScanner& operator=(const YaraScanner&) = delete;
  ~YaraScanner();

  // Appends the rules that match `data`; with all_matches=false stops at the first. `facts`
  // (may be null: externals keep their last values) sets the per-file externals first.
  // A scan error (timeout, too many matches) is returned after the matches found until then.
  Status Scan(ByteSpan data, bool all_matches, const YaraFileFacts* facts,
              std::vector<YaraMatch>* out);
  Status Scan(ByteSpan data, bool all_matches, std::vector<YaraMatch>* out) {
    return Scan(data, all_matches, nullptr, out);
  }

 private:
  YaraScanner(std::shared_ptr<const YaraRules> rules, YR_SCAN_CONTEXT* scanner)
      : rules_(std::move(rules)), scanner_(scanner) {}
  std::shared_ptr<const YaraRules> rules_;
  YR_SCAN_CONTEXT* scanner_ = nullptr;
};

}  // namespace otguard::scan

#endif  // OTGUARD_SRC_SCAN_YARA_ENGINE_H_
