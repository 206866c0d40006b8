#include "nba/analyzers/smb/smb2.h"

#include <cstdio>

namespace otguard::nba::analyzers::smb::smb2 {

std::optional<Header> ParseHeader(Bytes msg) {
  if (msg.size() < kHeaderSize || msg[0] != 0xfe || msg[1] != 'S' || msg[2] != 'M' ||
      msg[3] != 'B') {
    return std::nullopt;
  }
  Header h;
  h.structure_size = *ReadLe16(msg, 4);
  h.status = *ReadLe32(msg, 8);
  h.command = *ReadLe16(msg, 12);
  h.flags = *ReadLe32(msg, 16);
  h.next_command = *ReadLe32(msg, 20);
  h.message_id = *ReadLe64(msg, 24);
  h.session_id = *ReadLe64(msg, 40);
  return h;
}

std::vector<uint16_t> NegotiateDialects(Bytes body) {
  // MS-SMB2 2.2.3: StructureSize 36, DialectCount at 2, Dialects at 36.
  std::vector<uint16_t> out;
  auto count = ReadLe16(body, 2);
  if (!count) return out;
  for (size_t i = 0; i < *count && i < 32; ++i) {
    auto d = ReadLe16(body, 36 + 2 * i);
    if (!d) break;
    out.push_back(*d);
  }
  return out;
}

std::optional<uint16_t> NegotiateDialect(Bytes body) { return ReadLe16(body, 4); }

std::string DialectName(uint16_t dialect) {
  switch (dialect) {
    case 0x0202:
      return "2.0.2";
    case 0x0210:
      return "2.1";
    case 0x0300:
      return "3.0";
    case 0x0302:
      return "3.0.2";
    case 0x0311:
      return "3.1.1";
    case kDialectWildcard:
      return "2.???";
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%04x", dialect);
      return buf;
    }
  }
}

}  // namespace otguard::nba::analyzers::smb::smb2
