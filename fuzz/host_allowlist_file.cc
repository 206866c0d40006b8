// Fuzz target for the allowlist file (src/host/allowlist_file.cc): any text is read or refused
// with an error naming where, never a crash; and an allowlist that reads is written back to
// TOML that reads to the same allowlist, written the same way (the stable form versions are
// diffed in).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "otguard/host/allowlist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otguard::host;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto allowlist = ParseAllowlist(text, "fuzz.toml");
  if (!allowlist) {
    if (!allowlist.error().message().starts_with("fuzz.toml")) std::abort();
    return 0;
  }
  std::string formatted = FormatAllowlist(*allowlist);
  auto again = ParseAllowlist(formatted, "fuzz.toml");
  if (!again || !(*again == *allowlist)) std::abort();
  if (FormatAllowlist(*again) != formatted) std::abort();
  return 0;
}
