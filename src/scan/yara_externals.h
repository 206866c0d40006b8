// YARA external variables: the five that LOKI and THOR define for every scanned file, and the
// NAME=VALUE constants of --yara-define. Pure functions, no libyara: the Windows build (no
// libyara) still parses and refuses with the same words, and the tests run anywhere.
//
// Meaning of the per-file values (docs/yara.md), as LOKI passes them to yara-python:
//   filename   the file's name without its directory          "svchost.exe"
//   filepath   the directory that holds it, absolute, no final separator  "C:\Windows\System32"
//   extension  the name's last ".suffix", lower case, "" when none  ".exe"
//   filetype   a word for the file's first bytes (FileTypeOf), "UNKNOWN" when none fits
//   owner      the owning user (platform::FileOwnerName), "" when it cannot be read
#ifndef OTGUARD_SRC_SCAN_YARA_EXTERNALS_H_
#define OTGUARD_SRC_SCAN_YARA_EXTERNALS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "otguard/base/bytes.h"
#include "otguard/base/status.h"

namespace otguard::scan {

// The per-file externals, in the order they are declared to the compiler.
inline constexpr std::array<std::string_view, 5> kYaraFileExternals = {
    "filename", "filepath", "extension", "filetype", "owner"};

struct YaraFileFacts {
  std::string filename;
  std::string filepath;
  std::string extension;
  std::string filetype;
  std::string owner;
};

// LOKI's file type vocabulary (signature-base misc/file-type-signatures.txt): the name of the
// longest known magic that `head` starts with ("EXE" for MZ, "ELF", "MDMP", "ZIP", "PDF" ...),
// "UNKNOWN" when none does. Reads at most the first 11 bytes.
std::string_view FileTypeOf(ByteSpan head);

// ".exe" for "setup.EXE", ".gz" for "a.tar.gz", "" for "README" and for ".bashrc" (a leading
// dot starts a name, not an extension), as Python's os.path.splitext does for LOKI.
std::string ExtensionOf(std::string_view filename);

// The facts of one file; `absolute_path` is the scanned path made absolute, `owner` as
// platform::FileOwnerName returned it (or "").
YaraFileFacts FileFactsFor(std::string_view filename, std::string_view directory, ByteSpan head,
                           std::string owner);

// A --yara-define NAME=VALUE, typed as `yara -d` types it: "true"/"false" a boolean, an
// optionally negative run of digits an integer, digits with one '.' (and a digit first) a
// float, anything else a string, kept verbatim (quotes included).
struct YaraDefine {
  enum class Type { kBoolean, kInteger, kFloat, kString };
  std::string name;
  Type type = Type::kString;
  std::string text;  // the value as given
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
};

// InvalidArgument for text without '=', an empty or malformed identifier, an integer out of
// 64-bit range, or one of kYaraFileExternals (those are set per file).
Result<YaraDefine> ParseYaraDefine(std::string_view text);

}  // namespace otguard::scan

#endif  // OTGUARD_SRC_SCAN_YARA_EXTERNALS_H_
