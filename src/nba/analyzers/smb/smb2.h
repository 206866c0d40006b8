// SMB2/3 messages (MS-SMB2 2.2.1 header, 2.2.3/2.2.4 NEGOTIATE): the fields the analyser reads.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_SMB_SMB2_H_
#define OTGUARD_SRC_NBA_ANALYZERS_SMB_SMB2_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nba/analyzers/smb/wire.h"

namespace otguard::nba::analyzers::smb::smb2 {

inline constexpr size_t kHeaderSize = 64;
inline constexpr uint16_t kNegotiate = 0x0000;
inline constexpr uint32_t kFlagsServerToRedir = 0x00000001;
inline constexpr uint16_t kDialectWildcard = 0x02ff;  // "SMB 2.???" multi-protocol answer

struct Header {
  uint16_t structure_size = 0;  // MUST be 64
  uint32_t status = 0;
  uint16_t command = 0;
  uint32_t flags = 0;
  uint32_t next_command = 0;  // offset of the next compounded message, 0 if last
  uint64_t message_id = 0;
  uint64_t session_id = 0;
  bool response() const { return flags & kFlagsServerToRedir; }
};

// Nullopt unless `msg` starts with 0xFE "SMB" and holds a whole 64-byte header.
std::optional<Header> ParseHeader(Bytes msg);

// NEGOTIATE request body (after the header): the dialect revisions offered (at most 32).
std::vector<uint16_t> NegotiateDialects(Bytes body);
// NEGOTIATE response body: DialectRevision.
std::optional<uint16_t> NegotiateDialect(Bytes body);
// "2.0.2", "2.1", "3.0", "3.0.2", "3.1.1", "2.???" or "0x0123".
std::string DialectName(uint16_t dialect);

}  // namespace otguard::nba::analyzers::smb::smb2

#endif  // OTGUARD_SRC_NBA_ANALYZERS_SMB_SMB2_H_
