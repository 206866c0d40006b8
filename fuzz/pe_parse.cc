// Fuzz target for the PE parser: any bytes must parse or fail cleanly, and what parses must be
// self-consistent (every section range and the entry point inside the input); the Authenticode
// layout, when given, covers only the input and skips its holes in order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "otguard/pe/pe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otguard::ByteSpan file(data, size);
  const bool looks = otguard::pe::LooksLikePe(file);
  if (auto layout = otguard::pe::AuthenticodeLayoutOf(file, size)) {
    uint64_t at = 0, covered = 0;
    for (const auto& range : layout->hashed) {
      if (range.size == 0 || range.offset < at || range.offset + range.size > size) std::abort();
      at = range.offset + range.size;
      covered += range.size;
    }
    if (covered + 12 + layout->certificate_table.size != size) std::abort();
  }
  auto image = otguard::pe::Parse(file);
  if (!image) return 0;
  if (!looks) std::abort();  // Parse accepted what LooksLikePe rejected
  for (const auto& s : image->sections) {
    if (s.file_size != 0 && s.file_offset + s.file_size > size) std::abort();
  }
  if (image->entry_point_offset && *image->entry_point_offset >= size) std::abort();
  return 0;
}
