// Fuzzes the YARA wrapper: arbitrary rule text must compile or fail with a Status, and rules
// that compile must scan a fixed buffer without crashing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "scan/yara_engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using otguard::scan::YaraRules;
  using otguard::scan::YaraScanner;
  std::vector<otguard::scan::YaraSource> sources = {
      {"fuzz.yar", std::string(reinterpret_cast<const char*>(data), size)}};
  auto rules = YaraRules::CompileText(sources);
  if (!rules) return 0;
  auto scanner = YaraScanner::Create(*rules);
  if (!scanner) return 0;
  static const std::string kSample = "MZ\x90\x00 EICAR-STANDARD-ANTIVIRUS-TEST-FILE abc 123";
  std::vector<otguard::scan::YaraMatch> matches;
  (void)scanner->Scan(
      otguard::ByteSpan(reinterpret_cast<const uint8_t*>(kSample.data()), kSample.size()),
      /*all_matches=*/true, &matches);
  return 0;
}
