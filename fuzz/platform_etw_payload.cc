// Fuzz target for the etw and kernel-logger sources' payload parsers
// (src/platform/windows/etw_payload.cc, no OS call, so it builds and runs on Linux): a
// Microsoft-Windows-Kernel-Process payload, and an NT Kernel Logger Process event, of any id,
// type and version. The first byte picks the id/type, the second the version (its low bit the
// kernel logger's pointer size). Never a crash or a read outside the input; an image name never
// longer than the UTF-8 of the whole payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "platform/windows/process_events_internal.h"

using otguard::platform::windows_internal::ParseKernelLoggerProcessEvent;
using otguard::platform::windows_internal::ParseKernelProcessEvent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint16_t id = data[0] % 4;
  uint8_t version = data[1] % 6;
  auto event = ParseKernelProcessEvent(id, version, data + 2, size - 2);
  if (event && id != 1 && id != 2) std::abort();
  // UTF-16 to UTF-8 at most triples the bytes per 2-byte unit (3 bytes for 2).
  if (event && event->executable.size() > (size - 2) * 3 / 2 + 3) std::abort();
  // The same bytes as an NT Kernel Logger Process event (type 1-4, both pointer sizes): the
  // 8-bit image name is never longer than the payload.
  auto logged =
      ParseKernelLoggerProcessEvent(data[0] % 5, version, data[1] & 1 ? 8 : 4, data + 2, size - 2);
  if (logged && (data[0] % 5 == 0 || data[0] % 5 > 2)) std::abort();
  if (logged && logged->executable.size() > size - 2) std::abort();
  return 0;
}
