// Fuzz target for observation lines (src/host/allowlist_observation.cc), what the history reader
// hands each line to: any line is read or refused with an error, never a crash; a line that
// reads is written back to one line that reads to the same observation.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "otguard/host/allowlist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otguard::host;
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto observation = ParseObservation(line);
  if (!observation) {
    if (observation.error().message().empty()) std::abort();
    return 0;
  }
  std::string written = ObservationToJson(*observation);
  if (written.find('\n') != std::string::npos || written.size() > 64 * 1024) std::abort();
  auto again = ParseObservation(written);
  if (!again) std::abort();
  // A line far over the limit may have had its command line cut to fit; else it is exact.
  if (size < 32 * 1024 && !(*again == *observation)) std::abort();
  return 0;
}
