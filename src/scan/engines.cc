#include "otguard/scan/engines.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <string_view>
#include <utility>

#include "otguard/platform/files.h"
#include "otguard/platform/process.h"
#include "scan/yara_engine.h"
#include "scan/yara_externals.h"

namespace otguard::scan {
namespace {

constexpr std::array<std::string_view, 5> kSourceExtensions = {".hdb", ".hsb", ".ndb", ".fp",
                                                               ".sfp"};
constexpr std::string_view kCompiledExtension = ".ogdb";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsSignatureFileName(std::string_view name) {
  if (EndsWith(name, kCompiledExtension)) return true;
  return std::any_of(kSourceExtensions.begin(), kSourceExtensions.end(),
                     [&](std::string_view ext) { return EndsWith(name, ext); });
}

// Splits the --db arguments into compiled databases and source files to compile together.
struct DatabasePaths {
  std::vector<std::string> compiled;
  std::vector<std::string> sources;
};

Status AddDatabasePath(const std::string& path, DatabasePaths* out) {
  auto info = platform::StatPath(path, /*follow_symlinks=*/true);
  if (!info) return info.error().WithContext("signature database");
  if (info->type == platform::FileType::kDirectory) {
    OTGUARD_ASSIGN_OR_RETURN(auto names, platform::ListDirectory(path));
    std::sort(names.begin(), names.end());  // a stable order gives stable diagnostics
    for (const std::string& name : names) {
      if (IsSignatureFileName(name)) {
        OTGUARD_RETURN_IF_ERROR(AddDatabasePath(platform::JoinPath(path, name), out));
      }
    }
    return Status::Ok();
  }
  if (EndsWith(path, kCompiledExtension) || sigdb::Database::IsCompiledFile(path)) {
    out->compiled.push_back(path);
  } else {
    out->sources.push_back(path);
  }
  return Status::Ok();
}

// ---- YARA ----

// Names taken from a directory: LOKI's and yara's own conventions for rule files, and the
// name commonly given to yarac's output. A file named on the command line is taken whatever
// its name.
constexpr std::array<std::string_view, 3> kYaraExtensions = {".yar", ".yara", ".yarc"};

bool IsYaraFileName(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::any_of(kYaraExtensions.begin(), kYaraExtensions.end(),
                     [&](std::string_view ext) { return EndsWith(lower, ext); });
}

struct YaraPaths {
  std::vector<std::string> sources;                   // compiled together into one rule set
  std::vector<std::string> compiled;                  // yarac output: one rule set each
  std::set<std::pair<uint64_t, uint64_t>> seen_dirs;  // (device, inode): symlink loops
  // A file named twice (a file and its directory) would define its rules twice in one
  // namespace, which libyara refuses.
  std::set<std::pair<uint64_t, uint64_t>> seen_files;
};

// Sorts a rule file by its first bytes; one that cannot be read goes with the sources, whose
// compilation reports it as a bad file.
void AddYaraFile(const std::string& path, const platform::FileInfo& info, YaraPaths* out) {
  if (!out->seen_files.emplace(info.device, info.inode).second) return;
  platform::ReadOnlyFile::Options open_options;
  open_options.follow_symlinks = true;
  uint8_t head[4] = {};
  size_t got = 0;
  if (auto file = platform::ReadOnlyFile::Open(path, open_options)) {
    got = file->ReadFull(0, std::span(head, sizeof head)).value_or(0);
  }
  if (IsCompiledYaraRules(ByteSpan(head, got))) {
    out->compiled.push_back(path);
  } else {
    out->sources.push_back(path);
  }
}

Status AddYaraDirectory(const std::string& dir, const platform::FileInfo& info, YaraPaths* out) {
  if (!out->seen_dirs.emplace(info.device, info.inode).second) return Status::Ok();
  OTGUARD_ASSIGN_OR_RETURN(auto names, platform::ListDirectory(dir));
  std::sort(names.begin(), names.end());  // the order rules compile in, and messages come
  for (const std::string& name : names) {
    std::string path = platform::JoinPath(dir, name);
    auto child = platform::StatPath(path, /*follow_symlinks=*/true);
    if (!child) continue;  // a dangling link or a vanished entry holds no rules
    if (child->type == platform::FileType::kDirectory) {
      OTGUARD_RETURN_IF_ERROR(AddYaraDirectory(path, *child, out));
    } else if (child->type == platform::FileType::kRegular && IsYaraFileName(name)) {
      AddYaraFile(path, *child, out);
    }
  }
  return Status::Ok();
}

Status AddYaraPath(const std::string& path, YaraPaths* out) {
  auto info = platform::StatPath(path, /*follow_symlinks=*/true);
  if (!info) return info.error().WithContext("YARA rules");
  if (info->type == platform::FileType::kRegular) {
    AddYaraFile(path, *info, out);
    return Status::Ok();
  }
  if (info->type != platform::FileType::kDirectory) {
    return InvalidArgument("YARA rules: " + path + " is a " + info->type_name +
                           ", not a file or directory");
  }
  size_t before = out->sources.size() + out->compiled.size();
  OTGUARD_RETURN_IF_ERROR(AddYaraDirectory(path, *info, out));
  if (out->sources.size() + out->compiled.size() == before) {
    return InvalidArgument("YARA rules: no *.yar, *.yara or *.yarc file in " + path);
  }
  return Status::Ok();
}

Result<std::vector<YaraDefine>> ParseYaraDefines(const std::vector<std::string>& texts) {
  std::vector<YaraDefine> defines;
  for (const std::string& text : texts) {
    OTGUARD_ASSIGN_OR_RETURN(YaraDefine d, ParseYaraDefine(text));
    defines.push_back(std::move(d));
  }
  return defines;
}

// Compiles the sources and loads the compiled files; every file that fails is appended to
// *rejected and the others kept.
Status CompileYara(const YaraPaths& paths, std::span<const YaraDefine> defines, Engines* engines,
                   std::vector<YaraRejectedFile>* rejected) {
  if (!paths.sources.empty()) {
    auto rules = YaraRules::CompileFiles(paths.sources, defines, rejected);
    if (rules) {
      engines->yara.push_back(std::move(*rules));
    } else if (rejected->empty()) {
      return rules.error();  // not a bad file: the library or the machine
    }
  }
  for (const std::string& path : paths.compiled) {
    auto rules = YaraRules::LoadCompiled(path, defines);
    if (rules) {
      engines->yara.push_back(std::move(*rules));
    } else if (rules.error().code() == StatusCode::kUnimplemented) {
      return rules.error();
    } else {
      rejected->push_back(YaraRejectedFile{path, {{path, rules.error().ToString()}}});
    }
  }
  return Status::Ok();
}

std::string RejectedNames(const std::vector<YaraRejectedFile>& rejected) {
  std::string names;
  for (const auto& r : rejected) names += (names.empty() ? "" : ", ") + r.path;
  return names;
}

Status LoadYara(const EngineOptions& options, Engines* engines,
                std::vector<sigdb::Diagnostic>* diagnostics) {
  if (options.yara_files.empty() && options.yara_defines.empty()) return Status::Ok();
  OTGUARD_ASSIGN_OR_RETURN(std::vector<YaraDefine> defines, ParseYaraDefines(options.yara_defines));
  if (!YaraAvailable()) {
    return Unimplemented("YARA rules (--yara, --yara-define) are not supported by this build");
  }
  if (options.yara_files.empty()) return InvalidArgument("--yara-define given without --yara");
  YaraPaths paths;
  for (const std::string& root : options.yara_files) {
    OTGUARD_RETURN_IF_ERROR(AddYaraPath(root, &paths));
  }
  std::vector<YaraRejectedFile> rejected;
  OTGUARD_RETURN_IF_ERROR(CompileYara(paths, defines, engines, &rejected));
  engines->yara_files_rejected = rejected.size();
  if (diagnostics != nullptr) {
    for (auto& r : rejected) {
      diagnostics->insert(diagnostics->end(), r.messages.begin(), r.messages.end());
    }
  }
  if (options.strict && !rejected.empty()) {
    return InvalidArgument(
        std::to_string(rejected.size()) +
        " YARA rule file(s) do not compile (--strict): " + RejectedNames(rejected));
  }
  if (engines->yara.empty()) {
    return InvalidArgument("no YARA rule file compiles: " + RejectedNames(rejected));
  }
  return Status::Ok();
}

}  // namespace

Result<Engines> LoadEngines(const EngineOptions& options,
                            std::vector<sigdb::Diagnostic>* diagnostics) {
  DatabasePaths paths;
  std::vector<std::string> roots = options.databases;
  if (roots.empty() && !options.bundled_dir.empty()) roots.push_back(options.bundled_dir);
  for (const std::string& root : roots) OTGUARD_RETURN_IF_ERROR(AddDatabasePath(root, &paths));

  Engines engines;
  for (const std::string& path : paths.compiled) {
    OTGUARD_ASSIGN_OR_RETURN(auto db, sigdb::Database::Open(path));
    engines.databases.push_back(std::move(db));
  }
  if (!paths.sources.empty() || options.include_builtin) {
    sigdb::CompileOptions compile;
    compile.strict = options.strict;
    compile.include_builtin = options.include_builtin;
    OTGUARD_ASSIGN_OR_RETURN(auto db,
                             sigdb::Database::CompileFiles(paths.sources, compile, diagnostics));
    engines.databases.push_back(std::move(db));
  }
  OTGUARD_RETURN_IF_ERROR(LoadYara(options, &engines, diagnostics));
  return engines;
}

std::string FindBundledSignatureDir() {
  std::vector<std::string> candidates;
  std::string env = platform::GetEnv("OTGUARD_DATA_DIR");
  if (!env.empty()) candidates.push_back(platform::JoinPath(env, "sigs"));
  std::string exe = platform::ExecutablePath();
  if (!exe.empty()) {
    // Installed on Linux (<prefix>/bin/otguard, <prefix>/share/otguard/sigs), or copied onto
    // a Windows station with a sigs folder beside otguard.exe.
    candidates.push_back(platform::DirName(platform::DirName(exe)) + "/share/otguard/sigs");
    candidates.push_back(platform::JoinPath(platform::DirName(exe), "sigs"));
  }
#ifdef OTGUARD_SOURCE_DATA_DIR
  candidates.push_back(std::string(OTGUARD_SOURCE_DATA_DIR) + "/sigs");
#endif
  for (const std::string& dir : candidates) {
    auto info = platform::StatPath(dir, /*follow_symlinks=*/true);
    if (info && info->type == platform::FileType::kDirectory) return dir;
  }
  return "";
}

}  // namespace otguard::scan
