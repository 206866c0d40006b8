// Fuzz target for the agent's policy parser (src/agent/policy.cc): any text is a policy or an
// error that names the origin, never a crash; a parsed policy's windows and schedules are
// usable (InWindow and NextRun on them do not crash either).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "otguard/agent/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otguard::agent;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = ParsePolicy(text, "fuzz.toml");
  if (!policy) {
    if (!policy.error().message().starts_with("fuzz.toml")) std::abort();
    return 0;
  }
  otguard::EventTime t = otguard::EventTime::FromNanos(1764900000000000000);
  for (const WindowSpec& w : policy->upgrades.windows) (void)InWindow(w, t);
  (void)NextRun(policy->schedule.inventory, t);
  (void)NextRun(policy->schedule.scan.when, t);
  (void)NextRun(policy->schedule.hunt.when, t);
  if (policy->observe.poll_interval.count() <= 0) std::abort();
  return 0;
}
