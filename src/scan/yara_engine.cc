#include "scan/yara_engine.h"

#include <yara.h>

#include <cstdio>
#include <mutex>
#include <utility>

#include "otguard/base/log.h"

namespace otguard::scan {
namespace {

std::mutex g_library_mutex;
std::weak_ptr<YaraLibrary> g_library;

struct CompilerDeleter {
  void operator()(YR_COMPILER* c) const { yr_compiler_destroy(c); }
};
using CompilerPtr = std::unique_ptr<YR_COMPILER, CompilerDeleter>;

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

// Collects compiler errors as "file:line: message".
struct CompileErrors {
  std::string current_name;
  std::vector<std::string> messages;
};

void OnCompilerMessage(int error_level, const char* file_name, int line_number, const YR_RULE* rule,
                       const char* message, void* user_data) {
  auto* errors = static_cast<CompileErrors*>(user_data);
  std::string where = file_name != nullptr ? file_name : errors->current_name;
  std::string text = where + ":" + std::to_string(line_number) + ": " + message;
  if (error_level == YARA_ERROR_LEVEL_ERROR) {
    errors->messages.push_back(std::move(text));
  } else {
    OTGUARD_LOG_DEBUG("yara warning: {}", text);
  }
}

Status ErrorsToStatus(const CompileErrors& errors) {
  std::string all = "YARA rules do not compile: ";
  for (size_t i = 0; i < errors.messages.size(); ++i) {
    if (i > 0) all += "; ";
    all += errors.messages[i];
  }
  return InvalidArgument(std::move(all));
}

// Creates a compiler with the error collector attached.
Result<CompilerPtr> NewCompiler(CompileErrors* errors) {
  YR_COMPILER* raw = nullptr;
  if (yr_compiler_create(&raw) != ERROR_SUCCESS) {
    return Unexpected(ResourceExhausted("yr_compiler_create failed"));
  }
  CompilerPtr compiler(raw);
  yr_compiler_set_callback(compiler.get(), OnCompilerMessage, errors);
  return compiler;
}

}  // namespace

Result<std::shared_ptr<YaraLibrary>> YaraLibrary::Acquire() {
  std::lock_guard<std::mutex> lock(g_library_mutex);
  if (auto existing = g_library.lock()) return existing;
  if (yr_initialize() != ERROR_SUCCESS) return Unexpected(Internal("yr_initialize failed"));
  std::shared_ptr<YaraLibrary> library(new YaraLibrary());
  g_library = library;
  return library;
}

YaraLibrary::~YaraLibrary() {
  std::lock_guard<std::mutex> lock(g_library_mutex);
  yr_finalize();
}

YaraRules::~YaraRules() {
  if (rules_ != nullptr) yr_rules_destroy(rules_);
}

Result<std::shared_ptr<const YaraRules>> YaraRules::FromCompiler(
    std::shared_ptr<YaraLibrary> library, YR_COMPILER* compiler) {
  YR_RULES* rules = nullptr;
  if (yr_compiler_get_rules(compiler, &rules) != ERROR_SUCCESS) {
    return Unexpected(ResourceExhausted("yr_compiler_get_rules failed"));
  }
  return std::shared_ptr<const YaraRules>(new YaraRules(std::move(library), rules));
}

Result<std::shared_ptr<const YaraRules>> YaraRules::CompileFiles(
    std::span<const std::string> paths) {
  OTGUARD_ASSIGN_OR_RETURN(auto library, YaraLibrary::Acquire());
  CompileErrors errors;
  OTGUARD_ASSIGN_OR_RETURN(CompilerPtr compiler, NewCompiler(&errors));
  for (const std::string& path : paths) {
    std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) return Unexpected(ErrnoToStatus(errno, "open YARA rules " + path));
    errors.current_name = path;
    // A compiler that reported errors cannot take more input: stop at the first bad file.
    if (yr_compiler_add_file(compiler.get(), file.get(), path.c_str(), path.c_str()) != 0) {
      return Unexpected(ErrorsToStatus(errors));
    }
  }
  return FromCompiler(std::move(library), compiler.get());
}

Result<std::shared_ptr<const YaraRules>> YaraRules::CompileText(
    std::span<const YaraSource> sources) {
  OTGUARD_ASSIGN_OR_RETURN(auto library, YaraLibrary::Acquire());
  CompileErrors errors;
  OTGUARD_ASSIGN_OR_RETURN(CompilerPtr compiler, NewCompiler(&errors));
  for (const YaraSource& source : sources) {
    errors.current_name = source.name;
    if (yr_compiler_add_string(compiler.get(), source.text.c_str(), source.name.c_str()) != 0) {
      return Unexpected(ErrorsToStatus(errors));
    }
  }
  return FromCompiler(std::move(library), compiler.get());
}

// ---- YaraScanner ----

Result<YaraScanner> YaraScanner::Create(std::shared_ptr<const YaraRules> rules) {
  if (!rules) return Unexpected(InvalidArgument("no YARA rules"));
  YR_SCANNER* scanner = nullptr;
  if (yr_scanner_create(rules->get(), &scanner) != ERROR_SUCCESS) {
    return Unexpected(ResourceExhausted("yr_scanner_create failed"));
  }
  return YaraScanner(std::move(rules), scanner);
}

YaraScanner::YaraScanner(YaraScanner&& other) noexcept
    : rules_(std::move(other.rules_)), scanner_(std::exchange(other.scanner_, nullptr)) {}

YaraScanner& YaraScanner::operator=(YaraScanner&& other) noexcept {
  if (this != &other) {
    if (scanner_ != nullptr) yr_scanner_destroy(scanner_);
    scanner_ = std::exchange(other.scanner_, nullptr);
    rules_ = std::move(other.rules_);
  }
  return *this;
}

YaraScanner::~YaraScanner() {
  if (scanner_ != nullptr) yr_scanner_destroy(scanner_);
}

namespace {
struct ScanState {
  bool all_matches;
  std::vector<YaraMatch>* out;
};

int OnScanMessage(YR_SCAN_CONTEXT* context, int message, void* message_data, void* user_data) {
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  auto* state = static_cast<ScanState*>(user_data);
  const auto* rule = static_cast<const YR_RULE*>(message_data);
  state->out->push_back(YaraMatch{rule->identifier, rule->ns->name});
  return state->all_matches ? CALLBACK_CONTINUE : CALLBACK_ABORT;
}
}  // namespace

Status YaraScanner::Scan(ByteSpan data, bool all_matches, std::vector<YaraMatch>* out) {
  ScanState state{all_matches, out};
  yr_scanner_set_callback(scanner_, OnScanMessage, &state);
  yr_scanner_set_flags(scanner_, all_matches ? 0 : SCAN_FLAGS_FAST_MODE);
  int rc = yr_scanner_scan_mem(scanner_, data.data(), data.size());
  yr_scanner_set_callback(scanner_, nullptr, nullptr);
  if (rc == ERROR_SUCCESS || rc == ERROR_CALLBACK_ERROR) return Status::Ok();
  if (rc == ERROR_SCAN_TIMEOUT) return Aborted("YARA scan timed out");
  if (rc == ERROR_TOO_MANY_MATCHES) return ResourceExhausted("YARA: too many string matches");
  return Internal("YARA scan failed with error " + std::to_string(rc));
}

}  // namespace otguard::scan
