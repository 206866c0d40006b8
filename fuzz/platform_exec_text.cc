// Fuzz target for the fanotify source's parsers (src/platform/linux/exec_text.h): mountinfo text
// and the first bytes of a file opened for execution (any file a user can make). The first byte
// picks the parser. Never a crash or a read outside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "platform/linux/exec_text.h"

using namespace otguard::platform::linux_internal;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    for (const std::string& point : ParseExecMountPoints(text)) {
      if (point.size() > text.size()) std::abort();
    }
  } else {
    ExecFile file = ClassifyExecFile(text);
    if (file.interpreter.size() > text.size()) std::abort();
    if (!file.interpreter.empty() && file.kind != ExecFileKind::kElfWithInterpreter) std::abort();
  }
  return 0;
}
