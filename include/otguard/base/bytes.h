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

// Lower-case hex of `bytes`.
std::string HexEncode(ByteSpan bytes);
// Decodes hex (either case); nullopt on odd length or a non-hex character.
std::optional<std::vector<uint8_t>> HexDecode(std::string_view hex);

// A plain decimal number (digits only: no sign, space or prefix) no larger than `max`;
// nullopt otherwise, including on overflow.
std::optional<uint64_t> ParseDecimal(std::string_view text, uint64_t max = UINT64_MAX);

// Little-endian reads that return nullopt instead of reading past `data`.
std::optional<uint16_t> ReadLe16(ByteSpan data, size_t offset);
std::optional<uint32_t> ReadLe32(ByteSpan data, size_t offset);
std::optional<uint64_t> ReadLe64(ByteSpan data, size_t offset);

// Big-endian (network order) reads that return nullopt instead of reading past `data`.
std::optional<uint16_t> ReadBe16(ByteSpan data, size_t offset);
std::optional<uint32_t> ReadBe32(ByteSpan data, size_t offset);

}  // namespace otguard

#endif  // OTGUARD_BASE_BYTES_H_
