// NetBIOS session service framing (RFC 1002 section 4.3) as SMB uses it on TCP 139, and the
// direct-hosted variant on TCP 445 (MS-SMB2 2.1: a zero byte and a 24-bit length).
//
// The framer cuts one direction's byte stream into NBSS packets. It keeps only the first
// kMaxPrefix bytes of each payload (enough for every header and parameter block the analyser
// reads) and skips the rest without buffering it, so a 16 MiB SMB write costs no memory.
//
// Sync: a capture can start inside a message, and a Gap() can swallow a header. Then the
// framer hunts for a plausible header: a session message (type 0) with a length that can hold
// an SMB header, followed by 0xFF/0xFE/0xFD/0xFC "SMB". A gap that ends inside a message whose
// length is known keeps sync. After kMaxHunt bytes without a plausible header it gives up
// (lost()): the stream is not SMB, or not any more.
//
// Not thread-safe; one framer per direction of a flow.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_SMB_NBSS_H_
#define OTGUARD_SRC_NBA_ANALYZERS_SMB_NBSS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "nba/analyzers/smb/wire.h"

namespace otguard::nba::analyzers::smb {

// RFC 1002 4.3.1 packet types.
namespace nbss_type {
inline constexpr uint8_t kSessionMessage = 0x00, kSessionRequest = 0x81, kPositiveResponse = 0x82,
                         kNegativeResponse = 0x83, kRetarget = 0x84, kKeepAlive = 0x85;
}

class NbssFramer {
 public:
  static constexpr size_t kMaxPrefix = 8 * 1024;
  static constexpr uint64_t kMaxHunt = 256 * 1024;

  class Handler {
   public:
    virtual ~Handler() = default;
    // One NBSS packet of `type` whose header announced `length` payload bytes; `prefix` holds
    // its first bytes: min(length, kMaxPrefix) of them, or fewer when a gap or the end of the
    // flow cut the packet. Valid during the call only.
    virtual void OnPacket(uint8_t type, Bytes prefix, uint32_t length) = 0;
    // A framing violation that was skipped ("nbss.bad_type", "nbss.lost_sync" ...).
    virtual void OnAnomaly(std::string_view what) = 0;
  };

  // `handler` must outlive the framer.
  explicit NbssFramer(Handler& handler) : handler_(handler) {}

  void Feed(Bytes data);
  // `len` bytes of this direction were not captured.
  void Gap(uint64_t len);
  // The flow ended: a packet still being received is delivered as far as it came.
  void Flush();

  bool lost() const { return state_ == State::kLost; }
  bool hunting() const { return state_ == State::kHunt; }

 private:
  enum class State : uint8_t { kHeader, kBody, kHunt, kLost };
  static constexpr size_t kSlice = 4096;  // bytes moved into buf_ at a time

  void Process();
  // Consumes a header at buf_[pos_] if enough bytes are there; false if it needs more.
  bool TakeHeader();
  void TakeBody();
  void Hunt();
  void Deliver();
  void StartHunt(std::string_view why);

  Handler& handler_;
  State state_ = State::kHeader;
  std::vector<uint8_t> buf_;  // unconsumed bytes (headers, hunting); at most kSlice + a header
  size_t pos_ = 0;            // consumed bytes at the front of buf_
  uint8_t type_ = 0;
  uint32_t length_ = 0;     // payload length of the current packet
  uint32_t received_ = 0;   // payload bytes of it received or skipped by a gap
  bool delivered_ = false;  // OnPacket already called for the current packet
  std::vector<uint8_t> prefix_;
  uint64_t hunted_ = 0;  // bytes discarded while hunting since sync was lost
};

// True if `b` starts with an NBSS session message header that a resync may trust: type 0,
// a length that holds at least an SMB1 header, and an SMB protocol identifier after it.
bool PlausibleSessionMessage(Bytes b);

}  // namespace otguard::nba::analyzers::smb

#endif  // OTGUARD_SRC_NBA_ANALYZERS_SMB_NBSS_H_
