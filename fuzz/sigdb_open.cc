// Arbitrary bytes as a compiled database: OpenMemory must reject them or give a database that
// answers every query safely.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "otguard/sigdb/database.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otguard::sigdb;
  auto db = Database::OpenMemory(otguard::ByteSpan(data, size));
  if (!db) return 0;
  (void)(*db)->Info();
  (void)(*db)->Verify();
  static const std::string kSample =
      "MZ HELLO\x11\x22\x33WORLD "
      "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  otguard::ByteSpan sample(reinterpret_cast<const uint8_t*>(kSample.data()), kSample.size());
  ExecutableLayout layout;
  layout.entry_point = 3;
  layout.sections = {{0, 10}, {10, 1000}};
  std::vector<Detection> out;
  (*db)->MatchBody(sample, nullptr, MatchMode::kAll, &out);
  (*db)->MatchBody(sample, &layout, MatchMode::kAll, &out);
  (*db)->MatchBody(otguard::ByteSpan(data, size), &layout, MatchMode::kAll, &out);
  otguard::Digests digests;
  digests.md5.emplace();
  digests.sha1.emplace();
  digests.sha256.emplace();
  for (auto& b : *digests.sha256) b = 0xff;
  (*db)->MatchHashes(digests, 68, MatchMode::kAll, &out);
  (void)(*db)->IsAllowlisted(digests, 68);
  return 0;
}
