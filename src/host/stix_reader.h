// Streaming reader of STIX containers: a bundle, a TAXII 2.1 envelope or a bare list of objects is
// read element by element, so that an export of any size imports with memory bounded by its
// largest object (real MISP and OpenCTI exports exceed 16 MiB). Private to the host library.
#ifndef OTGUARD_SRC_HOST_STIX_READER_H_
#define OTGUARD_SRC_HOST_STIX_READER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>

#include "otguard/base/status.h"

namespace otguard::host::stix {

enum class Container {
  kBundle,    // {"type": "bundle", "id": ..., "objects": [...]} ("objects" may be absent: empty)
  kEnvelope,  // TAXII 2.1 envelope {"more": ..., "objects": [...]}: no "type"
  kList,      // [ {...}, {...} ]
};

struct ReadSummary {
  Container container = Container::kBundle;
  std::string bundle_id;     // the bundle's "id" ("" for an envelope or a list)
  std::string spec_version;  // the bundle's "spec_version" if any (STIX 2.0 bundles carry it)
  size_t objects = 0;        // elements of the objects array seen (skipped ones included)
  size_t skipped = 0;        // elements that were not JSON objects: not passed to on_object
  uint64_t bytes = 0;        // bytes read
};

// One object (not the file) may take at most this much memory once parsed: string and key bytes
// plus a fixed overhead per value and per member, about 1 to 3 times its JSON text. A single
// string or number token, or a run of whitespace, longer than this is refused as well, skipped
// values included, since the JSON lexer holds a token whole.
constexpr size_t kMaxObjectBytes = 16u << 20;
// Containers open at once, anywhere in the file (STIX objects nest a few levels).
constexpr size_t kMaxNestingDepth = 256;

// Reads `in` to its end and calls on_object for each element of the objects array, in file
// order, one at a time, with the element's position in the array as `index` (skipped elements
// keep their position): memory is bounded by the largest single object, not by the file. Keys of
// the top-level object may come in any order ("objects" before "type" or "id"); values of other
// top-level keys are skipped without being kept. An element that is not a JSON object is counted
// in ReadSummary::skipped and the read goes on.
//
// Errors (InvalidArgument, the message starts with "<origin>: "): not JSON ("not JSON at byte N:
// ..."), not one of the three containers, an object or token larger than kMaxObjectBytes, nesting
// deeper than kMaxNestingDepth. IoError if `in` has failed before or fails. A Status error returned
// by on_object stops the read and is returned as is. On any error on_object may already have been
// called for the elements before it (the container's type may come last): the caller discards what
// it built. Reads `in` with read() in 64 KiB chunks, so it may take up to one chunk past the
// element being delivered. Reentrant; one stream must not be shared between threads.
Result<ReadSummary> ReadObjects(
    std::istream& in, const std::string& origin,
    const std::function<Status(nlohmann::json&& object, size_t index)>& on_object);

}  // namespace otguard::host::stix

#endif  // OTGUARD_SRC_HOST_STIX_READER_H_
