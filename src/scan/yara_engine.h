// Move-only RAII wrappers for libyara: the library itself (yr_initialize/yr_finalize once per
// process), compiled rules (YR_RULES, immutable and shared) and per-thread scanners.
#ifndef OTGUARD_SRC_SCAN_YARA_ENGINE_H_
#define OTGUARD_SRC_SCAN_YARA_ENGINE_H_

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "otguard/base/bytes.h"
#include "otguard/base/status.h"
#include "otguard/scan/yara.h"

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

// Compiled rules: immutable, shared by any number of YaraScanners on any threads.
class YaraRules {
 public:
  // Compiles the files; every rule file gets its own namespace (its path), so equal rule names
  // in two files do not clash. InvalidArgument listing "file:line: message" per error.
  static Result<std::shared_ptr<const YaraRules>> CompileFiles(std::span<const std::string> paths);
  static Result<std::shared_ptr<const YaraRules>> CompileText(std::span<const YaraSource> sources);
  ~YaraRules();
  YaraRules(const YaraRules&) = delete;
  YaraRules& operator=(const YaraRules&) = delete;

  YR_RULES* get() const { return rules_; }

 private:
  static Result<std::shared_ptr<const YaraRules>> FromCompiler(std::shared_ptr<YaraLibrary> library,
                                                               _YR_COMPILER* compiler);
  YaraRules(std::shared_ptr<YaraLibrary> library, YR_RULES* rules)
      : library_(std::move(library)), rules_(rules) {}
  std::shared_ptr<YaraLibrary> library_;  // declared first: destroyed after rules_
  YR_RULES* rules_ = nullptr;
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

  // Appends the rules that match `data`; with all_matches=false stops at the first.
  // A scan error (timeout, too many matches) is returned after the matches found until then.
  Status Scan(ByteSpan data, bool all_matches, std::vector<YaraMatch>* out);

 private:
  YaraScanner(std::shared_ptr<const YaraRules> rules, YR_SCAN_CONTEXT* scanner)
      : rules_(std::move(rules)), scanner_(scanner) {}
  std::shared_ptr<const YaraRules> rules_;
  YR_SCAN_CONTEXT* scanner_ = nullptr;
};

}  // namespace otguard::scan

#endif  // OTGUARD_SRC_SCAN_YARA_ENGINE_H_
