// The "ebpf" source of a build without clang or libbpf (src/platform/CMakeLists.txt chooses
// this file then): it never opens, and the probe says why.
#include "platform/linux/process_events_internal.h"

namespace otguard::platform::linux_internal {

Result<std::unique_ptr<ProcessEventSource>> OpenEbpfSource(const ProcessEventSourceOptions&) {
  return Unexpected(Unimplemented(
      "ebpf: this otguard was built without eBPF support (no clang or libbpf at build time)"));
}

}  // namespace otguard::platform::linux_internal
