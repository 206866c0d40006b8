// Writes every export target's output for the sample allowlists into a folder, for the checks
// with the real tools (tests/integration/allowlist_export.py): nft -c, fapolicyd-cli, an XML
// parser for AppLocker, the .reg checker.
//   otguard_allowlist_export_samples DIR
// Files: <target>-<sample>-<mode>.out, mode "monitor" or "enforce" (enforce with the Windows
// default rules). Exit 1 when a target fails on a sample.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "host/allowlist_export/testing/sample_allowlist.h"
#include "otguard/host/allowlist_export.h"

int main(int argc, char** argv) {
  using namespace otguard::host;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::create_directories(argv[1]);
  struct Sample {
    const char* name;
    Allowlist allowlist;
    ExportOptions options;
  };
  Sample samples[] = {{"windows", testing::WindowsStation(), testing::WindowsFacts()},
                      {"linux", testing::LinuxHistorian(), ExportOptions{}}};
  int failures = 0;
  for (const ExportTarget* target : ExportTargets()) {
    for (const Sample& sample : samples) {
      for (bool enforce : {false, true}) {
        ExportOptions options = sample.options;
        options.enforce = enforce;
        options.windows_defaults = enforce;
        auto out = target->Export(sample.allowlist, options);
        std::string file = std::string(argv[1]) + "/" + std::string(target->name()) + "-" +
                           sample.name + "-" + (enforce ? "enforce" : "monitor") + ".out";
        if (!out) {
          std::fprintf(stderr, "%s: %s\n", file.c_str(), out.error().ToString().c_str());
          ++failures;
          continue;
        }
        std::ofstream(file, std::ios::binary) << *out;
      }
    }
  }
  return failures ? 1 : 0;
}
