// Fuzzes the detection-content loader (data/nba/*.toml): the input is split at the first NUL
// into the mining-pools and the services file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "otguard/nba/intel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string_view pools = in.substr(0, nul);
  std::string_view services = nul == std::string_view::npos ? "" : in.substr(nul + 1);
  auto intel = otguard::nba::Intel::FromText(pools, services);
  if (intel) (void)intel->MatchPoolDomain("xmr.pool.minergate.com");
  return 0;
}
