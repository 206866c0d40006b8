// otguard sigs compile|info|verify: thin wrappers around otguard::sigdb::Database.
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "apps/otguard/commands.h"
#include "otguard/base/event.h"
#include "otguard/base/time_format.h"
#include "otguard/sigdb/database.h"

namespace otguard::cli {
namespace {

struct SigsArgs {
  std::string output;
  bool strict = false;
  bool no_builtin = false;
  std::vector<std::string> sources;
  std::string database;
};

int Compile(const SigsArgs& a) {
  std::vector<sigdb::Diagnostic> diags;
  sigdb::CompileOptions options{.strict = a.strict, .include_builtin = !a.no_builtin};
  auto db = sigdb::Database::CompileFiles(a.sources, options, &diags);
  for (const auto& d : diags)
    std::fprintf(stderr, "%s: %s\n", d.location.c_str(), d.message.c_str());
  if (!db) {
    PrintCommandError("sigs compile", db.error().ToString());
    return 2;
  }
  if (Status s = (*db)->Save(a.output); !s.ok()) {
    PrintCommandError("sigs compile", s.ToString());
    return 2;
  }
  auto info = (*db)->Info();
  std::printf("%s: %llu hash, %llu body, %llu allowlist signatures (%zu lines skipped)\n",
              a.output.c_str(), static_cast<unsigned long long>(info.hash_signatures),
              static_cast<unsigned long long>(info.body_signatures),
              static_cast<unsigned long long>(info.allowlist_entries), diags.size());
  return 0;
}

int Info(const SigsArgs& a) {
  auto db = sigdb::Database::Open(a.database);
  if (!db) {
    PrintCommandError("sigs info", db.error().ToString());
    return 2;
  }
  auto info = (*db)->Info();
  std::string when = Rfc3339UtcFromNs(static_cast<int64_t>(info.created_unix) * 1'000'000'000);
  std::printf("format version:    %u\n", info.format_version);
  std::printf("created:           %s\n", when.c_str());
  std::printf("hash signatures:   %llu\n", static_cast<unsigned long long>(info.hash_signatures));
  std::printf("body signatures:   %llu\n", static_cast<unsigned long long>(info.body_signatures));
  std::printf("allowlist entries: %llu\n", static_cast<unsigned long long>(info.allowlist_entries));
  std::printf("checksum (sha256): %s\n", info.checksum.c_str());
  return 0;
}

int Verify(const SigsArgs& a) {
  auto db = sigdb::Database::Open(a.database);
  Status s = db ? (*db)->Verify() : db.error();
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", a.database.c_str(), s.ToString().c_str());
    return 2;
  }
  std::printf("%s: OK %s\n", a.database.c_str(), (*db)->Info().checksum.c_str());
  return 0;
}

}  // namespace

void RegisterSigsCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SigsArgs>();
  CLI::App* sigs = app.add_subcommand("sigs", "Compile and inspect signature databases");
  sigs->require_subcommand(1);

  CLI::App* compile = sigs->add_subcommand(
      "compile", "Compile ClamAV .hdb/.hsb/.ndb/.fp/.sfp files into an otguard database");
  compile->add_option("-o,--output", args->output, "Compiled database to write (.ogdb)")
      ->required();
  compile->add_flag("--strict", args->strict, "Fail on any skipped line");
  compile->add_flag("--no-builtin", args->no_builtin, "Leave out the built-in EICAR signature");
  compile->add_option("SRC", args->sources, "Signature files or directories")->required();
  compile->callback([args, exit_code] { *exit_code = Compile(*args); });

  CLI::App* info = sigs->add_subcommand("info", "Show counts, version, checksum and date");
  info->add_option("DB", args->database, "Compiled database")->required();
  info->callback([args, exit_code] { *exit_code = Info(*args); });

  CLI::App* verify = sigs->add_subcommand("verify", "Re-check every checksum (exit 2 if corrupt)");
  verify->add_option("DB", args->database, "Compiled database")->required();
  verify->callback([args, exit_code] { *exit_code = Verify(*args); });
}

}  // namespace otguard::cli
