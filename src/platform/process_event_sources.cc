#include "platform/process_event_sources.h"

namespace otguard::platform::internal {
namespace {

const SourceEntry* Find(std::span<const SourceEntry> sources, const std::string& name) {
  for (const SourceEntry& entry : sources) {
    if (name == entry.name) return &entry;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> SourceNames(std::span<const SourceEntry> sources) {
  std::vector<std::string> names;
  for (const SourceEntry& entry : sources) names.emplace_back(entry.name);
  return names;
}

Result<std::unique_ptr<ProcessEventSource>> OpenFirstSource(
    std::span<const SourceEntry> sources, const char* os, const ProcessEventSourceOptions& options,
    std::vector<SourceProbe>* probes) {
  if (options.poll_interval.count() <= 0) {
    return Unexpected(InvalidArgument("process events: the poll interval must be positive"));
  }
  std::vector<std::string> order = options.prefer;
  for (const std::string& name : order) {
    if (Find(sources, name) == nullptr) {
      std::string known;
      for (const SourceEntry& entry : sources)
        known += (known.empty() ? "" : ", ") + std::string(entry.name);
      return Unexpected(InvalidArgument("process events: unknown source \"" + name + "\" (" + os +
                                        " has " + known + ")"));
    }
  }
  if (order.empty()) order = SourceNames(sources);
  Status last;
  for (const std::string& name : order) {
    Result<std::unique_ptr<ProcessEventSource>> source = Find(sources, name)->open(options);
    if (probes != nullptr) {
      probes->push_back({name, source.has_value() ? Status() : source.error()});
    }
    if (source.has_value()) return source;
    last = source.error();
  }
  // Only a preference list without the OS's polling source can end here: it needs nothing.
  return Unexpected(last.WithContext("process events: no source in the preference list opened"));
}

}  // namespace otguard::platform::internal
