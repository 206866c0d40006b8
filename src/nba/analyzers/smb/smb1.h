// SMB1 / CIFS messages (MS-CIFS 2.2.3.1 header, 2.2.4 commands): the fields the analyser
// reads, parsed from a message prefix that may be cut short. Absent fields are nullopt or
// empty; nothing here reads outside the span it is given.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_SMB_SMB1_H_
#define OTGUARD_SRC_NBA_ANALYZERS_SMB_SMB1_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nba/analyzers/smb/wire.h"

namespace otguard::nba::analyzers::smb::smb1 {

// MS-CIFS 2.2.2.1 command codes used here.
namespace cmd {
inline constexpr uint8_t kTransaction = 0x25, kTransactionSecondary = 0x26, kEcho = 0x2b,
                         kTransaction2 = 0x32, kTransaction2Secondary = 0x33,
                         kTreeDisconnect = 0x71, kNegotiate = 0x72, kSessionSetupAndX = 0x73,
                         kLogoffAndX = 0x74, kTreeConnectAndX = 0x75, kNtTransact = 0xa0,
                         kNtTransactSecondary = 0xa1, kNtCreateAndX = 0xa2;
}
std::string_view CommandName(uint8_t command);  // "nt_transact", or "0x5f" style for others

inline constexpr uint8_t kFlagsReply = 0x80;        // SMB_FLAGS_REPLY
inline constexpr uint16_t kFlags2Unicode = 0x8000;  // SMB_FLAGS2_UNICODE
inline constexpr size_t kHeaderSize = 32;

struct Header {
  uint8_t command = 0;
  uint32_t status = 0;  // NT status (SMB_FLAGS2_NT_STATUS) or DOS error class/code
  uint8_t flags = 0;
  uint16_t flags2 = 0;
  uint16_t pid_high = 0, tid = 0, pid_low = 0, uid = 0, mid = 0;
  bool reply() const { return flags & kFlagsReply; }
  bool unicode() const { return flags2 & kFlags2Unicode; }
};

struct Message {
  Header header;
  Bytes whole;  // from the header's first byte: offsets in transactions are relative to it
  uint8_t word_count = 0;
  Bytes words;              // parameter words as far as captured
  Bytes bytes;              // data bytes as far as captured (ByteCount bounds them)
  size_t bytes_offset = 0;  // offset of `bytes` in `whole`
};

// Nullopt if `msg` does not start with 0xFF "SMB" and a whole header plus WordCount.
std::optional<Message> Parse(Bytes msg);

// SMB_COM_NEGOTIATE request: the dialect strings offered (at most 32, each shortened).
std::vector<std::string> NegotiateDialects(const Message& m);
// SMB_COM_NEGOTIATE response: DialectIndex (0xFFFF: none acceptable).
std::optional<uint16_t> NegotiateDialectIndex(const Message& m);

// SMB_COM_TRANSACTION / SMB_COM_TRANSACTION2 request (MS-CIFS 2.2.4.33.1, 2.2.4.46.1).
struct TransRequest {
  uint16_t total_parameter_count = 0, total_data_count = 0;
  uint16_t parameter_count = 0, parameter_offset = 0, data_count = 0, data_offset = 0;
  uint32_t timeout = 0;
  std::vector<uint16_t> setup;  // setup[0] is the subcommand
};
std::optional<TransRequest> ParseTransRequest(const Message& m);

// SMB_COM_TRANSACTION2_SECONDARY request (MS-CIFS 2.2.4.47.1).
struct Trans2Secondary {
  uint16_t total_parameter_count = 0, total_data_count = 0;
  uint16_t parameter_count = 0, parameter_offset = 0, parameter_displacement = 0;
  uint16_t data_count = 0, data_offset = 0, data_displacement = 0;
  uint16_t fid = 0;
};
std::optional<Trans2Secondary> ParseTrans2Secondary(const Message& m);

// SMB_COM_NT_TRANSACT request (MS-CIFS 2.2.4.62.1).
struct NtTransRequest {
  uint32_t total_parameter_count = 0, total_data_count = 0;
  uint32_t parameter_count = 0, parameter_offset = 0, data_count = 0, data_offset = 0;
  uint16_t function = 0;
  // The first ULONG of the data block, as far as captured: for an OS/2 FEALIST its
  // SizeOfListInBytes.
  std::optional<uint32_t> data_first_ulong;
};
std::optional<NtTransRequest> ParseNtTransRequest(const Message& m);

// SMB_COM_TREE_CONNECT_ANDX request (MS-CIFS 2.2.4.55.1): the share path, printable.
std::optional<std::string> TreeConnectPath(const Message& m);

}  // namespace otguard::nba::analyzers::smb::smb1

#endif  // OTGUARD_SRC_NBA_ANALYZERS_SMB_SMB1_H_
