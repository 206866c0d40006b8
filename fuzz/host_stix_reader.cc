// Fuzz target for the streaming STIX container reader (src/host/stix_reader.cc): any bytes are
// read or refused with a message naming the origin, never a crash; what is read agrees with
// parsing the same bytes in one go (same objects, in order, at the same indexes, nothing lost),
// and bytes that are not JSON are never read as a container.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "host/stix_reader.h"

namespace {

using Json = nlohmann::json;

// The objects array of a container parsed in one go, or null when `whole` is none.
const Json* ObjectsOf(const Json& whole) {
  if (whole.is_array()) return &whole;
  if (!whole.is_object()) return nullptr;
  auto objects = whole.find("objects");
  return objects != whole.end() && objects->is_array() ? &*objects : nullptr;
}

void CheckAgainstOneGoParse(const std::string& text, const otguard::host::stix::ReadSummary& read,
                            const std::vector<std::pair<size_t, Json>>& delivered) {
  const Json whole = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (whole.is_discarded()) std::abort();  // the reader accepted bytes that are not JSON
  const Json* objects = ObjectsOf(whole);
  if (objects == nullptr) {
    // Only an empty bundle or an empty TAXII envelope has no objects array.
    if (read.objects != 0) std::abort();
    return;
  }
  if (read.objects != objects->size()) std::abort();
  size_t next = 0;
  for (size_t i = 0; i < objects->size(); ++i) {
    if (!(*objects)[i].is_object()) continue;
    if (next >= delivered.size() || delivered[next].first != i) std::abort();
    if (delivered[next].second != (*objects)[i]) std::abort();
    ++next;
  }
  if (next != delivered.size() || read.skipped + next != read.objects) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otguard::host;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::istringstream in(text);
  std::vector<std::pair<size_t, Json>> delivered;
  auto read = stix::ReadObjects(in, "fuzz", [&](Json&& object, size_t index) {
    if (!object.is_object()) std::abort();
    if (!delivered.empty() && index <= delivered.back().first) std::abort();
    delivered.emplace_back(index, std::move(object));
    return otguard::Status::Ok();
  });
  if (!read) {
    if (!read.error().message().starts_with("fuzz: ")) std::abort();
    if (read.error().code() != otguard::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (read->bytes != size) std::abort();
  CheckAgainstOneGoParse(text, *read, delivered);
  return 0;
}
