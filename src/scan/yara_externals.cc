#include "scan/yara_externals.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string_view>

namespace otguard::scan {
namespace {

using namespace std::string_view_literals;

struct Magic {
  std::string_view bytes;
  std::string_view type;
};

// The magics and names of signature-base's misc/file-type-signatures.txt, the list LOKI reads
// (a name listed twice for one magic: the later one, as LOKI's dictionary keeps it). The
// vocabulary is the rules' (`filetype == "EXE"`), so it is kept as published, odd entries
// included ("TAR" at offset 0, "SYS" for a first byte E8/E9/EB).
constexpr Magic kMagics[] = {
    {"\x1F\x8B\x08"sv, "GZIP"},
    {"\x25\x50\x44\x46"sv, "PDF"},
    {"\x30\x00\x00\x00\x4C\x66\x4C\x65"sv, "EVT"},
    {"\x50\x4B\x03\x04\x14\x00\x06\x00"sv, "Office"},
    {"\x50\x4B\x03\x04\x14\x00\x08\x00"sv, "JAR"},
    {"\x50\x4B\x53\x70\x58"sv, "PKSFX"},
    {"\x37\x7A\xBC\xAF\x27\x1C"sv, "7Zip"},
    {"\x46\x75\x6E\x63\x74\x69\x6F\x6E"sv, "VBS"},
    {"\x42\x5A\x68"sv, "BZip2"},
    {"\x5F\x27\xA8\x89"sv, "JAR"},
    {"\xFF\xD8\xFF"sv, "JPEG"},
    {"\x50\x4B\x05\x06"sv, "PKZIP"},
    {"\x52\x61\x72\x21\x1A\x07"sv, "RAR"},
    {"\x57\x69\x6E\x5A\x69\x70"sv, "WinZIP"},
    {"\x72\x65\x67\x66"sv, "Registry Hive"},
    {"\x7B\x5C\x72\x74\x66\x31"sv, "RTF"},
    {"\x75\x73\x74\x61\x72"sv, "TAR"},
    {"\xD4\xC3\xB2\xA1"sv, "WINPCAP"},
    {"\xA1\xB2\xC3\xD4"sv, "LIBPCAP"},
    {"\xA1\xB2\xCD\x34"sv, "LIBPCAP"},
    {"\xCA\xFE\xBA\xBE"sv, "Class"},
    {"\xFF\x4B\x45\x59\x42\x20\x20\x20"sv, "SYS Keyboard Driver"},
    {"\xFF\xFE\x3C\x00\x3F\x00\x78\x00\x6D\x00\x6C"sv, "Windows At Job"},
    {"\x3C\x3F\x70\x68\x70"sv, "PHP"},
    {"\x0D\x44\x4F\x43"sv, "DOC"},
    {"\x23\x20\x44\x69\x73\x6B\x20\x44"sv, "VMDK"},
    {"\x45\x6C\x66\x46\x69\x6C"sv, "EVTX"},
    {"\x41\x45\x53"sv, "AESCrypt"},
    {"\x43\x4F\x57\x44"sv, "VMDK"},
    {"\x3C\x3F\x78\x6D"sv, "XML"},
    {"\x3C\x3F\x58\x4D"sv, "XML"},
    {"\x43\x57\x53"sv, "CWS"},
    {"\x5A\x57\x53"sv, "ZWS"},
    {"\x47\x49\x46"sv, "GIF"},
    {"\x46\x49\x4C\x45"sv, "NTFS MFT"},
    {"\x4A\x41\x52\x43\x53\x00"sv, "JARCS"},
    {"\x4B\x44\x4D"sv, "VMDK"},
    {"\x4C\x00\x00\x00\x01\x14\x02\x00"sv, "LNK"},
    {"\x4D\x53\x43\x46"sv, "CAB"},
    {"\x50\x4B\x03\x04"sv, "ZIP"},
    {"\xFF\xFE\x3C\x00\x25\x00\x40"sv, "JSP"},
    {"\x5F\x43\x41\x53\x45\x5F"sv, "Encase File"},
    {"\x63\x6F\x6E\x65\x63\x74\x69\x78"sv, "VHD"},
    {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"sv, "OLE"},
    {"\xFF\xFF\xFF\xFF"sv, "SYS"},
    {"\x23\x21\x2F"sv, "UNIX SCRIPT"},
    {"\x4D\x44\x4D\x50"sv, "MDMP"},
    {"\x46\x57\x53"sv, "FWS (Flash)"},
    {"\x7F\x45"sv, "ELF"},
    {"\x23\x21"sv, "Script"},
    {"\x60\xEA"sv, "ARJ"},
    {"\x1F\x9D"sv, "TARZ"},
    {"\x1F\xA0"sv, "TARZ"},
    {"\x3C\x25"sv, "JSP"},
    {"\x4D\x5A"sv, "EXE"},
    {"\xFF\xFE"sv, "Windows Registry File"},
    {"\xE8"sv, "SYS"},
    {"\xE9"sv, "SYS"},
    {"\xEB"sv, "SYS"},
};

bool IsIdentifierStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsYaraInteger(std::string_view v) {
  if (!v.empty() && v[0] == '-') v.remove_prefix(1);
  return IsDigits(v);
}

// yara -d: a digit first, digits, one '.', digits or nothing ("1." is a float, ".5" is not).
bool IsYaraFloat(std::string_view v) {
  if (!v.empty() && v[0] == '-') v.remove_prefix(1);
  size_t dot = v.find('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  std::string_view after = v.substr(dot + 1);
  return IsDigits(v.substr(0, dot)) && (after.empty() || IsDigits(after));
}

}  // namespace

std::string_view FileTypeOf(ByteSpan head) {
  std::string_view bytes(reinterpret_cast<const char*>(head.data()), head.size());
  const Magic* best = nullptr;
  for (const Magic& m : kMagics) {
    if (bytes.starts_with(m.bytes) && (best == nullptr || m.bytes.size() > best->bytes.size())) {
      best = &m;
    }
  }
  return best != nullptr ? best->type : "UNKNOWN"sv;
}

std::string ExtensionOf(std::string_view filename) {
  size_t start = filename.find_first_not_of('.');
  if (start == std::string_view::npos) return "";
  size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot < start) return "";
  std::string ext(filename.substr(dot));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

YaraFileFacts FileFactsFor(std::string_view filename, std::string_view directory, ByteSpan head,
                           std::string owner) {
  YaraFileFacts facts;
  facts.filename = std::string(filename);
  facts.filepath = std::string(directory);
  facts.extension = ExtensionOf(filename);
  facts.filetype = std::string(FileTypeOf(head));
  facts.owner = std::move(owner);
  return facts;
}

Result<YaraDefine> ParseYaraDefine(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return Unexpected(
        InvalidArgument("--yara-define '" + std::string(text) + "': expected NAME=VALUE"));
  }
  YaraDefine d;
  d.name = std::string(text.substr(0, eq));
  d.text = std::string(text.substr(eq + 1));
  if (d.name.empty() || !IsIdentifierStart(d.name[0]) ||
      !std::all_of(d.name.begin(), d.name.end(), IsIdentifierChar)) {
    return Unexpected(InvalidArgument("--yara-define '" + std::string(text) +
                                      "': the name must be a YARA identifier"));
  }
  if (std::find(kYaraFileExternals.begin(), kYaraFileExternals.end(), d.name) !=
      kYaraFileExternals.end()) {
    return Unexpected(InvalidArgument("--yara-define " + d.name +
                                      ": set by otguard for every scanned file (docs/yara.md)"));
  }
  if (d.text == "true" || d.text == "false") {
    d.type = YaraDefine::Type::kBoolean;
    d.boolean = d.text == "true";
  } else if (IsYaraInteger(d.text)) {
    d.type = YaraDefine::Type::kInteger;
    auto [end, ec] = std::from_chars(d.text.data(), d.text.data() + d.text.size(), d.integer);
    if (ec != std::errc() || end != d.text.data() + d.text.size()) {
      return Unexpected(InvalidArgument("--yara-define " + d.name + ": " + d.text +
                                        " does not fit in a 64-bit integer"));
    }
  } else if (IsYaraFloat(d.text)) {
    d.type = YaraDefine::Type::kFloat;
    d.real = std::strtod(d.text.c_str(), nullptr);
  } else {
    d.type = YaraDefine::Type::kString;
  }
  return d;
}

}  // namespace otguard::scan
