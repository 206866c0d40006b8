// The words of the allowlist's enums, and the small value forms both allowlist file formats
// share (host/allowlist_text.h).
#include <array>
#include <cstdio>
#include <utility>

#include "host/allowlist_text.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

constexpr std::array<std::pair<Direction, const char*>, 3> kDirections = {{
    {Direction::kListen, "listen"},
    {Direction::kOutbound, "outbound"},
    {Direction::kInbound, "inbound"},
}};

constexpr std::array<std::pair<ProcessRuleKind, const char*>, 5> kKinds = {{
    {ProcessRuleKind::kHash, "hash"},
    {ProcessRuleKind::kPath, "path"},
    {ProcessRuleKind::kPathSigner, "path-signer"},
    {ProcessRuleKind::kPublisherPath, "publisher-path"},
    {ProcessRuleKind::kPackage, "package"},
}};

template <typename Enum, size_t N>
std::string Choices(const std::array<std::pair<Enum, const char*>, N>& table) {
  std::string out;
  for (const auto& [value, name] : table) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

}  // namespace

const char* DirectionName(Direction d) {
  for (const auto& [value, name] : kDirections) {
    if (value == d) return name;
  }
  return "outbound";
}

const char* ProcessRuleKindName(ProcessRuleKind kind) {
  for (const auto& [value, name] : kKinds) {
    if (value == kind) return name;
  }
  return "hash";
}

namespace allowlist_internal {

std::string TimeText(EventTime time) {
  std::string text = time.Rfc3339();  // floored to the millisecond, "...SS.mmmZ"
  int64_t below_ms = time.nanos() % 1000000;
  if (below_ms < 0) below_ms += 1000000;  // floor, as Rfc3339() does before 1970
  if (below_ms == 0) return text;
  char digits[8];
  std::snprintf(digits, sizeof digits, "%06lld", static_cast<long long>(below_ms));
  text.insert(text.size() - 1, digits);
  return text;
}

Result<Direction> ParseDirection(std::string_view word) {
  for (const auto& [value, name] : kDirections) {
    if (word == name) return value;
  }
  return Unexpected(InvalidArgument("unknown direction '" + std::string(word.substr(0, 64)) +
                                    "' (" + Choices(kDirections) + ")"));
}

Result<ProcessRuleKind> ParseProcessRuleKind(std::string_view word) {
  for (const auto& [value, name] : kKinds) {
    if (word == name) return value;
  }
  return Unexpected(InvalidArgument("unknown kind '" + std::string(word.substr(0, 64)) + "' (" +
                                    Choices(kKinds) + ")"));
}

Result<std::string> NormalizeSha256(std::string_view hex) {
  if (hex.size() != 64) {
    return Unexpected(InvalidArgument("'" + std::string(hex.substr(0, 80)) + "' has " +
                                      std::to_string(hex.size()) +
                                      " characters, not 64 hex digits"));
  }
  std::string out(hex);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Unexpected(InvalidArgument("'" + std::string(hex) + "' is not hexadecimal"));
    }
  }
  return out;
}

bool HasControlCharacter(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

}  // namespace allowlist_internal
}  // namespace otguard::host
