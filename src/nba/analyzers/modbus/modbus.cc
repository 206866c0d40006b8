#include "nba/analyzers/modbus/modbus.h"

#include <array>
#include <bitset>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nba/wire.h"

namespace otguard::nba::analyzers::modbus {
namespace {

// MBAP header (Messaging on TCP/IP guide §3.1.3): transaction id (2), protocol id (2, always 0
// for Modbus), length (2, counts the unit id and the PDU), unit id (1).
constexpr size_t kMbapSize = 7;
constexpr size_t kLengthFieldEnd = 6;
// An ADU is at most 260 bytes: the length field covers the unit id and a PDU of at most 253.
constexpr uint16_t kMinLength = 2, kMaxLength = 254;
constexpr uint8_t kExceptionBit = 0x80;

using wire::Be16;

// Public function codes of the Application Protocol spec §5.1 (not the user-defined ranges
// 65-72 and 100-110, which prove nothing about the protocol).
bool IsPublicFunction(uint8_t f) {
  switch (f) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
    case 11:
    case 12:
    case 15:
    case 16:
    case 17:
    case 20:
    case 21:
    case 22:
    case 23:
    case 24:
    case 43:
      return true;
    default:
      return false;
  }
}

bool IsUserDefinedFunction(uint8_t f) { return (f >= 65 && f <= 72) || (f >= 100 && f <= 110); }

// Everything a client can do to change a server's state, with the ATT&CK for ICS technique
// that fits: coils are outputs (a command, T0855), registers and settings are parameters
// (T0836), diagnostics that restart or silence the device deny service (T0814), clearing the
// counters hides what happened (T0872).
struct WriteKind {
  std::string_view operation;
  std::string_view description;
  std::string_view technique;
  Severity severity;
};

enum WriteIndex : size_t {
  kWriteSingleCoil,
  kWriteSingleRegister,
  kWriteMultipleCoils,
  kWriteMultipleRegisters,
  kWriteFileRecord,
  kMaskWriteRegister,
  kReadWriteMultipleRegisters,
  kRestartCommunications,
  kChangeAsciiDelimiter,
  kForceListenOnly,
  kClearCounters,
  kWriteKindCount
};

constexpr std::array<WriteKind, kWriteKindCount> kWrites = {{
    {"modbus.write_single_coil", "wrote a coil", "T0855", Severity::kMedium},
    {"modbus.write_single_register", "wrote a holding register", "T0836", Severity::kMedium},
    {"modbus.write_multiple_coils", "wrote coils", "T0855", Severity::kMedium},
    {"modbus.write_multiple_registers", "wrote holding registers", "T0836", Severity::kMedium},
    {"modbus.write_file_record", "wrote a file record", "T0836", Severity::kMedium},
    {"modbus.mask_write_register", "mask-wrote a register", "T0836", Severity::kMedium},
    {"modbus.read_write_multiple_registers", "read/wrote registers", "T0836", Severity::kMedium},
    {"modbus.restart_communications", "restarted the device's communications", "T0814",
     Severity::kHigh},
    {"modbus.change_ascii_delimiter", "changed the ASCII input delimiter", "T0836",
     Severity::kMedium},
    {"modbus.force_listen_only", "forced the device into listen-only mode", "T0814",
     Severity::kHigh},
    {"modbus.clear_counters", "cleared the diagnostic counters", "T0872", Severity::kMedium},
}};

// What a write request names: where it writes and how much.
struct WriteRequest {
  WriteIndex kind;
  std::optional<uint16_t> address, quantity, subfunction;
};

// Diagnostics (function 8) sub-functions that change the device (spec §6.8).
std::optional<WriteIndex> DiagnosticWrite(uint16_t subfunction) {
  switch (subfunction) {
    case 0x01:
      return kRestartCommunications;
    case 0x03:
      return kChangeAsciiDelimiter;
    case 0x04:
      return kForceListenOnly;
    case 0x0A:
    case 0x14:
      return kClearCounters;  // clear counters / clear overrun counter
    default:
      return std::nullopt;
  }
}

// Classifies a request PDU (function code, then `data`). nullopt: not a write, or too short to
// say what it writes (the caller counts that).
std::optional<WriteRequest> ParseWrite(uint8_t function, std::span<const uint8_t> data) {
  auto at = [&](size_t off) -> std::optional<uint16_t> {
    if (data.size() < off + 2) return std::nullopt;
    return Be16(data, off);
  };
  switch (function) {
    case 5:
      return WriteRequest{kWriteSingleCoil, at(0), uint16_t{1}, {}};
    case 6:
      return WriteRequest{kWriteSingleRegister, at(0), uint16_t{1}, {}};
    case 15:
      return WriteRequest{kWriteMultipleCoils, at(0), at(2), {}};
    case 16:
      return WriteRequest{kWriteMultipleRegisters, at(0), at(2), {}};
    case 21:
      return WriteRequest{kWriteFileRecord, {}, {}, {}};
    case 22:
      return WriteRequest{kMaskWriteRegister, at(0), uint16_t{1}, {}};
    case 23:
      return WriteRequest{kReadWriteMultipleRegisters, at(4), at(6), {}};
    case 8: {
      std::optional<uint16_t> sub = at(0);
      if (!sub) return std::nullopt;
      std::optional<WriteIndex> kind = DiagnosticWrite(*sub);
      if (!kind) return std::nullopt;
      return WriteRequest{*kind, {}, {}, sub};
    }
    default:
      return std::nullopt;
  }
}

// Minimum request data length (after the function code) of each write, spec §6.
size_t MinWriteData(uint8_t function) {
  switch (function) {
    case 5:
    case 6:
    case 8:
      return 4;
    case 15:
    case 16:
      return 5;
    case 22:
      return 6;
    case 23:
      return 9;
    case 21:
      return 1;
    default:
      return 0;
  }
}

std::string ExceptionName(uint8_t code) {
  switch (code) {
    case 0x01:
      return "illegal_function";
    case 0x02:
      return "illegal_data_address";
    case 0x03:
      return "illegal_data_value";
    case 0x04:
      return "server_device_failure";
    case 0x05:
      return "acknowledge";
    case 0x06:
      return "server_device_busy";
    case 0x08:
      return "memory_parity_error";
    case 0x0A:
      return "gateway_path_unavailable";
    case 0x0B:
      return "gateway_target_failed_to_respond";
    default:
      return "code_" + std::to_string(code);
  }
}

// True if the MBAP header at the start of `d` (at least kLengthFieldEnd bytes) is valid.
bool ValidMbap(std::span<const uint8_t> d) {
  uint16_t length = Be16(d, 4);
  return Be16(d, 2) == 0 && length >= kMinLength && length <= kMaxLength;
}

class ModbusAnalyzer final : public Analyzer {
 public:
  using Analyzer::Analyzer;

  void Deliver(Direction dir, std::span<const uint8_t> data) override {
    std::vector<uint8_t>& buf = buffers_[Index(dir)];
    buf.insert(buf.end(), data.begin(), data.end());
    size_t used = ParseAdus(dir, buf);
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
    if (buf.size() > kMaxBuffer) GiveUp("buffer_overflow");
  }

  void Gap(Direction, uint64_t) override { GiveUp("gap"); }

  void Finish() override { Summarise(); }

 private:
  // Parses every complete ADU at the start of `buf`; returns the bytes consumed.
  size_t ParseAdus(Direction dir, std::span<const uint8_t> buf) {
    size_t pos = 0;
    while (!stopped() && buf.size() - pos >= kLengthFieldEnd) {
      std::span<const uint8_t> rest = buf.subspan(pos);
      if (!ValidMbap(rest)) {
        // No marker to find the next frame by in a TCP stream: guessing would misparse.
        GiveUp("bad_mbap");
        break;
      }
      size_t adu_size = kLengthFieldEnd + Be16(rest, 4);
      if (rest.size() < adu_size) break;
      OnAdu(dir, rest.first(adu_size));
      pos += adu_size;
    }
    return stopped() ? buf.size() : pos;
  }

  void OnAdu(Direction dir, std::span<const uint8_t> adu) {
    uint8_t unit = adu[6];
    uint8_t function = adu[7];
    std::span<const uint8_t> data = adu.subspan(kMbapSize + 1);
    bool exception = dir == Direction::kToClient && (function & kExceptionBit);
    uint8_t base = exception ? function & ~kExceptionBit : function;
    if (base == 0 || (function & kExceptionBit && !exception)) {
      ctx().Anomaly("bad_function");
      return;
    }
    if (IsPublicFunction(base)) {
      ctx().ConfirmProtocol("modbus");
    } else if (!IsUserDefinedFunction(base)) {
      ctx().Anomaly("unknown_function");
    }
    if (exception) {
      OnException(data);
    } else if (dir == Direction::kToServer) {
      OnRequest(unit, function, data);
    }
  }

  void OnException(std::span<const uint8_t> data) {
    if (data.size() != 1) {
      ctx().Anomaly("bad_exception");
      return;
    }
    ++exceptions_[data[0]];
  }

  void OnRequest(uint8_t unit, uint8_t function, std::span<const uint8_t> data) {
    std::optional<WriteRequest> write = ParseWrite(function, data);
    if (!write) return;
    if (data.size() < MinWriteData(function)) ctx().Anomaly("short_write");
    ++write_counts_[write->kind];
    if (alerted_.test(write->kind)) return;
    alerted_.set(write->kind);
    ReportWrite(unit, function, *write);
  }

  void ReportWrite(uint8_t unit, uint8_t function, const WriteRequest& w) {
    const WriteKind& kind = kWrites[w.kind];
    Finding f;
    f.kind = Finding::Kind::kAlert;
    f.rule = std::string(kind.operation);
    f.category = Category::kIcsWrite;
    f.severity = kind.severity;
    f.technique = std::string(kind.technique);
    f.operation = std::string(kind.operation);
    f.actor = Direction::kToServer;
    nlohmann::json m = {{"unit_id", unit}, {"function", function}};
    if (w.address) m["address"] = *w.address;
    if (w.quantity) m["quantity"] = *w.quantity;
    if (w.subfunction) m["subfunction"] = *w.subfunction;
    f.message = "Modbus client " + std::string(kind.description) + " on unit " +
                std::to_string(unit) + " (function " + std::to_string(function) + ")";
    f.fields = {{"modbus", std::move(m)}};
    ctx().Report(std::move(f));
  }

  // Facts for the flow's end: how many writes of each kind, and the exception responses.
  void Summarise() {
    if (summarised_) return;
    summarised_ = true;
    ReportWriteCounts();
    ReportExceptions();
  }

  void ReportWriteCounts() {
    nlohmann::json counts = nlohmann::json::object();
    for (size_t i = 0; i < kWriteKindCount; ++i) {
      if (write_counts_[i] > 0) counts[std::string(kWrites[i].operation)] = write_counts_[i];
    }
    if (counts.empty()) return;
    Finding f;
    f.kind = Finding::Kind::kObservation;
    f.rule = "modbus.writes";
    f.category = Category::kIcsWrite;
    f.severity = Severity::kInfo;
    f.message = "Modbus writes in this flow, by operation";
    f.fields = {{"modbus", {{"count", std::move(counts)}}}};
    ctx().Report(std::move(f));
  }

  void ReportExceptions() {
    if (exceptions_.empty()) return;
    nlohmann::json by_code = nlohmann::json::object();
    uint64_t total = 0;
    for (const auto& [code, n] : exceptions_) {
      by_code[ExceptionName(code)] = n;
      total += n;
    }
    Finding f;
    f.kind = Finding::Kind::kObservation;
    f.rule = "modbus.exceptions";
    f.category = Category::kPolicy;
    f.severity = Severity::kInfo;
    f.actor = Direction::kToClient;
    f.message = "Modbus server answered " + std::to_string(total) + " request(s) with exceptions";
    f.fields = {{"modbus", {{"exceptions", std::move(by_code)}, {"count", total}}}};
    ctx().Report(std::move(f));
  }

  // The engine does not call Finish() on a stopped analyser: report what we have first.
  void GiveUp(std::string_view why) {
    ctx().Anomaly(why);
    Summarise();
    Stop();
  }

  std::vector<uint8_t> buffers_[2];
  std::bitset<kWriteKindCount> alerted_;
  std::array<uint64_t, kWriteKindCount> write_counts_{};
  std::map<uint8_t, uint64_t> exceptions_;
  bool summarised_ = false;
};

// Expected request data length (after the function code) of the fixed-size requests, so that
// the probe only claims a flow whose first segment is one well-formed request.
std::optional<size_t> FixedRequestData(uint8_t function) {
  if (function >= 1 && function <= 6) return 4;
  if (function == 7 || function == 11 || function == 12 || function == 17) return 0;
  return std::nullopt;
}

bool Probe(Direction dir, std::span<const uint8_t> head) {
  if (dir != Direction::kToServer || head.size() < kMbapSize + 1) return false;
  if (!ValidMbap(head) || head.size() != kLengthFieldEnd + Be16(head, 4)) return false;
  uint8_t function = head[7];
  if (!IsPublicFunction(function)) return false;
  std::optional<size_t> fixed = FixedRequestData(function);
  return !fixed || head.size() == kMbapSize + 1 + *fixed;
}

std::unique_ptr<Analyzer> Create(AnalyzerContext& ctx) {
  return std::make_unique<ModbusAnalyzer>(ctx);
}

}  // namespace

const AnalyzerInfo& Info() {
  static const AnalyzerInfo kInfo{"modbus", Transport::kTcp, {502}, &Probe, &Create};
  return kInfo;
}

}  // namespace otguard::nba::analyzers::modbus
