#include "nba/analyzers/smb/smb1.h"

#include <algorithm>

namespace otguard::nba::analyzers::smb::smb1 {

std::string_view CommandName(uint8_t command) {
  switch (command) {
    case cmd::kTransaction:
      return "transaction";
    case cmd::kTransactionSecondary:
      return "transaction_secondary";
    case cmd::kEcho:
      return "echo";
    case cmd::kTransaction2:
      return "transaction2";
    case cmd::kTransaction2Secondary:
      return "transaction2_secondary";
    case cmd::kTreeDisconnect:
      return "tree_disconnect";
    case cmd::kNegotiate:
      return "negotiate";
    case cmd::kSessionSetupAndX:
      return "session_setup_andx";
    case cmd::kLogoffAndX:
      return "logoff_andx";
    case cmd::kTreeConnectAndX:
      return "tree_connect_andx";
    case cmd::kNtTransact:
      return "nt_transact";
    case cmd::kNtTransactSecondary:
      return "nt_transact_secondary";
    case cmd::kNtCreateAndX:
      return "nt_create_andx";
    default:
      return "other";
  }
}

std::optional<Message> Parse(Bytes msg) {
  if (msg.size() < kHeaderSize + 1 || msg[0] != 0xff || msg[1] != 'S' || msg[2] != 'M' ||
      msg[3] != 'B') {
    return std::nullopt;
  }
  Message m;
  m.whole = msg;
  Header& h = m.header;
  h.command = msg[4];
  h.status = *ReadLe32(msg, 5);
  h.flags = msg[9];
  h.flags2 = *ReadLe16(msg, 10);
  h.pid_high = *ReadLe16(msg, 12);
  h.tid = *ReadLe16(msg, 24);
  h.pid_low = *ReadLe16(msg, 26);
  h.uid = *ReadLe16(msg, 28);
  h.mid = *ReadLe16(msg, 30);
  m.word_count = msg[32];
  size_t words_end = std::min(msg.size(), kHeaderSize + 1 + 2 * size_t{m.word_count});
  m.words = msg.subspan(kHeaderSize + 1, words_end - (kHeaderSize + 1));
  size_t bytes_at = kHeaderSize + 1 + 2 * size_t{m.word_count} + 2;
  if (auto byte_count = ReadLe16(msg, bytes_at - 2); byte_count && bytes_at <= msg.size()) {
    m.bytes = msg.subspan(bytes_at, std::min<size_t>(*byte_count, msg.size() - bytes_at));
    m.bytes_offset = bytes_at;
  }
  return m;
}

std::vector<std::string> NegotiateDialects(const Message& m) {
  // MS-CIFS 2.2.4.52.1: a list of {BufferFormat 0x02, NUL-terminated OEM string}.
  std::vector<std::string> out;
  Bytes b = m.bytes;
  while (!b.empty() && out.size() < 32) {
    if (b[0] != 0x02) break;
    b = b.subspan(1);
    auto nul = std::find(b.begin(), b.end(), 0);
    size_t len = static_cast<size_t>(nul - b.begin());
    out.push_back(PrintableText(b.first(len), false, 48));
    b = b.subspan(std::min(len + 1, b.size()));
  }
  return out;
}

std::optional<uint16_t> NegotiateDialectIndex(const Message& m) {
  if (m.word_count < 1) return std::nullopt;
  return ReadLe16(m.words, 0);
}

std::optional<TransRequest> ParseTransRequest(const Message& m) {
  if (m.word_count < 14) return std::nullopt;
  Bytes w = m.words;
  auto setup_count = U8(w, 26);
  if (!setup_count || !ReadLe16(w, 24)) return std::nullopt;
  TransRequest t;
  t.total_parameter_count = *ReadLe16(w, 0);
  t.total_data_count = *ReadLe16(w, 2);
  t.timeout = *ReadLe32(w, 12);
  t.parameter_count = *ReadLe16(w, 18);
  t.parameter_offset = *ReadLe16(w, 20);
  t.data_count = *ReadLe16(w, 22);
  t.data_offset = *ReadLe16(w, 24);
  for (size_t i = 0; i < *setup_count && i < 4; ++i) {
    auto s = ReadLe16(w, 28 + 2 * i);
    if (!s) break;
    t.setup.push_back(*s);
  }
  return t;
}

std::optional<Trans2Secondary> ParseTrans2Secondary(const Message& m) {
  if (m.word_count < 9) return std::nullopt;
  Bytes w = m.words;
  auto fid = ReadLe16(w, 16);
  if (!fid) return std::nullopt;
  Trans2Secondary t;
  t.total_parameter_count = *ReadLe16(w, 0);
  t.total_data_count = *ReadLe16(w, 2);
  t.parameter_count = *ReadLe16(w, 4);
  t.parameter_offset = *ReadLe16(w, 6);
  t.parameter_displacement = *ReadLe16(w, 8);
  t.data_count = *ReadLe16(w, 10);
  t.data_offset = *ReadLe16(w, 12);
  t.data_displacement = *ReadLe16(w, 14);
  t.fid = *fid;
  return t;
}

std::optional<NtTransRequest> ParseNtTransRequest(const Message& m) {
  if (m.word_count < 19) return std::nullopt;
  Bytes w = m.words;
  auto function = ReadLe16(w, 36);
  if (!function) return std::nullopt;
  NtTransRequest t;
  t.total_parameter_count = *ReadLe32(w, 3);
  t.total_data_count = *ReadLe32(w, 7);
  t.parameter_count = *ReadLe32(w, 19);
  t.parameter_offset = *ReadLe32(w, 23);
  t.data_count = *ReadLe32(w, 27);
  t.data_offset = *ReadLe32(w, 31);
  t.function = *function;
  if (t.data_count >= 4) t.data_first_ulong = ReadLe32(m.whole, t.data_offset);
  return t;
}

std::optional<std::string> TreeConnectPath(const Message& m) {
  auto password_length = ReadLe16(m.words, 6);
  if (m.word_count < 4 || !password_length || m.bytes.empty()) return std::nullopt;
  size_t at = m.bytes_offset + *password_length;
  // Unicode strings are aligned on 16 bits from the start of the header (MS-CIFS 2.2.4.55.1).
  if (m.header.unicode() && at % 2 == 1) ++at;
  size_t end = m.bytes_offset + m.bytes.size();
  if (at >= end) return std::nullopt;
  return PrintableText(m.whole.subspan(at, end - at), m.header.unicode(), 128);
}

}  // namespace otguard::nba::analyzers::smb::smb1
