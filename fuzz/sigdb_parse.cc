// Arbitrary text as each kind of signature file: compiling must never crash, and a database
// that compiles must match the input itself (as a file) safely, with and without a layout.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "otguard/sigdb/database.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otguard::sigdb;
  const std::string text(reinterpret_cast<const char*>(data), size);
  ExecutableLayout layout;
  layout.entry_point = size / 2;
  layout.sections = {{0, size / 3}, {size / 3, size - size / 3}};
  for (const char* name : {"f.hdb", "f.hsb", "f.ndb", "f.fp", "f.sfp"}) {
    std::vector<SourceText> src = {{name, text}};
    std::vector<Diagnostic> diags;
    auto db = Database::CompileText(src, {.strict = false, .include_builtin = false}, &diags);
    if (!db) continue;
    std::vector<Detection> out;
    otguard::ByteSpan bytes(data, size);
    (*db)->MatchBody(bytes, nullptr, MatchMode::kAll, &out);
    (*db)->MatchBody(bytes, &layout, MatchMode::kAll, &out);
    otguard::Digests digests;
    digests.md5.emplace();
    digests.sha256.emplace();
    (*db)->MatchHashes(digests, size, MatchMode::kAll, &out);
    (void)(*db)->IsAllowlisted(digests, size);
  }
  return 0;
}
