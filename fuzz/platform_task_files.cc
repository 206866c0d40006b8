// Fuzz target for the Task Scheduler file parsers (src/platform/task_files.h): any bytes parse
// or are refused with InvalidArgument, never a crash, a hang or a read outside the input. The
// first byte picks the parser: even for the XML task definitions, odd for .job files.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "platform/task_files.h"

using namespace otguard;
using namespace otguard::platform::internal;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto task = data[0] % 2 == 0 ? ParseTaskXml(bytes) : ParseJobFile(bytes);
  if (!task.has_value()) {
    if (task.error().code() != StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  // What a parser returns comes from the input: no field can be longer than the input's
  // characters (a UTF-16 unit becomes at most 3 UTF-8 bytes).
  const size_t limit = bytes.size() * 3 / 2 + 4;
  for (const auto& action : task->actions) {
    if (action.command.size() > limit || action.arguments.size() > limit) std::abort();
  }
  if (task->user.size() > limit || task->author.size() > limit) std::abort();
  return 0;
}
