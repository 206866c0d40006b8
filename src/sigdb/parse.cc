#include "sigdb/parse.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace otguard::sigdb {
namespace {

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t colon = line.find(':', start);
    fields.push_back(line.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return fields;
}

std::optional<uint64_t> ParseU64(std::string_view t, uint64_t max = UINT64_MAX) {
  return ParseDecimal(t, max);
}

std::string_view TrimLineEnd(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  return line;
}

// The optional MIN_FLEVEL[:MAX_FLEVEL] fields: false when this engine level is outside them.
Result<bool> LevelApplies(const std::vector<std::string_view>& f, size_t first) {
  if (f.size() > first) {
    auto min = ParseU64(f[first], 0xFFFFFFFF);
    if (!min) return Unexpected(InvalidArgument("bad minimum functionality level"));
    if (*min > kClamAvFlevel) return false;
  }
  if (f.size() > first + 1) {
    auto max = ParseU64(f[first + 1], 0xFFFFFFFF);
    if (!max) return Unexpected(InvalidArgument("bad maximum functionality level"));
    if (*max < kClamAvFlevel) return false;
  }
  return true;
}

LineResult Error(Status* error, Status s) {
  *error = std::move(s);
  return LineResult::kError;
}

// "n" or "n,shift" (shift may be empty, as ClamAV reads "0," as 0).
Result<Offset> NumberWithShift(std::string_view t, OffsetKind kind) {
  Offset o;
  o.kind = kind;
  size_t comma = t.find(',');
  auto n = ParseU64(t.substr(0, comma), 0x7FFFFFFFFFFFFFFF);
  if (!n) return Unexpected(InvalidArgument("bad offset value"));
  o.value = static_cast<int64_t>(*n);
  if (comma != std::string_view::npos && comma + 1 < t.size()) {
    auto s = ParseU64(t.substr(comma + 1), 0x7FFFFFFFFFFFFFFF);
    if (!s) return Unexpected(InvalidArgument("bad offset shift"));
    o.shift = *s;
  }
  return o;
}

}  // namespace

SourceKind SourceKindOf(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return SourceKind::kUnknown;
  std::string ext(name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext == "hdb") return SourceKind::kHdb;
  if (ext == "hsb") return SourceKind::kHsb;
  if (ext == "ndb") return SourceKind::kNdb;
  if (ext == "fp") return SourceKind::kFp;
  if (ext == "sfp") return SourceKind::kSfp;
  return SourceKind::kUnknown;
}

size_t DigestSize(DigestKind kind) {
  switch (kind) {
    case DigestKind::kMd5:
      return 16;
    case DigestKind::kSha1:
      return 20;
    case DigestKind::kSha256:
      return 32;
  }
  return 0;
}

LineResult ParseHashLine(std::string_view line, HashSig* out, Status* error) {
  line = TrimLineEnd(line);
  if (line.empty() || line.front() == '#') return LineResult::kSkipped;
  auto f = SplitFields(line);
  if (f.size() < 3 || f.size() > 5) {
    return Error(error, InvalidArgument("expected HASH:SIZE:NAME[:MIN_FLEVEL[:MAX_FLEVEL]]"));
  }
  // ClamAV picks the digest by its length in every hash file (.hdb, .hsb, .fp, .sfp).
  switch (f[0].size()) {
    case 32:
      out->kind = DigestKind::kMd5;
      break;
    case 40:
      out->kind = DigestKind::kSha1;
      break;
    case 64:
      out->kind = DigestKind::kSha256;
      break;
    default:
      return Error(error, InvalidArgument("hash is not 32, 40 or 64 hex digits"));
  }
  auto digest = HexDecode(f[0]);
  if (!digest) return Error(error, InvalidArgument("hash is not hex"));
  out->digest = {};
  std::copy(digest->begin(), digest->end(), out->digest.begin());
  if (f[2].empty()) return Error(error, InvalidArgument("empty signature name"));
  out->name = std::string(f[2]);
  auto level = LevelApplies(f, 3);
  if (!level) return Error(error, level.error());
  if (f[1] == "*") {
    // ClamAV refuses a wildcard size unless the signature declares min_flevel >= 73.
    auto min = f.size() > 3 ? ParseU64(f[3]) : std::nullopt;
    if (!min || *min < 73) {
      return Error(error, InvalidArgument("size * needs a minimum functionality level >= 73"));
    }
    out->size = kAnySize;
  } else {
    auto size = ParseU64(f[1], kAnySize - 1);
    if (!size || *size == 0) return Error(error, InvalidArgument("bad size field"));
    out->size = *size;
  }
  return *level ? LineResult::kSignature : LineResult::kSkipped;
}

Result<Offset> ParseOffset(std::string_view t, uint8_t target) {
  if (t == "*") return Offset{};
  auto needs_pe = [&]() -> Status {
    if (target != 1) return InvalidArgument("EP and section offsets need target 1 (PE)");
    return Status();
  };
  if (t.starts_with("EOF-")) return NumberWithShift(t.substr(4), OffsetKind::kEof);
  if (t.starts_with("EP+") || t.starts_with("EP-")) {
    OTGUARD_RETURN_IF_ERROR(needs_pe());
    OTGUARD_ASSIGN_OR_RETURN(Offset o, NumberWithShift(t.substr(3), OffsetKind::kEntryPoint));
    if (t[2] == '-') o.value = -o.value;
    return o;
  }
  if (t.starts_with("SL+")) {
    OTGUARD_RETURN_IF_ERROR(needs_pe());
    return NumberWithShift(t.substr(3), OffsetKind::kLastSection);
  }
  if (t.starts_with("SE")) {
    OTGUARD_RETURN_IF_ERROR(needs_pe());
    OTGUARD_ASSIGN_OR_RETURN(Offset o, NumberWithShift(t.substr(2), OffsetKind::kSectionEntire));
    if (o.value > 0xFFFF) return Unexpected(InvalidArgument("bad section number"));
    o.section = static_cast<uint32_t>(o.value);
    o.value = 0;
    return o;
  }
  if (t.starts_with("S") && t.size() > 1 && t[1] >= '0' && t[1] <= '9') {
    OTGUARD_RETURN_IF_ERROR(needs_pe());
    size_t plus = t.find('+');
    if (plus == std::string_view::npos) return Unexpected(InvalidArgument("bad section offset"));
    auto sec = ParseU64(t.substr(1, plus - 1), 0xFFFF);
    if (!sec) return Unexpected(InvalidArgument("bad section number"));
    OTGUARD_ASSIGN_OR_RETURN(Offset o, NumberWithShift(t.substr(plus + 1), OffsetKind::kSection));
    o.section = static_cast<uint32_t>(*sec);
    return o;
  }
  if (!t.empty() && t[0] >= '0' && t[0] <= '9') return NumberWithShift(t, OffsetKind::kAbsolute);
  return Unexpected(InvalidArgument("bad offset '" + std::string(t) + "'"));
}

LineResult ParseBodyLine(std::string_view line, BodySig* out, Status* error) {
  line = TrimLineEnd(line);
  if (line.empty() || line.front() == '#') return LineResult::kSkipped;
  auto f = SplitFields(line);
  if (f.size() < 4 || f.size() > 6) {
    return Error(error,
                 InvalidArgument("expected NAME:TARGET:OFFSET:HEX[:MIN_FLEVEL[:MAX_FLEVEL]]"));
  }
  if (f[0].empty()) return Error(error, InvalidArgument("empty signature name"));
  auto target = ParseU64(f[1], 255);
  if (!target) return Error(error, InvalidArgument("bad target type"));
  auto level = LevelApplies(f, 4);
  if (!level) return Error(error, level.error());
  if (!*level) return LineResult::kSkipped;
  if (*target > 1) {
    return Error(error, Unimplemented("target type " + std::to_string(*target) +
                                      " is not supported (only 0 any file, 1 PE)"));
  }
  auto offset = ParseOffset(f[2], static_cast<uint8_t>(*target));
  if (!offset) return Error(error, offset.error());
  auto pattern = ParseHexPattern(f[3]);
  if (!pattern) return Error(error, pattern.error());
  out->name = std::string(f[0]);
  out->target = static_cast<uint8_t>(*target);
  out->offset = *offset;
  out->pattern = std::move(*pattern);
  return LineResult::kSignature;
}

}  // namespace otguard::sigdb
