// Small byte helpers shared by every part: hex encoding, bounds-checked little- and big-endian
// reads.
#ifndef OTGUARD_BASE_BYTES_H_
#define OTGUARD_BASE_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace otguard {

using ByteSpan = std::span<const uint8_t>;

// The value of one hex digit (either case), or -1 if `c` is not one.
int HexDigitValue(char c);

// Lower-case hex of `bytes`.
std::string HexEncode(ByteSpan bytes);
// Decodes hex (either case); nullopt on odd length or a non-hex character.
std::optional<std::vector<uint8_t>> HexDecode(std::string_view hex);

// A plain decimal number (digits only: no sign, space or prefix) no larger than `max`;
// nullopt otherwise, including on overflow.
std::optional<uint64_t> ParseDecimal(std::string_view text, uint64_t max = UINT64_MAX);

// Bounds-checked integer reads: nullopt instead of reading past `data`. Inline: protocol
// parsers call them for every field of every packet.
namespace bytes_internal {
template <typename T, bool kBigEndian>
inline std::optional<T> Read(ByteSpan data, size_t offset) {
  if (offset > data.size() || data.size() - offset < sizeof(T)) return std::nullopt;
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    if constexpr (kBigEndian) {
      v = static_cast<T>(v << 8 | data[offset + i]);
    } else {
      v |= static_cast<T>(static_cast<T>(data[offset + i]) << (8 * i));
    }
  }
  return v;
}
}  // namespace bytes_internal

// Little-endian.
// The high 64 bits of the 128-bit product a*b, without __int128 (which 32-bit targets lack).
inline uint64_t MulHigh64Portable(uint64_t a, uint64_t b) {
  const uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
  const uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi;
  const uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
  return a_hi * b_hi + (hi_lo >> 32) + (cross >> 32);
}
inline uint64_t MulHigh64(uint64_t a, uint64_t b) {
#if defined(__SIZEOF_INT128__)
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
#else
  return MulHigh64Portable(a, b);
#endif
}

inline std::optional<uint16_t> ReadLe16(ByteSpan d, size_t o) {
  return bytes_internal::Read<uint16_t, false>(d, o);
}
inline std::optional<uint32_t> ReadLe32(ByteSpan d, size_t o) {
  return bytes_internal::Read<uint32_t, false>(d, o);
}
inline std::optional<uint64_t> ReadLe64(ByteSpan d, size_t o) {
  return bytes_internal::Read<uint64_t, false>(d, o);
}
// Big-endian (network order).
inline std::optional<uint16_t> ReadBe16(ByteSpan d, size_t o) {
  return bytes_internal::Read<uint16_t, true>(d, o);
}
inline std::optional<uint32_t> ReadBe32(ByteSpan d, size_t o) {
  return bytes_internal::Read<uint32_t, true>(d, o);
}

}  // namespace otguard

#endif  // OTGUARD_BASE_BYTES_H_
