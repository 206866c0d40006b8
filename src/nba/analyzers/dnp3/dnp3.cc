// DNP3 analyser. Layouts from IEEE 1815-2012 (DNP3): clause 9 (data link layer: 0x05 0x64 start,
// length, control, destination, source, header CRC, then user data in blocks of at most 16
// octets each followed by a CRC), clause 8 (transport function: one header octet FIN/FIR/SEQ),
// clause 4 and 10 (application layer: control octet, function code, internal indications).
// Which functions matter follows the DNP3 function code table (IEEE 1815 table 4-2) and the
// idea of Zeek's DNP3 analyser (zeek/zeek src/analyzer/protocol/dnp3) of reassembling link
// frames into application fragments before judging them.
#include "nba/analyzers/dnp3/dnp3.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "nba/wire.h"

namespace otguard::nba::analyzers::dnp3 {
namespace {

constexpr uint8_t kStart0 = 0x05, kStart1 = 0x64;
constexpr size_t kHeaderSize = 10;  // start(2) length control destination(2) source(2) crc(2)
constexpr size_t kBlockSize = 16;   // user data octets between two CRCs
// An application fragment is at most 2048 octets in practice (IEEE 1815 8.2.2 leaves the
// maximum to the device); keep room for larger configured devices, but stay bounded.
constexpr size_t kMaxFragment = 16 * 1024;
// Before the flow is confirmed, this much data without a valid frame means it is not DNP3.
constexpr uint64_t kMaxJunkBeforeConfirm = 1024;

// Link layer control octet (IEEE 1815 9.2.4.1).
constexpr uint8_t kLinkPrimary = 0x40;
constexpr uint8_t kLinkConfirmedUserData = 3, kLinkUnconfirmedUserData = 4;

// Transport header octet (IEEE 1815 8.2.1).
constexpr uint8_t kTransportFin = 0x80, kTransportFir = 0x40, kTransportSeqMask = 0x3F;

// Application function codes that are responses (IEEE 1815 table 4-2).
constexpr uint8_t kFirstResponseCode = 0x81;

// Object groups a master writes routinely: time and date (g50) to synchronise the clock and
// internal indications (g80) to clear the "device restart" bit after every outstation restart.
constexpr uint8_t kGroupTime = 50, kGroupInternalIndications = 80;
// File-control command object (g70v3) used by OPEN_FILE; its operational mode says read/write.
constexpr uint8_t kGroupFileControl = 70, kVariationFileCommand = 3;

// A request function that changes the outstation. Data, not logic: adding one is one line.
struct ControlFunction {
  uint8_t code;
  std::string_view name;
  std::string_view technique;  // ATT&CK for ICS
  Severity severity;
};

constexpr std::array kControlFunctions = {
    ControlFunction{0x02, "write", "T0855", Severity::kMedium},
    ControlFunction{0x03, "select", "T0855", Severity::kMedium},
    ControlFunction{0x04, "operate", "T0855", Severity::kHigh},
    ControlFunction{0x05, "direct_operate", "T0855", Severity::kHigh},
    ControlFunction{0x06, "direct_operate_no_ack", "T0855", Severity::kHigh},
    ControlFunction{0x0D, "cold_restart", "T0816", Severity::kHigh},
    ControlFunction{0x0E, "warm_restart", "T0816", Severity::kHigh},
    ControlFunction{0x0F, "initialize_data", "T0855", Severity::kMedium},
    ControlFunction{0x10, "initialize_application", "T0858", Severity::kMedium},
    ControlFunction{0x11, "start_application", "T0858", Severity::kMedium},
    ControlFunction{0x12, "stop_application", "T0858", Severity::kHigh},
    ControlFunction{0x13, "save_configuration", "T0855", Severity::kMedium},
    ControlFunction{0x15, "disable_unsolicited", "T0815", Severity::kLow},
    ControlFunction{0x19, "open_file_write", "T0843", Severity::kMedium},
    ControlFunction{0x1B, "delete_file", "T0809", Severity::kHigh},
    ControlFunction{0x1F, "activate_configuration", "T0843", Severity::kHigh},
};

const ControlFunction* FindControl(uint8_t code) {
  for (const auto& f : kControlFunctions) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

// Internal indication bits worth telling other detectors about (IEEE 1815 4.2.2.7.1/2):
// bit index 0-7 is IIN1, 8-15 IIN2.
struct Indication {
  int bit;
  std::string_view name;
};
constexpr std::array kIndications = {
    Indication{5, "local_control"},   Indication{6, "device_trouble"},
    Indication{7, "device_restart"},  Indication{11, "event_buffer_overflow"},
    Indication{13, "config_corrupt"},
};

using wire::Le16;
using wire::Le32;

// The first object header of a request (IEEE 1815 4.2.2.7): group, variation, qualifier and,
// when the range says so, how many objects follow.
struct ObjectHeader {
  uint8_t group = 0, variation = 0, qualifier = 0;
  std::optional<uint32_t> count;
  size_t size = 0;  // octets of group, variation, qualifier and range
};

std::optional<ObjectHeader> ParseObjectHeader(std::span<const uint8_t> objects) {
  if (objects.size() < 3) return std::nullopt;
  ObjectHeader h{objects[0], objects[1], objects[2], std::nullopt, 3};
  const std::span<const uint8_t> r = objects.subspan(3);
  const size_t left = r.size();
  switch (h.qualifier & 0x0F) {  // range specifier code (IEEE 1815 table 4-5)
    case 0x0:
      if (left < 2) return std::nullopt;
      if (r[1] >= r[0]) h.count = r[1] - r[0] + 1u;
      h.size += 2;
      break;
    case 0x1:
      if (left < 4) return std::nullopt;
      if (Le16(r, 2) >= Le16(r, 0)) h.count = Le16(r, 2) - Le16(r, 0) + 1u;
      h.size += 4;
      break;
    case 0x6:  // all objects: no range field, no count
      break;
    case 0x7:
    case 0xB:
      if (left < 1) return std::nullopt;
      h.count = r[0];
      h.size += 1;
      break;
    case 0x8:
      if (left < 2) return std::nullopt;
      h.count = Le16(r, 0);
      h.size += 2;
      break;
    case 0x9:
      if (left < 4) return std::nullopt;
      h.count = Le32(r, 0);
      h.size += 4;
      break;
    default:
      break;
  }
  return h;
}

// OPEN_FILE carries a g70v3 file command with qualifier 0x5B (one object, 2-octet size
// prefix). Its operational mode (IEEE 1815 A.41.3: after name offset/size, 48-bit creation
// time, permissions, authentication key and file size) is 1 read, 2 write, 3 append.
std::optional<uint16_t> OpenFileMode(std::span<const uint8_t> objects, const ObjectHeader& h) {
  if (h.group != kGroupFileControl || h.variation != kVariationFileCommand || h.qualifier != 0x5B) {
    return std::nullopt;
  }
  constexpr size_t kObjectStart = 3 + 1 + 2;  // header, count, size prefix
  constexpr size_t kModeOffset = 2 + 2 + 6 + 2 + 4 + 4;
  if (objects.size() < kObjectStart + kModeOffset + 2) return std::nullopt;
  return Le16(objects, kObjectStart + kModeOffset);
}

// Per direction: bytes waiting for a whole frame, and the application fragment being built.
struct Stream {
  std::vector<uint8_t> buffer;
  std::vector<uint8_t> fragment;
  bool assembling = false;
  uint8_t next_seq = 0;
  uint16_t source = 0, destination = 0;
};

class Dnp3Analyzer final : public Analyzer {
 public:
  explicit Dnp3Analyzer(AnalyzerContext& ctx) : Analyzer(ctx) {}

  void Deliver(Direction dir, std::span<const uint8_t> data) override {
    Stream& s = streams_[Index(dir)];
    s.buffer.insert(s.buffer.end(), data.begin(), data.end());
    size_t used = ParseFrames(dir, s);
    s.buffer.erase(s.buffer.begin(), s.buffer.begin() + used);
    if (s.buffer.size() > kMaxBuffer) Stop();
  }

  void Gap(Direction dir, uint64_t) override {
    // Frames resynchronise on the start octets and their CRC; only the fragment is lost.
    Stream& s = streams_[Index(dir)];
    s.buffer.clear();
    s.assembling = false;
    s.fragment.clear();
  }

 private:
  // Consumes whole frames (and junk before a start) from the buffer; returns octets used.
  size_t ParseFrames(Direction dir, Stream& s) {
    const std::vector<uint8_t>& b = s.buffer;
    size_t pos = 0;
    while (!stopped() && b.size() - pos >= kHeaderSize) {
      if (b[pos] != kStart0 || b[pos + 1] != kStart1 ||
          Crc({b.data() + pos, 8}) != Le16(b, pos + 8)) {
        if (b[pos] == kStart0 && b[pos + 1] == kStart1) ctx().Anomaly("dnp3.bad_header_crc");
        pos = Resync(b, pos + 1);
        continue;
      }
      const uint8_t length = b[pos + 2];
      if (length < 5) {
        ctx().Anomaly("dnp3.bad_length");
        pos = Resync(b, pos + 2);
        continue;
      }
      const size_t user = length - 5u;
      const size_t frame = kHeaderSize + user + 2 * ((user + kBlockSize - 1) / kBlockSize);
      if (b.size() - pos < frame) break;
      if (!confirmed_) {
        confirmed_ = true;
        ctx().ConfirmProtocol("dnp3");
      }
      HandleFrame(dir, s, {b.data() + pos, frame});
      pos += frame;
    }
    return pos;
  }

  // Skips to the next possible start octets; unconfirmed flows that never show one stop.
  size_t Resync(const std::vector<uint8_t>& b, size_t from) {
    size_t next = from;
    while (next + 1 < b.size() && !(b[next] == kStart0 && b[next + 1] == kStart1)) ++next;
    if (next + 1 >= b.size() && next < b.size() && b[next] != kStart0) ++next;
    ctx().Anomaly("dnp3.resync");
    junk_ += next - from + 1;
    if (!confirmed_ && junk_ > kMaxJunkBeforeConfirm) Stop();
    return next;
  }

  void HandleFrame(Direction dir, Stream& s, std::span<const uint8_t> frame) {
    const uint8_t control = frame[3];
    const uint16_t destination = Le16(frame, 4);
    const uint16_t source = Le16(frame, 6);
    std::vector<uint8_t> user;
    for (size_t at = kHeaderSize; at < frame.size();) {
      size_t n = std::min(kBlockSize, frame.size() - at - 2);
      std::span<const uint8_t> block = frame.subspan(at, n);
      if (Crc(block) != Le16(frame, at + n)) {
        ctx().Anomaly("dnp3.bad_data_crc");
        s.assembling = false;  // the fragment lost a segment
        return;
      }
      user.insert(user.end(), block.begin(), block.end());
      at += n + 2;
    }
    const uint8_t function = control & 0x0F;
    if (user.empty() || !(control & kLinkPrimary) ||
        (function != kLinkConfirmedUserData && function != kLinkUnconfirmedUserData)) {
      return;  // link management frames carry no application data
    }
    HandleSegment(dir, s, source, destination, user);
  }

  // Transport function: FIR starts a fragment, sequence numbers must follow, FIN ends it.
  void HandleSegment(Direction dir, Stream& s, uint16_t source, uint16_t destination,
                     std::span<const uint8_t> segment) {
    const uint8_t th = segment[0];
    const uint8_t seq = th & kTransportSeqMask;
    if (th & kTransportFir) {
      s.fragment.clear();
      s.assembling = true;
      s.source = source;
      s.destination = destination;
    } else if (!s.assembling || seq != s.next_seq || source != s.source ||
               destination != s.destination) {
      ctx().Anomaly("dnp3.transport_sequence");
      s.assembling = false;
      return;
    }
    s.next_seq = (seq + 1) & kTransportSeqMask;
    if (s.fragment.size() + segment.size() - 1 > kMaxFragment) {
      ctx().Anomaly("dnp3.fragment_too_long");
      s.assembling = false;
      s.fragment.clear();
      return;
    }
    s.fragment.insert(s.fragment.end(), segment.begin() + 1, segment.end());
    if (th & kTransportFin) {
      s.assembling = false;
      HandleFragment(dir, source, destination, s.fragment);
      s.fragment.clear();
    }
  }

  void HandleFragment(Direction dir, uint16_t source, uint16_t destination,
                      std::span<const uint8_t> apdu) {
    if (apdu.size() < 2) {
      ctx().Anomaly("dnp3.short_fragment");
      return;
    }
    const uint8_t function = apdu[1];
    if (function >= kFirstResponseCode) {
      if (apdu.size() >= 4) HandleIndications(dir, source, destination, apdu[2], apdu[3]);
      return;
    }
    const ControlFunction* control = FindControl(function);
    if (control == nullptr) return;  // reads, confirms, freezes, time sync, class assignment
    std::span<const uint8_t> objects = apdu.subspan(2);
    std::optional<ObjectHeader> header = ParseObjectHeader(objects);
    if (!IsChange(*control, objects, header)) return;
    ReportControl(dir, *control, source, destination, header);
  }

  // Writes of the clock or of the restart indication are the master's housekeeping; a file
  // opened for reading changes nothing.
  static bool IsChange(const ControlFunction& control, std::span<const uint8_t> objects,
                       const std::optional<ObjectHeader>& header) {
    if (control.code == 0x02 && header &&
        (header->group == kGroupTime || header->group == kGroupInternalIndications)) {
      return false;
    }
    if (control.code == 0x19 && header) {
      std::optional<uint16_t> mode = OpenFileMode(objects, *header);
      if (mode && *mode == 1) return false;
    }
    return true;
  }

  void ReportControl(Direction dir, const ControlFunction& control, uint16_t source,
                     uint16_t destination, const std::optional<ObjectHeader>& header) {
    const uint32_t bit = 1u << (&control - kControlFunctions.data());
    if (reported_ & bit) return;
    reported_ |= bit;
    nlohmann::json d = {{"function", control.name},
                        {"function_code", control.code},
                        {"source", source},
                        {"destination", destination}};
    if (header) {
      d["group"] = header->group;
      d["variation"] = header->variation;
      if (header->count) d["count"] = *header->count;
    }
    Finding f;
    f.rule = "dnp3." + std::string(control.name);
    f.category = Category::kIcsWrite;
    f.severity = control.severity;
    f.message = "DNP3 " + std::string(control.name) + " from master " + std::to_string(source) +
                " to outstation " + std::to_string(destination);
    f.technique = std::string(control.technique);
    f.actor = dir;
    f.operation = f.rule;
    f.fields = {{"dnp3", std::move(d)}};
    ctx().Report(std::move(f));
  }

  void HandleIndications(Direction dir, uint16_t source, uint16_t destination, uint8_t iin1,
                         uint8_t iin2) {
    const uint16_t iin = static_cast<uint16_t>(iin1 | iin2 << 8);
    nlohmann::json names = nlohmann::json::array();
    for (const auto& ind : kIndications) {
      const uint16_t mask = static_cast<uint16_t>(1u << ind.bit);
      if ((iin & mask) && !(indications_reported_ & mask)) {
        indications_reported_ |= mask;
        names.push_back(ind.name);
      }
    }
    if (names.empty()) return;
    Finding f;
    f.kind = Finding::Kind::kObservation;
    f.rule = "dnp3.iin";
    f.category = Category::kPolicy;
    f.severity = Severity::kInfo;
    f.message =
        "DNP3 outstation " + std::to_string(source) + " reports " + names[0].get<std::string>();
    f.actor = Reverse(dir);
    f.fields = {{"dnp3",
                 {{"iin", std::move(names)},
                  {"iin_raw", iin},
                  {"source", source},
                  {"destination", destination}}}};
    ctx().Report(std::move(f));
  }

  std::array<Stream, 2> streams_;
  bool confirmed_ = false;
  uint64_t junk_ = 0;
  uint32_t reported_ = 0;  // bit per kControlFunctions entry
  uint16_t indications_reported_ = 0;
};

static_assert(kControlFunctions.size() <= 32, "reported_ has one bit per control function");

// A flow on another port is DNP3 if it starts with a link header whose CRC is right: two start
// octets and a 16-bit CRC leave about one chance in 2^32 of claiming another protocol.
bool Probe(Direction, std::span<const uint8_t> head) {
  return head.size() >= kHeaderSize && head[0] == kStart0 && head[1] == kStart1 && head[2] >= 5 &&
         Crc(head.first(8)) == Le16(head, 8);
}

std::unique_ptr<Analyzer> Create(AnalyzerContext& ctx) {
  return std::make_unique<Dnp3Analyzer>(ctx);
}

}  // namespace

uint16_t Crc(std::span<const uint8_t> data) {
  // 0xA6BC is 0x3D65 bit-reversed: the CRC is computed least significant bit first.
  uint16_t crc = 0;
  for (uint8_t byte : data) {
    crc ^= byte;
    for (int i = 0; i < 8; ++i)
      crc = (crc & 1) ? static_cast<uint16_t>((crc >> 1) ^ 0xA6BC) : crc >> 1;
  }
  return static_cast<uint16_t>(~crc);
}

const AnalyzerInfo& Info() {
  // UDP 20000 carries the same frames, one or more per datagram.
  static const AnalyzerInfo info{"dnp3", Transport::kTcp, {20000}, &Probe, &Create, {20000}};
  return info;
}

}  // namespace otguard::nba::analyzers::dnp3
