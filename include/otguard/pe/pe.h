// PE (Portable Executable) parsing: bounds-checked, never trusting a header field.
#ifndef OTGUARD_PE_PE_H_
#define OTGUARD_PE_PE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "otguard/base/bytes.h"
#include "otguard/base/status.h"

namespace otguard::pe {

struct Section {
  std::string name;  // up to 8 characters, NULs stripped
  uint32_t virtual_address = 0;
  uint32_t virtual_size = 0;
  uint32_t raw_offset = 0;  // PointerToRawData as written
  uint32_t raw_size = 0;    // SizeOfRawData as written
  uint32_t characteristics = 0;
  // Where a loader (and ClamAV) finds the section's data in the file: aligned per the file
  // alignment and clipped to the file. Zero size when the section has no data in the file.
  uint64_t file_offset = 0;
  uint64_t file_size = 0;
};

struct Image {
  bool pe32_plus = false;
  uint16_t machine = 0;
  uint16_t characteristics = 0;
  uint32_t timestamp = 0;
  uint16_t subsystem = 0;
  uint16_t dll_characteristics = 0;
  uint64_t image_base = 0;
  uint32_t entry_point_rva = 0;
  uint32_t file_alignment = 0;
  uint32_t section_alignment = 0;
  uint32_t size_of_image = 0;
  uint32_t size_of_headers = 0;
  // File offset of the entry point, mapped through the sections as ClamAV does; unset when
  // it falls outside the file.
  std::optional<uint64_t> entry_point_offset;
  std::vector<Section> sections;
  // Header oddities that did not stop parsing ("section 3 raw data beyond end of file").
  std::vector<std::string> anomalies;
};

// Quick test on the DOS and PE signatures.
bool LooksLikePe(ByteSpan file);

// Parses the headers and section table of `file` (the whole file, or at least its headers).
// InvalidArgument when it is not a PE, or its headers cannot be read.
Result<Image> Parse(ByteSpan file);

}  // namespace otguard::pe

#endif  // OTGUARD_PE_PE_H_
