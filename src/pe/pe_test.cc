#include "otguard/pe/pe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace otguard::pe {
namespace {

namespace fs = std::filesystem;

// ---- a small, valid PE built in memory --------------------------------------------------------

struct SectionSpec {
  const char* name;
  uint32_t virtual_address;
  uint32_t virtual_size;
  uint32_t raw_offset;
  uint32_t raw_size;
};

struct PeSpec {
  bool pe32_plus = false;
  uint32_t lfanew = 0x40;
  uint32_t entry_point = 0x1010;
  uint32_t file_alignment = 0x200;
  uint32_t section_alignment = 0x1000;
  uint32_t size_of_headers = 0x200;
  uint16_t declared_sections = 0;  // 0: sections.size()
  std::vector<SectionSpec> sections = {{".text", 0x1000, 0x800, 0x200, 0x400},
                                       {".data", 0x2000, 0x100, 0x600, 0x200}};
  size_t file_size = 0x800;
};

void Put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = v & 0xFF;
  b[at + 1] = v >> 8;
}
void Put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = (v >> (8 * i)) & 0xFF;
}

std::vector<uint8_t> BuildPe(const PeSpec& spec) {
  std::vector<uint8_t> b(spec.file_size);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 7 + (i >> 8));
  b[0] = 'M';
  b[1] = 'Z';
  Put32(b, 0x3C, spec.lfanew);
  const size_t pe = spec.lfanew;
  std::memcpy(&b[pe], "PE\0\0", 4);
  const uint16_t opt_size = spec.pe32_plus ? 240 : 224;
  Put16(b, pe + 4, spec.pe32_plus ? 0x8664 : 0x14C);
  Put16(b, pe + 6, spec.declared_sections ? spec.declared_sections : spec.sections.size());
  Put16(b, pe + 20, opt_size);
  Put16(b, pe + 22, 0x102);
  const size_t opt = pe + 24;
  std::memset(&b[opt], 0, opt_size);
  Put16(b, opt, spec.pe32_plus ? 0x20B : 0x10B);
  Put32(b, opt + 16, spec.entry_point);
  if (spec.pe32_plus) {
    Put32(b, opt + 24, 0x40000000);
    Put32(b, opt + 28, 0x1);  // image base 0x1'4000'0000
  } else {
    Put32(b, opt + 28, 0x400000);
  }
  Put32(b, opt + 32, spec.section_alignment);
  Put32(b, opt + 36, spec.file_alignment);
  Put32(b, opt + 56, 0x10000);
  Put32(b, opt + 60, spec.size_of_headers);
  Put16(b, opt + 68, 2);
  Put32(b, opt + (spec.pe32_plus ? 108 : 92), 16);
  size_t h = opt + opt_size;
  for (const SectionSpec& s : spec.sections) {
    std::memset(&b[h], 0, 40);
    std::memcpy(&b[h], s.name, std::strlen(s.name));
    Put32(b, h + 8, s.virtual_size);
    Put32(b, h + 12, s.virtual_address);
    Put32(b, h + 16, s.raw_size);
    Put32(b, h + 20, s.raw_offset);
    Put32(b, h + 36, 0x60000020);
    h += 40;
  }
  return b;
}

bool HasAnomaly(const Image& image, const std::string& needle) {
  for (const auto& a : image.anomalies) {
    if (a.find(needle) != std::string::npos) return true;
  }
  return false;
}

// ---- synthetic files ---------------------------------------------------------------------

TEST(PeParse, ValidPe32) {
  auto bytes = BuildPe({});
  ASSERT_TRUE(LooksLikePe(bytes));
  auto image = Parse(bytes);
  ASSERT_TRUE(image.has_value()) << image.error().ToString();
  EXPECT_FALSE(image->pe32_plus);
  EXPECT_EQ(image->machine, 0x14C);
  EXPECT_EQ(image->image_base, 0x400000u);
  ASSERT_EQ(image->sections.size(), 2u);
  EXPECT_EQ(image->sections[0].name, ".text");
  EXPECT_EQ(image->sections[1].file_offset, 0x600u);
  EXPECT_EQ(image->sections[1].file_size, 0x200u);
  ASSERT_TRUE(image->entry_point_offset.has_value());
  EXPECT_EQ(*image->entry_point_offset, 0x210u);  // RVA 0x1010 in .text at raw 0x200
  EXPECT_FALSE(image->clamav_broken);
  EXPECT_TRUE(image->anomalies.empty()) << image->anomalies.front();
}

TEST(PeParse, ValidPe32Plus) {
  PeSpec spec;
  spec.pe32_plus = true;
  auto image = Parse(BuildPe(spec));
  ASSERT_TRUE(image.has_value()) << image.error().ToString();
  EXPECT_TRUE(image->pe32_plus);
  EXPECT_EQ(image->image_base, 0x140000000u);
  EXPECT_EQ(image->entry_point_offset, 0x210u);
}

TEST(PeParse, NotPe) {
  std::vector<uint8_t> elf = {0x7F, 'E', 'L', 'F', 2, 1, 1, 0};
  EXPECT_FALSE(LooksLikePe(elf));
  auto r = Parse(elf);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("MZ"), std::string_view::npos);
  EXPECT_FALSE(Parse({}).has_value());
}

TEST(PeParse, TruncatedAtEveryLengthNeverCrashesAndSaysWhy) {
  const auto full = BuildPe({});
  const size_t headers_end = 0x40 + 24 + 224 + 2 * 40;
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + n);
    auto r = Parse(cut);
    if (n < headers_end) {
      ASSERT_FALSE(r.has_value()) << "length " << n;
      EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
      EXPECT_FALSE(r.error().message().empty());
    } else {
      // Headers complete: parses, with the raw data clipped to what is there.
      ASSERT_TRUE(r.has_value()) << "length " << n << ": " << r.error().ToString();
      for (const auto& s : r->sections) {
        if (s.file_size != 0) {
          EXPECT_LE(s.file_offset + s.file_size, n);
        }
      }
      if (r->entry_point_offset) {
        EXPECT_LT(*r->entry_point_offset, n);
      }
    }
  }
}

TEST(PeParse, ELfanewOutOfRange) {
  auto bytes = BuildPe({});
  Put32(bytes, 0x3C, 0xFFFFFFF0);  // would wrap a 32-bit offset + size
  auto r = Parse(bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("e_lfanew"), std::string_view::npos);
  EXPECT_FALSE(LooksLikePe(bytes));
  Put32(bytes, 0x3C, 0);
  EXPECT_FALSE(Parse(bytes).has_value());
}

TEST(PeParse, HugeSectionCountIsTruncatedTable) {
  PeSpec spec;
  spec.declared_sections = 0xFFFF;
  auto r = Parse(BuildPe(spec));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("65535 section headers"), std::string_view::npos)
      << r.error().ToString();
}

TEST(PeParse, UnknownOptionalMagic) {
  auto bytes = BuildPe({});
  Put16(bytes, 0x40 + 24, 0x107);  // ROM image
  auto r = Parse(bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("magic"), std::string_view::npos);
}

TEST(PeParse, SectionBeyondEndOfFileKeepsItsIndexWithoutData) {
  PeSpec spec;
  spec.sections[0].raw_offset = 0x10000;
  spec.entry_point = 0x2010;  // in .data
  auto image = Parse(BuildPe(spec));
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->sections[0].file_size, 0u);
  EXPECT_EQ(image->sections[1].file_offset, 0x600u);
  EXPECT_TRUE(HasAnomaly(*image, "beyond the end of file"));
  EXPECT_FALSE(image->clamav_broken);
  EXPECT_EQ(image->entry_point_offset, 0x610u);
}

TEST(PeParse, RawSizeClippedToFile) {
  PeSpec spec;
  spec.sections[1].raw_size = 0x7FFF0000;
  auto image = Parse(BuildPe(spec));
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->sections[1].file_size, 0x800u - 0x600u);
  EXPECT_TRUE(HasAnomaly(*image, "past the end of file"));
}

TEST(PeParse, RawOffsetNear4GiBDoesNotOverflow) {
  PeSpec spec;
  spec.sections[1].raw_offset = 0xFFFFFE00;
  spec.sections[1].raw_size = 0x400;
  auto image = Parse(BuildPe(spec));
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->sections[1].file_size, 0u);
}

TEST(PeParse, WrappedRawSizeIsWhatClamAvRejects) {
  PeSpec spec;
  spec.sections[1].raw_size = 0xFFFFFFFF;  // rounds up to 2^32: wraps to 0
  auto image = Parse(BuildPe(spec));
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->sections[1].file_size, 0u);
  EXPECT_TRUE(image->clamav_broken);
}

TEST(PeParse, RawDataAlignedLikeClamAv) {
  PeSpec spec;
  spec.sections[0].raw_offset = 0x230;  // rounded down to 0x200
  spec.sections[0].raw_size = 0x3F0;    // rounded up to 0x400
  auto image = Parse(BuildPe(spec));
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->sections[0].file_offset, 0x200u);
  EXPECT_EQ(image->sections[0].file_size, 0x400u);
  EXPECT_EQ(image->entry_point_offset, 0x210u);
}

TEST(PeParse, FileAlignmentFallbackTo0x200) {
  PeSpec spec;
  spec.file_alignment = 0x400;  // .data at 0x600 is no multiple of it, but of 0x200
  auto image = Parse(BuildPe(spec));
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->sections[1].file_offset, 0x600u);
  EXPECT_TRUE(HasAnomaly(*image, "using 0x200"));
}

TEST(PeParse, EntryPointInHeaders) {
  PeSpec spec;
  spec.entry_point = 0x40;
  auto image = Parse(BuildPe(spec));
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->entry_point_offset, 0x40u);
}

TEST(PeParse, EntryPointInOverlappingSectionsTakesTheLast) {
  PeSpec spec;
  spec.sections[1].virtual_address = 0x1000;  // both claim RVA 0x1010
  auto image = Parse(BuildPe(spec));
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->entry_point_offset, 0x610u);
  EXPECT_TRUE(HasAnomaly(*image, "overlaps"));
}

TEST(PeParse, EntryPointPastRawDataIsUnmapped) {
  PeSpec spec;
  spec.sections[0].virtual_size = 0x3000;
  spec.sections[1].virtual_address = 0x4000;
  spec.entry_point = 0x1500;  // inside .text's virtual size, past its 0x400 raw bytes
  auto image = Parse(BuildPe(spec));
  ASSERT_TRUE(image.has_value());
  EXPECT_FALSE(image->entry_point_offset.has_value());
  EXPECT_TRUE(image->clamav_broken);
}

TEST(PeParse, NoSections) {
  PeSpec spec;
  spec.sections.clear();
  spec.entry_point = 0x40;
  auto image = Parse(BuildPe(spec));
  ASSERT_TRUE(image.has_value());
  EXPECT_TRUE(image->sections.empty());
  EXPECT_TRUE(image->clamav_broken);
  EXPECT_TRUE(HasAnomaly(*image, "NumberOfSections is 0"));
}

TEST(PeParse, RvaToFileOffsetOutsideEverything) {
  auto bytes = BuildPe({});
  auto image = Parse(bytes);
  ASSERT_TRUE(image.has_value());
  EXPECT_FALSE(RvaToFileOffset(*image, bytes.size(), 0x9000).has_value());
  EXPECT_EQ(RvaToFileOffset(*image, bytes.size(), 0x2004), 0x604u);
}

// ---- Authenticode layout -------------------------------------------------------------------

TEST(AuthenticodeLayout, SkipsChecksumDirectoryEntryAndCertificateTable) {
  for (bool plus : {false, true}) {
    PeSpec spec;
    spec.pe32_plus = plus;
    auto bytes = BuildPe(spec);
    const size_t opt = spec.lfanew + 24;
    const size_t entry = opt + (plus ? 112 : 96) + 32;
    // No signature: everything but the checksum and the directory entry.
    auto layout = AuthenticodeLayoutOf(bytes, bytes.size());
    ASSERT_TRUE(layout.has_value()) << layout.error().ToString();
    EXPECT_EQ(layout->checksum_offset, opt + 64);
    EXPECT_EQ(layout->certificate_entry_offset, entry);
    EXPECT_EQ(layout->certificate_table, FileRange{});
    std::vector<FileRange> want = {
        {0, opt + 64}, {opt + 68, entry - opt - 68}, {entry + 8, bytes.size() - entry - 8}};
    EXPECT_EQ(layout->hashed, want);
    // A table of 0x80 bytes at 0x700, with 0x80 bytes of data after it (still hashed).
    Put32(bytes, entry, 0x700);
    Put32(bytes, entry + 4, 0x80);
    bytes.resize(0x800);
    layout = AuthenticodeLayoutOf(ByteSpan(bytes).first(0x400), bytes.size());
    ASSERT_TRUE(layout.has_value()) << layout.error().ToString();
    EXPECT_EQ(layout->certificate_table, (FileRange{0x700, 0x80}));
    want.back() = {entry + 8, 0x700 - entry - 8};
    want.push_back({0x780, 0x80});
    EXPECT_EQ(layout->hashed, want);
  }
}

TEST(AuthenticodeLayout, RefusesWhatCannotBeHashed) {
  PeSpec spec;
  auto bytes = BuildPe(spec);
  const size_t opt = spec.lfanew + 24;
  const size_t entry = opt + 96 + 32;
  Put32(bytes, entry, 0x7F0);  // 0x7F0 + 0x20 > 0x800
  Put32(bytes, entry + 4, 0x20);
  auto layout = AuthenticodeLayoutOf(bytes, bytes.size());
  ASSERT_FALSE(layout.has_value());
  EXPECT_NE(layout.error().message().find("beyond the end of the file"), std::string::npos);
  Put32(bytes, entry, 0x10);  // inside the headers
  layout = AuthenticodeLayoutOf(bytes, bytes.size());
  ASSERT_FALSE(layout.has_value());
  EXPECT_NE(layout.error().message().find("overlaps the PE headers"), std::string::npos);
  Put32(bytes, opt + 92, 4);  // NumberOfRvaAndSizes: no entry 4
  layout = AuthenticodeLayoutOf(bytes, bytes.size());
  ASSERT_FALSE(layout.has_value());
  EXPECT_NE(layout.error().message().find("no Certificate Table entry"), std::string::npos);
  // Headers cut at every length: a clear error, never a read outside the span.
  auto good = BuildPe(spec);
  for (size_t n = 0; n < entry + 8; ++n) {
    EXPECT_FALSE(AuthenticodeLayoutOf(ByteSpan(good).first(n), good.size()).has_value()) << n;
  }
  EXPECT_TRUE(AuthenticodeLayoutOf(ByteSpan(good).first(entry + 8), good.size()).has_value());
}

// ---- real files ------------------------------------------------------------------------------

std::vector<uint8_t> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

std::string RunCommand(const std::string& cmd, int* status) {
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  *status = pclose(pipe);
  return out;
}

// Real PE files on this machine: ClamAV's test files and a sample of Wine's DLLs.
std::vector<fs::path> RealPeFiles(size_t wine_sample) {
  std::vector<fs::path> files;
  const fs::path clam = "/usr/share/clamav-testfiles";
  if (fs::is_directory(clam)) {
    for (const auto& e : fs::directory_iterator(clam)) {
      if (e.path().extension() == ".exe") files.push_back(e.path());
    }
  }
  std::vector<fs::path> wine;
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu/wine/x86_64-windows",
                          "/usr/lib/x86_64-linux-gnu/wine/i386-windows",
                          "/usr/lib/i386-linux-gnu/wine/i386-windows"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) wine.push_back(e.path());
  }
  std::sort(wine.begin(), wine.end());
  for (size_t i = 0; i < wine.size() && wine_sample > 0;
       i += std::max<size_t>(1, wine.size() / wine_sample)) {
    files.push_back(wine[i]);
  }
  std::sort(files.begin(), files.end());
  // The first file is the base of the hand-made variants: one with four plain sections.
  auto base = std::find_if(files.begin(), files.end(),
                           [](const fs::path& p) { return p.filename() == "clam_IScab_ext.exe"; });
  if (base != files.end()) std::iter_swap(files.begin(), base);
  return files;
}

std::string QuotedList(const std::vector<fs::path>& files) {
  std::string s;
  for (const auto& f : files) s += " '" + f.string() + "'";
  return s;
}

// Cross-checks the header fields against python3-pefile, an independent parser.
TEST(PeRealFiles, FieldsMatchPefile) {
  int status = 0;
  RunCommand("/usr/bin/python3 -c 'import pefile' 2>/dev/null", &status);
  // The oracle and the files are declared test dependencies (scripts/install-deps.sh, which
  // `make test` runs): without them this test would pass having compared nothing.
  ASSERT_EQ(status, 0) << "python3-pefile is missing: run scripts/install-deps.sh";
  auto files = RealPeFiles(60);
  ASSERT_FALSE(files.empty()) << "no real PE files: clamav-testfiles and wine64 are missing "
                                 "(scripts/install-deps.sh)";
  const std::string script = R"PY(
import json, sys, pefile
for path in sys.argv[1:]:
    pe = pefile.PE(path, fast_load=True)
    print(json.dumps({"path": path, "ep": pe.OPTIONAL_HEADER.AddressOfEntryPoint,
        "plus": pe.OPTIONAL_HEADER.Magic == 0x20b, "base": pe.OPTIONAL_HEADER.ImageBase,
        "sections": [[s.VirtualAddress, s.Misc_VirtualSize, s.PointerToRawData, s.SizeOfRawData]
                     for s in pe.sections]}))
)PY";
  const fs::path script_path = fs::temp_directory_path() / "otguard_pe_test_pefile.py";
  std::ofstream(script_path) << script;
  const std::string out =
      RunCommand("/usr/bin/python3 " + script_path.string() + QuotedList(files), &status);
  ASSERT_EQ(status, 0) << out;
  size_t checked = 0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    auto want = nlohmann::json::parse(line);
    const std::string path = want["path"];
    auto image = Parse(ReadFile(path));
    ASSERT_TRUE(image.has_value()) << path << ": " << image.error().ToString();
    EXPECT_EQ(image->entry_point_rva, want["ep"].get<uint32_t>()) << path;
    EXPECT_EQ(image->pe32_plus, want["plus"].get<bool>()) << path;
    EXPECT_EQ(image->image_base, want["base"].get<uint64_t>()) << path;
    ASSERT_EQ(image->sections.size(), want["sections"].size()) << path;
    for (size_t i = 0; i < image->sections.size(); ++i) {
      const auto& s = image->sections[i];
      const auto& w = want["sections"][i];
      EXPECT_EQ(s.virtual_address, w[0].get<uint32_t>()) << path << " section " << i;
      EXPECT_EQ(s.virtual_size, w[1].get<uint32_t>()) << path << " section " << i;
      EXPECT_EQ(s.raw_offset, w[2].get<uint32_t>()) << path << " section " << i;
      EXPECT_EQ(s.raw_size, w[3].get<uint32_t>()) << path << " section " << i;
    }
    ++checked;
  }
  EXPECT_EQ(checked, files.size());
  fs::remove(script_path);
}

// The differential test against clamscan: signatures at the offsets this parser computes must
// match there (and one byte later must not), on real files and on hand-made odd variants.
TEST(PeRealFiles, OffsetsMatchClamscan) {
  int status = 0;
  RunCommand("command -v clamscan >/dev/null 2>&1", &status);
  ASSERT_EQ(status, 0) << "clamscan is missing: run scripts/install-deps.sh";
  auto files = RealPeFiles(40);
  ASSERT_FALSE(files.empty()) << "no real PE files: clamav-testfiles and wine64 are missing "
                                 "(scripts/install-deps.sh)";
  const fs::path mutants =
      fs::temp_directory_path() / ("otguard_pe_mutants_" + std::to_string(std::random_device()()));
  const std::string out = RunCommand(std::string("/usr/bin/python3 ") + OTGUARD_PE_CHECK_SCRIPT +
                                         " " + OTGUARD_PE_DUMP + " --mutants " + mutants.string() +
                                         QuotedList(files) + " 2>&1",
                                     &status);
  fs::remove_all(mutants);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find(" 0 failed"), std::string::npos) << out;
}

}  // namespace
}  // namespace otguard::pe
