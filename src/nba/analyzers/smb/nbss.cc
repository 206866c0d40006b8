#include "nba/analyzers/smb/nbss.h"

#include <algorithm>

namespace otguard::nba::analyzers::smb {
namespace {

// SMB1 (0xFF), SMB2/3 (0xFE), SMB3 transform (0xFD, MS-SMB2 2.2.41) and compression
// transform (0xFC, MS-SMB2 2.2.42) headers all start with one of these and "SMB".
bool SmbMagic(Bytes b) {
  return b.size() >= 4 && (b[0] == 0xff || b[0] == 0xfe || b[0] == 0xfd || b[0] == 0xfc) &&
         b[1] == 'S' && b[2] == 'M' && b[3] == 'B';
}

// The smallest SMB message: an SMB1 header (32 bytes), WordCount and ByteCount.
constexpr uint32_t kMinSmbMessage = 35;

// RFC 1002 4.3: lengths of the control packets are fixed or small. A session request carries
// two encoded NetBIOS names (34 bytes each for an unscoped name; scopes make them longer).
bool ControlLengthValid(uint8_t type, uint32_t len) {
  switch (type) {
    case nbss_type::kSessionRequest:
      return len >= 4 && len <= 2 * 256;
    case nbss_type::kPositiveResponse:
      return len == 0;
    case nbss_type::kNegativeResponse:
      return len == 1;
    case nbss_type::kRetarget:
      return len == 6;
    case nbss_type::kKeepAlive:
      return len == 0;
    default:
      return false;
  }
}

}  // namespace

bool PlausibleSessionMessage(Bytes b) {
  if (b.size() < 8 || b[0] != nbss_type::kSessionMessage) return false;
  uint32_t len = uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
  return len >= kMinSmbMessage && SmbMagic(b.subspan(4));
}

void NbssFramer::Feed(Bytes data) {
  while (!data.empty() && state_ != State::kLost) {
    if (state_ == State::kBody && buf_.size() == pos_ &&
        (delivered_ || prefix_.size() >= kMaxPrefix)) {
      // Skipping the rest of a long packet: straight from the input, nothing buffered.
      size_t n = std::min<size_t>(length_ - received_, data.size());
      received_ += static_cast<uint32_t>(n);
      data = data.subspan(n);
      if (received_ == length_) state_ = State::kHeader;
      continue;
    }
    size_t n = std::min(kSlice, data.size());
    buf_.insert(buf_.end(), data.begin(), data.begin() + n);
    data = data.subspan(n);
    Process();
  }
}

void NbssFramer::Process() {
  bool progress = true;
  while (progress && state_ != State::kLost) {
    size_t before = pos_;
    State state_before = state_;
    switch (state_) {
      case State::kHeader:
        TakeHeader();
        break;
      case State::kBody:
        TakeBody();
        break;
      case State::kHunt:
        Hunt();
        break;
      case State::kLost:
        break;
    }
    progress = pos_ != before || state_ != state_before;
  }
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(pos_));
  pos_ = 0;
  if (state_ == State::kLost) buf_.clear();
}

bool NbssFramer::TakeHeader() {
  Bytes avail = Bytes(buf_).subspan(pos_);
  if (avail.size() < 4) return false;
  uint8_t type = avail[0];
  if (type == nbss_type::kSessionMessage) {
    // MS-SMB2 2.1 / RFC 1002 with the E bit: 24 bits cover both framings.
    uint32_t len = uint32_t{avail[1]} << 16 | uint32_t{avail[2]} << 8 | avail[3];
    if (len >= 4) {
      // Check the protocol identifier before trusting the length: a capture that starts
      // mid-message, or garbage, would otherwise make us skip up to 16 MiB of real packets.
      if (avail.size() < 8) return false;
      if (!SmbMagic(avail.subspan(4))) {
        StartHunt("nbss.bad_magic");
        return true;
      }
    } else if (len > 0) {
      handler_.OnAnomaly("nbss.short_message");
    }
    type_ = type;
    length_ = len;
  } else {
    uint32_t len = uint32_t{avail[1] & 1u} << 16 | uint32_t{avail[2]} << 8 | avail[3];
    if ((avail[1] & 0xfe) != 0 || !ControlLengthValid(type, len)) {
      bool known = type >= nbss_type::kSessionRequest && type <= nbss_type::kKeepAlive;
      StartHunt(known ? "nbss.bad_length" : "nbss.bad_type");
      return true;
    }
    type_ = type;
    length_ = len;
  }
  pos_ += 4;
  received_ = 0;
  delivered_ = false;
  prefix_.clear();
  state_ = State::kBody;
  if (length_ == 0) Deliver();
  return true;
}

void NbssFramer::TakeBody() {
  size_t avail = buf_.size() - pos_;
  size_t n = std::min<size_t>(length_ - received_, avail);
  size_t keep = 0;
  if (!delivered_ && prefix_.size() < kMaxPrefix) {
    keep = std::min(n, kMaxPrefix - prefix_.size());
    prefix_.insert(prefix_.end(), buf_.begin() + static_cast<ptrdiff_t>(pos_),
                   buf_.begin() + static_cast<ptrdiff_t>(pos_ + keep));
  }
  pos_ += n;
  received_ += static_cast<uint32_t>(n);
  if (!delivered_ && prefix_.size() == std::min<size_t>(length_, kMaxPrefix)) Deliver();
  if (received_ == length_) state_ = State::kHeader;
}

void NbssFramer::Deliver() {
  delivered_ = true;
  handler_.OnPacket(type_, prefix_, length_);
  if (received_ == length_) state_ = State::kHeader;
}

void NbssFramer::Hunt() {
  Bytes avail = Bytes(buf_).subspan(pos_);
  size_t i = 0;
  while (i + 8 <= avail.size() && !PlausibleSessionMessage(avail.subspan(i))) ++i;
  pos_ += i;
  hunted_ += i;
  if (i + 8 <= avail.size()) {
    state_ = State::kHeader;  // found one; TakeHeader() takes it from here
    hunted_ = 0;
  } else if (hunted_ > kMaxHunt) {
    state_ = State::kLost;
    handler_.OnAnomaly("nbss.lost_sync");
  }
}

void NbssFramer::StartHunt(std::string_view why) {
  handler_.OnAnomaly(why);
  state_ = State::kHunt;
  ++pos_;  // the byte that looked like a header start is not one
  ++hunted_;
}

void NbssFramer::Gap(uint64_t len) {
  if (state_ == State::kLost || len == 0) return;
  if (state_ == State::kBody && buf_.size() == pos_ && len <= length_ - received_) {
    // The hole is inside a packet of known length: deliver what we have, stay in sync.
    if (!delivered_) Deliver();
    received_ += static_cast<uint32_t>(len);
    if (received_ == length_) state_ = State::kHeader;
    return;
  }
  if (state_ == State::kBody && !delivered_) Deliver();
  buf_.clear();
  pos_ = 0;
  if (state_ != State::kHunt) handler_.OnAnomaly("nbss.gap_resync");
  state_ = State::kHunt;
}

void NbssFramer::Flush() {
  if (state_ == State::kBody && !delivered_) Deliver();
}

}  // namespace otguard::nba::analyzers::smb
