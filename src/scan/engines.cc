#include "otguard/scan/engines.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "otguard/platform/files.h"
#include "otguard/platform/process.h"
#include "scan/yara_engine.h"

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
  if (!options.yara_files.empty()) {
    OTGUARD_ASSIGN_OR_RETURN(engines.yara, YaraRules::CompileFiles(options.yara_files));
  }
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
