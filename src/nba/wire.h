// Helpers shared by the protocol analysers (src/nba/analyzers/*): fixed-size field reads, and
// wire bytes made safe to put in a finding's fields. Internal to the nba library.
#ifndef OTGUARD_SRC_NBA_WIRE_H_
#define OTGUARD_SRC_NBA_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "otguard/base/bytes.h"

namespace otguard::nba::wire {

// Integer fields at `offset`, for parsers that have checked the message is long enough: 0
// instead of a read past the end should that check be wrong. Where a short message is an
// expected case, use the std::optional readers (ReadLe16 ...) of otguard/base/bytes.h directly.
inline uint16_t Be16(std::span<const uint8_t> b, size_t offset) {
  return ReadBe16(b, offset).value_or(0);
}
inline uint32_t Be32(std::span<const uint8_t> b, size_t offset) {
  return ReadBe32(b, offset).value_or(0);
}
inline uint16_t Le16(std::span<const uint8_t> b, size_t offset) {
  return ReadLe16(b, offset).value_or(0);
}
inline uint32_t Le32(std::span<const uint8_t> b, size_t offset) {
  return ReadLe32(b, offset).value_or(0);
}

// Wire bytes as text for a finding field. The rule: each of the first `max_chars` bytes gives
// one character, printable ASCII (0x20..0x7E) as itself and every other byte as '?'; the rest
// is left out without a mark (add one with Shorten() where a cut must show). The result is
// ASCII, so always valid UTF-8, and never longer than `max_chars`.
std::string PrintableText(std::span<const uint8_t> bytes, size_t max_chars);
std::string PrintableText(std::string_view bytes, size_t max_chars);

// `text` if it has at most `max_chars` characters, else its first `max_chars` followed by
// "...". Does not make anything printable: for text that already is.
std::string Shorten(std::string_view text, size_t max_chars);

// ASCII lower case (A-Z only, whatever the locale): the case folding of DNS names (RFC 4343)
// and HTTP field names (RFC 9110 §5.1).
std::string Lower(std::string_view text);

}  // namespace otguard::nba::wire

#endif  // OTGUARD_SRC_NBA_WIRE_H_
