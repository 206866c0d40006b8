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
  uint32_t virtual_address_aligned = 0;  // VirtualAddress rounded down to SectionAlignment
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
  uint32_t number_of_rva_and_sizes = 0;
  uint64_t e_lfanew = 0;              // file offset of the "PE\0\0" signature
  uint64_t section_table_offset = 0;  // file offset of the first section header
  // File offset of the entry point, mapped through the sections as ClamAV does; unset when
  // it falls outside the file.
  std::optional<uint64_t> entry_point_offset;
  // True when ClamAV's PE header parser (cli_peheader) rejects this file as broken; it then
  // resolves no EP/Sx/SL/SEx offset at all, so a target-1 signature with such an offset never
  // matches there even though `sections` and `entry_point_offset` may be set here. A scanner
  // that wants ClamAV's verdicts should present no executable layout in that case.
  bool clamav_broken = false;
  std::vector<Section> sections;
  // Header oddities that did not stop parsing ("section 3 raw data beyond end of file").
  std::vector<std::string> anomalies;
};

// Quick test on the DOS and PE signatures ("MZ", e_lfanew in the file, "PE\0\0" there).
bool LooksLikePe(ByteSpan file);

// Parses the headers and section table of `file`. Pass the whole file: section sizes and the
// entry point are clipped to / checked against `file.size()`. Never reads outside `file`.
// InvalidArgument when it is not a PE, or its headers or section table are truncated.
// Oddities that a loader or ClamAV tolerate land in Image::anomalies instead.
// Thread-safe (no shared state).
Result<Image> Parse(ByteSpan file);

// What an Authenticode digest covers (Microsoft, "Windows Authenticode Portable Executable
// Signature Format", 2008; the digest AppLocker's hash rules and security catalogs use): the
// whole file except the optional header's CheckSum, the Certificate Table entry of the data
// directory (index 4), and the attribute certificate table that entry points at (a file offset,
// not an RVA). Data after the certificate table (the format wants the table last) stays hashed.
struct FileRange {
  uint64_t offset = 0;
  uint64_t size = 0;
  friend bool operator==(const FileRange&, const FileRange&) = default;
};
struct AuthenticodeLayout {
  uint64_t checksum_offset = 0;           // 4 bytes
  uint64_t certificate_entry_offset = 0;  // 8 bytes: VirtualAddress (a file offset) and Size
  FileRange certificate_table;            // {0, 0} when the file carries no signature
  std::vector<FileRange> hashed;          // ascending, disjoint; what the digest covers
};

// `headers` is the start of the file (at least through the data directory: the first 4 KiB
// suffice for any linker's output); `file_size` the whole file's size. InvalidArgument when it
// is not a PE, the directory has no Certificate Table entry (NumberOfRvaAndSizes < 5), or the
// table it names lies outside the file or inside the headers. Thread-safe.
Result<AuthenticodeLayout> AuthenticodeLayoutOf(ByteSpan headers, uint64_t file_size);

// Maps an RVA to a file offset with ClamAV's rule (see pe.cc); nullopt when it maps outside
// the file or into no section with raw data.
std::optional<uint64_t> RvaToFileOffset(const Image& image, uint64_t file_size, uint32_t rva);

}  // namespace otguard::pe

#endif  // OTGUARD_PE_PE_H_
