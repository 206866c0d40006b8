// Fuzz target for the etw source's payload parser (src/platform/windows/etw_payload.cc, no OS
// call, so it builds and runs on Linux): a Microsoft-Windows-Kernel-Process payload of any
// event id and version. The first byte picks the id (1 start, 2 stop, else other), the second
// the version. Never a crash or a read outside the input; an image name never longer than the
// UTF-8 of the whole payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "platform/windows/process_events_internal.h"

using otguard::platform::windows_internal::ParseKernelProcessEvent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint16_t id = data[0] % 4;
  uint8_t version = data[1] % 6;
  auto event = ParseKernelProcessEvent(id, version, data + 2, size - 2);
  if (event && id != 1 && id != 2) std::abort();
  // UTF-16 to UTF-8 at most triples the bytes per 2-byte unit (3 bytes for 2).
  if (event && event->executable.size() > (size - 2) * 3 / 2 + 3) std::abort();
  return 0;
}
