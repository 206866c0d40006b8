// Fuzz target for the URL normal form (base/url.h) and the hunt's URL finder in free text
// (src/host/hunt_text.cc UrlKeys): command lines are written by whoever runs a process, so any
// bytes must give URLs or nothing, never a crash; a normal form is a fixed point.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "host/hunt_internal.h"
#include "otguard/base/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto normal = otguard::NormalizeUrl(text)) {
    auto again = otguard::NormalizeUrl(*normal);
    if (!again || *again != *normal) std::abort();
    if (otguard::UrlMatchKey(*normal).empty()) std::abort();
  }
  for (const std::string& key : otguard::host::internal::UrlKeys(text)) {
    if (key.find('|') == std::string::npos) std::abort();
  }
  return 0;
}
