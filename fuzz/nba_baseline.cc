// Fuzzes the baseline file parser (`otguard nba analyze --baseline`).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "otguard/nba/baseline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto b =
      otguard::nba::Baseline::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (b) (void)b->ToJson();
  return 0;
}
