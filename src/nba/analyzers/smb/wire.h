// Field access for SMB messages: every read is bounds-checked and a short message reads as absent
// (std::nullopt), never past the span. The little-endian integers are otguard::ReadLe16/32/64
// (otguard/base/bytes.h); what is here is SMB's own.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_SMB_WIRE_H_
#define OTGUARD_SRC_NBA_ANALYZERS_SMB_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "otguard/base/bytes.h"

namespace otguard::nba::analyzers::smb {

using Bytes = std::span<const uint8_t>;

inline std::optional<uint8_t> U8(Bytes b, size_t at) {
  if (at >= b.size()) return std::nullopt;
  return b[at];
}

// Wire text for a person: printable ASCII kept, anything else (and UTF-16's high bytes when
// `utf16le`) shown as '.', cut at a NUL or after `max` characters. Always valid UTF-8.
// Not nba/wire.h's PrintableText(): SMB strings are NUL-terminated inside fixed buffers and
// often UTF-16LE, so this one stops at the terminator and reads 16-bit units.
inline std::string PrintableText(Bytes b, bool utf16le, size_t max = 256) {
  std::string out;
  const size_t step = utf16le ? 2 : 1;
  for (size_t i = 0; i + step <= b.size() && out.size() < max; i += step) {
    uint16_t c = utf16le ? static_cast<uint16_t>(b[i] | b[i + 1] << 8) : b[i];
    if (c == 0) break;
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
  }
  return out;
}

}  // namespace otguard::nba::analyzers::smb

#endif  // OTGUARD_SRC_NBA_ANALYZERS_SMB_WIRE_H_
