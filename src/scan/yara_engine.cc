#include "scan/yara_engine.h"

#include <yara.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <string_view>
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
  std::vector<sigdb::Diagnostic> messages;  // location "file:line"
};

// libyara's words for a rule that uses an external nobody declared.
constexpr std::string_view kUndefinedIdentifier = "undefined identifier";

void OnCompilerMessage(int error_level, const char* file_name, int line_number, const YR_RULE* rule,
                       const char* message, void* user_data) {
  auto* errors = static_cast<CompileErrors*>(user_data);
  std::string where = file_name != nullptr ? file_name : errors->current_name;
  std::string location = where + ":" + std::to_string(line_number);
  std::string text = message;
  if (error_level == YARA_ERROR_LEVEL_ERROR) {
    // Community rule sets use externals beyond the five set per file (LOKI's `md5`, THOR's
    // own); the operator can give those as constants.
    if (std::string_view(message).find(kUndefinedIdentifier) != std::string_view::npos) {
      text += " (if it is an external variable, give it with --yara-define NAME=VALUE)";
    }
    errors->messages.push_back(sigdb::Diagnostic{std::move(location), std::move(text)});
  } else {
    OTGUARD_LOG_DEBUG("yara warning: {}: {}", location, text);
  }
}

std::string JoinMessages(const std::vector<sigdb::Diagnostic>& messages) {
  std::string all;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) all += "; ";
    all += messages[i].location + ": " + messages[i].message;
  }
  return all;
}

Status ErrorsToStatus(const CompileErrors& errors) {
  return InvalidArgument("YARA rules do not compile: " + JoinMessages(errors.messages));
}

// The externals every rule file may use: the per-file ones (empty until a scan sets them) and
// the operator's constants.
int DefineExternals(YR_COMPILER* compiler, std::span<const YaraDefine> defines) {
  for (std::string_view name : kYaraFileExternals) {
    int rc = yr_compiler_define_string_variable(compiler, std::string(name).c_str(), "");
    if (rc != ERROR_SUCCESS) return rc;
  }
  for (const YaraDefine& d : defines) {
    int rc = ERROR_SUCCESS;
    switch (d.type) {
      case YaraDefine::Type::kBoolean:
        rc = yr_compiler_define_boolean_variable(compiler, d.name.c_str(), d.boolean ? 1 : 0);
        break;
      case YaraDefine::Type::kInteger:
        rc = yr_compiler_define_integer_variable(compiler, d.name.c_str(), d.integer);
        break;
      case YaraDefine::Type::kFloat:
        rc = yr_compiler_define_float_variable(compiler, d.name.c_str(), d.real);
        break;
      case YaraDefine::Type::kString:
        rc = yr_compiler_define_string_variable(compiler, d.name.c_str(), d.text.c_str());
        break;
    }
    if (rc != ERROR_SUCCESS) return rc;
  }
  return ERROR_SUCCESS;
}

// Creates a compiler with the error collector attached and the externals declared.
Result<CompilerPtr> NewCompiler(CompileErrors* errors) {
  YR_COMPILER* raw = nullptr;
  if (yr_compiler_create(&raw) != ERROR_SUCCESS) {
    return Unexpected(ResourceExhausted("yr_compiler_create failed"));
  }
  CompilerPtr compiler(raw);
  yr_compiler_set_callback(compiler.get(), OnCompilerMessage, errors);
  return compiler;
}

Result<CompilerPtr> NewFileCompiler(CompileErrors* errors, std::span<const YaraDefine> defines) {
  OTGUARD_ASSIGN_OR_RETURN(CompilerPtr compiler, NewCompiler(errors));
  if (DefineExternals(compiler.get(), defines) != ERROR_SUCCESS) {
    return Unexpected(ResourceExhausted("declaring YARA external variables failed"));
  }
  return compiler;
}

// Adds the files to `compiler`; false at the first file that does not compile or open (a
// compiler that reported errors takes no more input), its messages in *errors.
bool AddFiles(YR_COMPILER* compiler, std::span<const std::string> paths, CompileErrors* errors) {
  for (const std::string& path : paths) {
    std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) {
      errors->messages.push_back(
          sigdb::Diagnostic{path, ErrnoToStatus(errno, "cannot open").ToString()});
      return false;
    }
    errors->current_name = path;
    if (yr_compiler_add_file(compiler, file.get(), path.c_str(), path.c_str()) != 0) return false;
  }
  return true;
}

// Compiles one file on a compiler of its own; its messages when it does not compile.
Result<std::vector<sigdb::Diagnostic>> CheckFile(const std::string& path,
                                                 std::span<const YaraDefine> defines) {
  CompileErrors errors;
  OTGUARD_ASSIGN_OR_RETURN(CompilerPtr compiler, NewFileCompiler(&errors, defines));
  AddFiles(compiler.get(), std::span(&path, 1), &errors);
  return errors.messages;
}

}  // namespace

bool YaraAvailable() { return true; }

bool IsCompiledYaraRules(ByteSpan head) {
  return head.size() >= 4 && head[0] == 'Y' && head[1] == 'A' && head[2] == 'R' && head[3] == 'A';
}

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
    std::span<const std::string> paths, std::span<const YaraDefine> defines,
    std::vector<YaraRejectedFile>* rejected) {
  OTGUARD_ASSIGN_OR_RETURN(auto library, YaraLibrary::Acquire());
  {
    CompileErrors errors;
    OTGUARD_ASSIGN_OR_RETURN(CompilerPtr compiler, NewFileCompiler(&errors, defines));
    if (AddFiles(compiler.get(), paths, &errors)) {
      return FromCompiler(std::move(library), compiler.get());
    }
  }
  std::vector<std::string> good;
  std::vector<sigdb::Diagnostic> all_messages;
  for (const std::string& path : paths) {
    OTGUARD_ASSIGN_OR_RETURN(std::vector<sigdb::Diagnostic> messages, CheckFile(path, defines));
    if (messages.empty()) {
      good.push_back(path);
      continue;
    }
    all_messages.insert(all_messages.end(), messages.begin(), messages.end());
    if (rejected != nullptr) rejected->push_back(YaraRejectedFile{path, std::move(messages)});
  }
  if (good.empty()) {
    return Unexpected(InvalidArgument("no YARA rule file compiles: " + JoinMessages(all_messages)));
  }
  CompileErrors errors;
  OTGUARD_ASSIGN_OR_RETURN(CompilerPtr compiler, NewFileCompiler(&errors, defines));
  // Files that compile alone but not together (a limit of libyara reached): nothing to leave out.
  if (!AddFiles(compiler.get(), good, &errors)) return Unexpected(ErrorsToStatus(errors));
  return FromCompiler(std::move(library), compiler.get());
}

Result<std::shared_ptr<const YaraRules>> YaraRules::LoadCompiled(
    const std::string& path, std::span<const YaraDefine> defines) {
  OTGUARD_ASSIGN_OR_RETURN(auto library, YaraLibrary::Acquire());
  YR_RULES* raw = nullptr;
  int rc = yr_rules_load(path.c_str(), &raw);
  if (rc == ERROR_COULD_NOT_OPEN_FILE) {
    return Unexpected(ErrnoToStatus(errno, "open compiled YARA rules " + path));
  }
  if (rc == ERROR_UNSUPPORTED_FILE_VERSION) {
    return Unexpected(InvalidArgument(path + ": compiled by another YARA version than " +
                                      YR_VERSION + "; compile it again with this yarac"));
  }
  if (rc != ERROR_SUCCESS) {
    return Unexpected(
        InvalidArgument(path + ": not compiled YARA rules (error " + std::to_string(rc) + ")"));
  }
  auto rules = std::shared_ptr<YaraRules>(new YaraRules(std::move(library), raw));
  rules->compiled_path_ = path;
  rules->scanner_defines_.assign(defines.begin(), defines.end());
  return std::shared_ptr<const YaraRules>(std::move(rules));
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

namespace {
void DefineOnScanner(YR_SCANNER* scanner, const YaraDefine& d) {
  switch (d.type) {
    case YaraDefine::Type::kBoolean:
      yr_scanner_define_boolean_variable(scanner, d.name.c_str(), d.boolean ? 1 : 0);
      break;
    case YaraDefine::Type::kInteger:
      yr_scanner_define_integer_variable(scanner, d.name.c_str(), d.integer);
      break;
    case YaraDefine::Type::kFloat:
      yr_scanner_define_float_variable(scanner, d.name.c_str(), d.real);
      break;
    case YaraDefine::Type::kString:
      yr_scanner_define_string_variable(scanner, d.name.c_str(), d.text.c_str());
      break;
  }
}

// Sets the per-file externals; those a compiled rule set did not declare are refused by
// libyara and ignored here.
void SetFileFacts(YR_SCANNER* scanner, const YaraFileFacts& facts) {
  yr_scanner_define_string_variable(scanner, "filename", facts.filename.c_str());
  yr_scanner_define_string_variable(scanner, "filepath", facts.filepath.c_str());
  yr_scanner_define_string_variable(scanner, "extension", facts.extension.c_str());
  yr_scanner_define_string_variable(scanner, "filetype", facts.filetype.c_str());
  yr_scanner_define_string_variable(scanner, "owner", facts.owner.c_str());
}
}  // namespace

Result<YaraScanner> YaraScanner::Create(std::shared_ptr<const YaraRules> rules) {
  if (!rules) return Unexpected(InvalidArgument("no YARA rules"));
  YR_SCANNER* scanner = nullptr;
  if (yr_scanner_create(rules->get(), &scanner) != ERROR_SUCCESS) {
    return Unexpected(ResourceExhausted("yr_scanner_create failed"));
  }
  // A compiled file declared its externals when yarac built it; one it did not declare is
  // refused by libyara (ERROR_INVALID_ARGUMENT) and, unused by its rules, needs no value.
  for (const YaraDefine& d : rules->scanner_defines()) DefineOnScanner(scanner, d);
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
  const std::string* compiled_path;  // non-empty: the source of every match
  std::vector<YaraMatch>* out;
};

int OnScanMessage(YR_SCAN_CONTEXT* context, int message, void* message_data, void* user_data) {
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  auto* state = static_cast<ScanState*>(user_data);
  const auto* rule = static_cast<const YR_RULE*>(message_data);
  const std::string& source =
      state->compiled_path->empty() ? rule->ns->name : *state->compiled_path;
  state->out->push_back(YaraMatch{rule->identifier, source});
  return state->all_matches ? CALLBACK_CONTINUE : CALLBACK_ABORT;
}
}  // namespace

Status YaraScanner::Scan(ByteSpan data, bool all_matches, const YaraFileFacts* facts,
                         std::vector<YaraMatch>* out) {
  if (facts != nullptr) SetFileFacts(scanner_, *facts);
  ScanState state{all_matches, &rules_->compiled_path(), out};
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
