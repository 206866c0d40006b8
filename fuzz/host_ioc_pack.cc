// Fuzz target for the IOC pack loader (src/host/ioc_toml.cc): any text loads or is refused with
// an error, never a crash; and a pack that loads is written back to TOML that loads to the same
// pack (the writer's contract, which `ioc import-stix` relies on).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "otguard/host/ioc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otguard::host;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto pack = ParsePack(text, "fuzz");
  if (!pack) {
    if (pack.error().message().empty()) std::abort();
    return 0;
  }
  auto again = ParsePack(PackToToml(*pack), "fuzz");
  if (!again || !(*again == *pack)) std::abort();
  return 0;
}
