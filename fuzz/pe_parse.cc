// Fuzz target for the PE parser: any bytes must parse or fail cleanly, and what parses must be
// self-consistent (every section range and the entry point inside the input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "otguard/pe/pe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otguard::ByteSpan file(data, size);
  const bool looks = otguard::pe::LooksLikePe(file);
  auto image = otguard::pe::Parse(file);
  if (!image) return 0;
  if (!looks) std::abort();  // Parse accepted what LooksLikePe rejected
  for (const auto& s : image->sections) {
    if (s.file_size != 0 && s.file_offset + s.file_size > size) std::abort();
  }
  if (image->entry_point_offset && *image->entry_point_offset >= size) std::abort();
  return 0;
}
