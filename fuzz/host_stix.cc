// Fuzz target for the STIX 2.1 import (src/host/stix.cc, stix_pattern.cc): any bundle imports or
// is refused, never a crash or runaway expansion; an imported pack is a valid pack; and a raw
// pattern (inputs that do not start with '{') parses or gives a positioned syntax error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "host/stix_pattern.h"
#include "otguard/host/ioc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otguard::host;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!text.starts_with('{')) {
    auto tree = stix::ParsePattern(text);
    if (!tree && !tree.error().message().starts_with("syntax error at offset ")) std::abort();
    return 0;
  }
  auto import = ImportStixBundle(text, "fuzz");
  if (!import) return 0;
  if (import->pack.indicators.size() + import->unsupported.size() < import->indicators_seen) {
    std::abort();  // an indicator vanished without a report
  }
  auto again = ParsePack(PackToToml(import->pack), "fuzz");
  if (!again) std::abort();
  return 0;
}
