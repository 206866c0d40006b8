// The probe every OS's process-event sources share (process_events.h's OpenProcessEventSource):
// a table of named openers, best first, tried in the order the options ask for.
#ifndef OTGUARD_SRC_PLATFORM_PROCESS_EVENT_SOURCES_H_
#define OTGUARD_SRC_PLATFORM_PROCESS_EVENT_SOURCES_H_

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "otguard/platform/process_events.h"

namespace otguard::platform::internal {

struct SourceEntry {
  const char* name;
  Result<std::unique_ptr<ProcessEventSource>> (*open)(const ProcessEventSourceOptions&);
};

std::vector<std::string> SourceNames(std::span<const SourceEntry> sources);

// The first of `options.prefer` (or of `sources`, in order) that opens; InvalidArgument for a
// non-positive interval or a name not in `sources` (the message lists them, for `os`).
Result<std::unique_ptr<ProcessEventSource>> OpenFirstSource(
    std::span<const SourceEntry> sources, const char* os, const ProcessEventSourceOptions& options,
    std::vector<SourceProbe>* probes);

}  // namespace otguard::platform::internal

#endif  // OTGUARD_SRC_PLATFORM_PROCESS_EVENT_SOURCES_H_
