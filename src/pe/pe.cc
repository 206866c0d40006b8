// PE parsing. Every read goes through ReadLe*/bounds checks on the caller's span; no header
// field is trusted as an offset or count until it has been checked against the file size.
//
// Offsets follow ClamAV (libclamav cli_peheader / cli_rawaddr, 1.x) because body signatures
// with EP+n, Sx+n, SL+n and SEx offsets are compared against clamscan. Its rules, re-derived from
// its documented behaviour and verified against clamscan 1.4 (src/pe/pe_test.cc and the report):
//  - A section's file data starts at PointerToRawData rounded DOWN to FileAlignment and is
//    SizeOfRawData rounded UP to FileAlignment long, then clipped to the end of the file. The
//    round-up is 32-bit arithmetic and wraps: SizeOfRawData 0xFFFFFFFF becomes 0 (no raw data;
//    but see the sign-bit rule below).
//  - FileAlignment "fallback": when FileAlignment is not 0x200 and some section with raw data
//    has a PointerToRawData that is not a multiple of FileAlignment but is one of 0x200, 0x200
//    is used as the file alignment for every section.
//  - The virtual address is rounded down to SectionAlignment; an alignment of 0 means "as is".
//  - A section with raw data that starts at or beyond the end of the file keeps its index but
//    has no data (S<i> offsets into it never match); the other sections are unaffected.
//  - The entry point: an RVA below SizeOfHeaders (rounded up to SectionAlignment) is its own file
//    offset (if inside the file). Otherwise the sections are searched from the LAST to the first
//    for one with raw data whose aligned [VA, VA + aligned raw size) holds the RVA: the raw size,
//    not the virtual size, bounds the section. An entry point in no section (or in a section's
//    virtual tail, past its raw data) makes ClamAV reject the file: then no offset resolves,
//    not even Sx+n (Image::clamav_broken).
//  - A section value with bit 31 set after alignment and clipping (VirtualAddress, VirtualSize,
//    an unclipped SizeOfRawData such as 0xFFFFFFFF) makes ClamAV reject the file too.
//  - So do NumberOfSections 0 (even an entry point inside the headers does not resolve) and a
//    SizeOfOptionalHeader smaller than the fixed part of the optional header.
//  - SEx (not resolved here, but by the matcher from file_offset/file_size): clamscan reports a
//    pattern lying wholly inside the section. Patterns overhanging the section's end, and
//    patterns in a section clipped at the end of the file, are reported erratically (it depends
//    on which of ClamAV's matchers holds the signature), so no rule is copied for those.
#include "otguard/pe/pe.h"

#include <algorithm>
#include <string_view>

#include "fmt/format.h"

namespace otguard::pe {
namespace {

constexpr uint16_t kMz = 0x5A4D;               // "MZ"
constexpr uint32_t kPeSignature = 0x00004550;  // "PE\0\0"
constexpr uint16_t kPe32Magic = 0x10B;
constexpr uint16_t kPe32PlusMagic = 0x20B;
constexpr uint64_t kFileHeaderSize = 20;
constexpr uint64_t kSectionHeaderSize = 40;
// The optional header up to and including NumberOfRvaAndSizes.
constexpr uint64_t kOptionalFixedPe32 = 96;
constexpr uint64_t kOptionalFixedPe32Plus = 112;
constexpr uint16_t kSubsystemNative = 1;

// ClamAV's PEALIGN: round down; an alignment of 0 leaves the value alone.
uint32_t AlignDown(uint32_t value, uint32_t alignment) {
  return alignment ? value / alignment * alignment : value;
}

// ClamAV's PESALIGN: round up in 32-bit arithmetic, which wraps to a small value (usually 0)
// near 4 GiB. Kept on purpose: that is how ClamAV sees such a section.
uint32_t AlignUpWrapping(uint32_t value, uint32_t alignment) {
  if (alignment == 0) return value;
  uint32_t blocks = value / alignment + (value % alignment != 0 ? 1 : 0);
  return blocks * alignment;  // unsigned: wraps modulo 2^32
}

std::string SectionName(ByteSpan header) {
  std::string name(reinterpret_cast<const char*>(header.data()), 8);
  name.resize(std::min(name.find('\0'), name.size()));
  return name;
}

Status NotPe(std::string_view why) {
  return InvalidArgument(fmt::format("not a PE file: {}", why));
}

// Reads e_lfanew and checks the DOS and PE signatures.
Result<uint64_t> ReadPeHeaderOffset(ByteSpan file) {
  auto mz = ReadLe16(file, 0);
  if (!mz || *mz != kMz) return Unexpected(NotPe("no MZ signature"));
  auto lfanew = ReadLe32(file, 0x3C);
  if (!lfanew)
    return Unexpected(NotPe(fmt::format("truncated DOS header ({} bytes)", file.size())));
  if (*lfanew == 0) return Unexpected(NotPe("e_lfanew is 0"));
  if (uint64_t{*lfanew} + 4 + kFileHeaderSize > file.size()) {
    return Unexpected(NotPe(fmt::format(
        "e_lfanew {:#x} points beyond the headers' end (file is {} bytes)", *lfanew, file.size())));
  }
  if (ReadLe32(file, *lfanew) != kPeSignature) {
    return Unexpected(NotPe(fmt::format("no PE signature at e_lfanew {:#x}", *lfanew)));
  }
  return uint64_t{*lfanew};
}

struct FileHeader {
  uint16_t machine;
  uint16_t number_of_sections;
  uint32_t timestamp;
  uint16_t size_of_optional_header;
  uint16_t characteristics;
};

FileHeader ReadFileHeader(ByteSpan file, uint64_t at) {
  // The caller checked that the 20 bytes are in the file.
  return FileHeader{*ReadLe16(file, at), *ReadLe16(file, at + 2), *ReadLe32(file, at + 4),
                    *ReadLe16(file, at + 16), *ReadLe16(file, at + 18)};
}

// Reads the optional header's fixed part (through NumberOfRvaAndSizes) into `image`.
Status ReadOptionalHeader(ByteSpan file, uint64_t at, uint16_t declared_size, Image& image) {
  auto magic = ReadLe16(file, at);
  if (!magic) return InvalidArgument("truncated PE: optional header missing");
  if (*magic != kPe32Magic && *magic != kPe32PlusMagic) {
    return InvalidArgument(fmt::format("unknown optional header magic {:#x}", *magic));
  }
  image.pe32_plus = *magic == kPe32PlusMagic;
  const uint64_t fixed = image.pe32_plus ? kOptionalFixedPe32Plus : kOptionalFixedPe32;
  if (at + fixed > file.size()) {
    return InvalidArgument(
        fmt::format("truncated PE: optional header needs {} bytes at {:#x}, file is {}", fixed, at,
                    file.size()));
  }
  if (declared_size < fixed) {
    image.anomalies.push_back(
        fmt::format("SizeOfOptionalHeader {} smaller than the {} bytes of a {}", declared_size,
                    fixed, image.pe32_plus ? "PE32+" : "PE32"));
    image.clamav_broken = true;
  }
  image.entry_point_rva = *ReadLe32(file, at + 16);
  image.image_base = image.pe32_plus ? *ReadLe64(file, at + 24) : *ReadLe32(file, at + 28);
  image.section_alignment = *ReadLe32(file, at + 32);
  image.file_alignment = *ReadLe32(file, at + 36);
  image.size_of_image = *ReadLe32(file, at + 56);
  image.size_of_headers = *ReadLe32(file, at + 60);
  image.subsystem = *ReadLe16(file, at + 68);
  image.dll_characteristics = *ReadLe16(file, at + 70);
  image.number_of_rva_and_sizes = *ReadLe32(file, at + fixed - 4);
  return Status::Ok();
}

void NoteAlignmentAnomalies(Image& image) {
  if (image.subsystem == kSubsystemNative) return;  // drivers may use any alignment
  if (image.section_alignment == 0 || image.section_alignment % 0x1000 != 0) {
    image.anomalies.push_back(
        fmt::format("unusual SectionAlignment {:#x}", image.section_alignment));
  }
  if (image.file_alignment == 0 || image.file_alignment % 0x200 != 0) {
    image.anomalies.push_back(fmt::format("unusual FileAlignment {:#x}", image.file_alignment));
  }
}

Result<std::vector<Section>> ReadSectionTable(ByteSpan file, uint64_t at, uint16_t count) {
  const uint64_t end = at + uint64_t{count} * kSectionHeaderSize;
  if (end > file.size()) {
    return Unexpected(InvalidArgument(
        fmt::format("truncated PE: {} section headers at {:#x} need {} bytes, file is {}", count,
                    at, end - at, file.size())));
  }
  std::vector<Section> sections(count);
  for (uint16_t i = 0; i < count; ++i) {
    const uint64_t h = at + uint64_t{i} * kSectionHeaderSize;
    Section& s = sections[i];
    s.name = SectionName(file.subspan(h, 8));
    s.virtual_size = *ReadLe32(file, h + 8);
    s.virtual_address = *ReadLe32(file, h + 12);
    s.raw_size = *ReadLe32(file, h + 16);
    s.raw_offset = *ReadLe32(file, h + 20);
    s.characteristics = *ReadLe32(file, h + 36);
  }
  return sections;
}

// ClamAV's FileAlignment fallback (see the file comment).
uint32_t EffectiveFileAlignment(const Image& image) {
  uint32_t falign = image.file_alignment;
  if (falign == 0x200 || falign == 0) return falign;
  for (const Section& s : image.sections) {
    if (s.raw_size != 0 && s.raw_offset % falign != 0 && s.raw_offset % 0x200 == 0) return 0x200;
  }
  return falign;
}

bool SignBitSet(uint64_t v) { return (v & 0x80000000u) != 0; }

// ClamAV rejects a file whose section values, after its alignment and clipping, have bit 31
// set ("PE values with sign bit set"). The raw size counts as written unless it was clipped,
// so SizeOfRawData 0xFFFFFFFF (aligned: wraps to 0, never clipped) trips it, 0x80000000 not.
bool ClamAvSignBitReject(const Section& s, uint64_t clipped_raw_size, uint32_t section_alignment) {
  return SignBitSet(s.virtual_address_aligned) ||
         SignBitSet(AlignUpWrapping(s.virtual_size, section_alignment)) ||
         SignBitSet(s.virtual_address) || SignBitSet(s.virtual_size) ||
         SignBitSet(clipped_raw_size);
}

// Clips one section's raw range to the file; returns SizeOfRawData as ClamAV keeps it.
uint64_t ClipToFile(Image& image, size_t i, uint64_t file_size) {
  Section& s = image.sections[i];
  if (s.file_size == 0) return s.raw_size;  // virtual-only (maybe by wrapping): not clipped
  if (s.file_offset >= file_size || s.raw_offset >= file_size) {
    image.anomalies.push_back(
        fmt::format("section {} ({}) raw data at {:#x} starts beyond the end of file ({} bytes)", i,
                    s.name, s.raw_offset, file_size));
    s.file_size = 0;
    return 0;
  }
  if (s.file_offset + s.file_size > file_size) {
    image.anomalies.push_back(
        fmt::format("section {} ({}) raw data runs {} bytes past the end of file", i, s.name,
                    s.file_offset + s.file_size - file_size));
    s.file_size = file_size - s.file_offset;
  }
  return std::min<uint64_t>(s.raw_size, file_size - s.raw_offset);
}

// Fills each section's aligned, clipped file range; notes what ClamAV rejects.
void PlaceSections(Image& image, uint64_t file_size) {
  const uint32_t falign = EffectiveFileAlignment(image);
  if (falign != image.file_alignment) {
    image.anomalies.push_back(fmt::format(
        "section raw offsets not aligned to FileAlignment {:#x}; using 0x200 as ClamAV does",
        image.file_alignment));
  }
  for (size_t i = 0; i < image.sections.size(); ++i) {
    Section& s = image.sections[i];
    s.virtual_address_aligned = AlignDown(s.virtual_address, image.section_alignment);
    s.file_offset = AlignDown(s.raw_offset, falign);
    s.file_size = AlignUpWrapping(s.raw_size, falign);
    const uint64_t kept_raw_size = ClipToFile(image, i, file_size);
    if (ClamAvSignBitReject(s, kept_raw_size, image.section_alignment)) {
      image.anomalies.push_back(
          fmt::format("section {} ({}) has a size or address >= 2 GiB", i, s.name));
      image.clamav_broken = true;
    }
  }
}

void NoteLayoutAnomalies(Image& image) {
  uint64_t previous_end = 0;
  for (size_t i = 0; i < image.sections.size(); ++i) {
    const Section& s = image.sections[i];
    const uint64_t vsize = std::max<uint64_t>(s.virtual_size, s.raw_size);
    if (s.virtual_address < previous_end) {
      image.anomalies.push_back(
          fmt::format("section {} ({}) overlaps or precedes the previous one "
                      "in memory",
                      i, s.name));
    }
    previous_end = std::max(previous_end, uint64_t{s.virtual_address} + vsize);
  }
  if (previous_end > image.size_of_image && !image.sections.empty()) {
    image.anomalies.push_back(fmt::format("sections end at RVA {:#x}, beyond SizeOfImage {:#x}",
                                          previous_end, image.size_of_image));
  }
}

Result<Image> ParseHeaders(ByteSpan file) {
  OTGUARD_ASSIGN_OR_RETURN(uint64_t lfanew, ReadPeHeaderOffset(file));
  Image image;
  image.e_lfanew = lfanew;
  const FileHeader fh = ReadFileHeader(file, lfanew + 4);
  image.machine = fh.machine;
  image.timestamp = fh.timestamp;
  image.characteristics = fh.characteristics;
  const uint64_t optional_at = lfanew + 4 + kFileHeaderSize;
  OTGUARD_RETURN_IF_ERROR(ReadOptionalHeader(file, optional_at, fh.size_of_optional_header, image));
  NoteAlignmentAnomalies(image);
  if (image.number_of_rva_and_sizes > 16) {
    image.anomalies.push_back(
        fmt::format("NumberOfRvaAndSizes {} > 16", image.number_of_rva_and_sizes));
  }
  if (fh.number_of_sections == 0) {
    image.anomalies.push_back("NumberOfSections is 0");
    image.clamav_broken = true;
  }
  image.section_table_offset = optional_at + fh.size_of_optional_header;
  OTGUARD_ASSIGN_OR_RETURN(
      image.sections, ReadSectionTable(file, image.section_table_offset, fh.number_of_sections));
  return image;
}

}  // namespace

bool LooksLikePe(ByteSpan file) { return ReadPeHeaderOffset(file).has_value(); }

std::optional<uint64_t> RvaToFileOffset(const Image& image, uint64_t file_size, uint32_t rva) {
  const uint32_t header_size = AlignUpWrapping(image.size_of_headers, image.section_alignment);
  if (rva < header_size) {
    if (rva >= file_size) return std::nullopt;
    return rva;
  }
  // Last to first, as ClamAV does: with overlapping sections the later one wins.
  for (size_t i = image.sections.size(); i-- > 0;) {
    const Section& s = image.sections[i];
    if (s.file_size != 0 && s.virtual_address_aligned <= rva &&
        s.file_size > rva - s.virtual_address_aligned) {
      return s.file_offset + (rva - s.virtual_address_aligned);
    }
  }
  return std::nullopt;
}

Result<AuthenticodeLayout> AuthenticodeLayoutOf(ByteSpan headers, uint64_t file_size) {
  constexpr uint32_t kCertificateTableIndex = 4;
  constexpr uint64_t kChecksumOffset = 64;  // in the optional header, PE32 and PE32+ alike
  if (headers.size() > file_size) headers = headers.first(file_size);
  OTGUARD_ASSIGN_OR_RETURN(uint64_t lfanew, ReadPeHeaderOffset(headers));
  const uint64_t optional_at = lfanew + 4 + kFileHeaderSize;
  const uint16_t declared_size = *ReadLe16(headers, lfanew + 4 + 16);
  Image image;
  OTGUARD_RETURN_IF_ERROR(ReadOptionalHeader(headers, optional_at, declared_size, image));
  const uint64_t fixed = image.pe32_plus ? kOptionalFixedPe32Plus : kOptionalFixedPe32;
  const uint64_t entry_at = optional_at + fixed + kCertificateTableIndex * 8;
  if (image.number_of_rva_and_sizes <= kCertificateTableIndex ||
      declared_size < fixed + (kCertificateTableIndex + 1) * 8) {
    return Unexpected(InvalidArgument(
        fmt::format("no Certificate Table entry in the data directory (NumberOfRvaAndSizes {}, "
                    "SizeOfOptionalHeader {})",
                    image.number_of_rva_and_sizes, declared_size)));
  }
  if (entry_at + 8 > headers.size()) {
    return Unexpected(InvalidArgument(
        fmt::format("the Certificate Table entry at {:#x} lies beyond the {} header bytes given",
                    entry_at, headers.size())));
  }
  AuthenticodeLayout layout;
  layout.checksum_offset = optional_at + kChecksumOffset;
  layout.certificate_entry_offset = entry_at;
  const uint64_t table_offset = *ReadLe32(headers, entry_at);
  const uint64_t table_size = *ReadLe32(headers, entry_at + 4);
  if (table_offset != 0 && table_size != 0) {
    if (table_offset + table_size > file_size) {
      return Unexpected(InvalidArgument(fmt::format(
          "the certificate table [{:#x}, +{:#x}) ends beyond the end of the file ({} bytes)",
          table_offset, table_size, file_size)));
    }
    if (table_offset < entry_at + 8) {
      return Unexpected(InvalidArgument(
          fmt::format("the certificate table at {:#x} overlaps the PE headers", table_offset)));
    }
    layout.certificate_table = FileRange{table_offset, table_size};
  }
  // The three holes are in ascending order: checksum < entry < table (checked above).
  const FileRange holes[] = {{layout.checksum_offset, 4}, {entry_at, 8}, layout.certificate_table};
  uint64_t at = 0;
  for (const FileRange& hole : holes) {
    if (hole.size == 0) continue;
    if (hole.offset > at) layout.hashed.push_back({at, hole.offset - at});
    at = hole.offset + hole.size;
  }
  if (file_size > at) layout.hashed.push_back({at, file_size - at});
  return layout;
}

Result<Image> Parse(ByteSpan file) {
  OTGUARD_ASSIGN_OR_RETURN(Image image, ParseHeaders(file));
  PlaceSections(image, file.size());
  NoteLayoutAnomalies(image);
  image.entry_point_offset = RvaToFileOffset(image, file.size(), image.entry_point_rva);
  if (!image.entry_point_offset) {
    image.anomalies.push_back(
        fmt::format("entry point RVA {:#x} maps to no file offset", image.entry_point_rva));
    image.clamav_broken = true;
  }
  return image;
}

}  // namespace otguard::pe
