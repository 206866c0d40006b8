#include "nba/analyzers/s7comm/s7comm.h"

#include <array>
#include <bitset>
#include <optional>
#include <string>
#include <vector>

#include "nba/wire.h"

namespace otguard::nba::analyzers::s7comm {
namespace {

// RFC 1006 §6: TPKT = version 3, reserved, 16-bit length including this 4-byte header.
constexpr size_t kTpktHeader = 4;
constexpr uint8_t kTpktVersion = 3;
// Smallest TPKT carrying a COTP header: LI and the PDU type.
constexpr size_t kMinTpkt = kTpktHeader + 2;
// ISO 8073 TPDU codes (high nibble; CR/CC carry the credit in the low nibble).
constexpr uint8_t kCotpData = 0xF0, kCotpEot = 0x80;
// S7 PDUs are at most a few KiB (the PDU size negotiated by setup communication is 16 bits):
// a TSDU larger than this is not S7.
constexpr size_t kMaxTsdu = 64 * 1024;

constexpr uint8_t kS7ProtocolId = 0x32, kS7PlusProtocolId = 0x72;
enum Rosctr : uint8_t { kJob = 1, kAck = 2, kAckData = 3, kUserdata = 7 };

// Job function codes (first parameter byte).
enum Function : uint8_t {
  kCpuServices = 0x00,
  kReadVar = 0x04,
  kWriteVar = 0x05,
  kRequestDownload = 0x1A,
  kDownloadBlock = 0x1B,
  kDownloadEnded = 0x1C,
  kStartUpload = 0x1D,
  kUpload = 0x1E,
  kEndUpload = 0x1F,
  kPiService = 0x28,
  kPlcStop = 0x29,
  kSetupCommunication = 0xF0,
};

using wire::Be16;

// Characters of wire text (block, file and PI service names) kept in a finding.
constexpr size_t kMaxText = 32;

// What a job does to the PLC, and the ATT&CK for ICS technique for it.
struct Operation {
  std::string_view name;  // the `operation`, also the rule
  std::string_view description;
  std::string_view technique;
  Severity severity;
};

enum OperationIndex : size_t {
  kOpWriteVar,
  kOpBlockDownload,
  kOpPlcStop,
  kOpPlcStart,
  kOpBlockDelete,
  kOpBlockInsert,
  kOpCompressMemory,
  kOpCopyRamToRom,
  kOpPiService,
  kOpSetClock,
  kOperationCount
};

constexpr std::array<Operation, kOperationCount> kOperations = {{
    {"s7comm.write_var", "wrote PLC variables", "T0836", Severity::kMedium},
    {"s7comm.block_download", "downloaded program blocks to the PLC", "T0843", Severity::kHigh},
    {"s7comm.plc_stop", "stopped the PLC", "T0858", Severity::kCritical},
    {"s7comm.plc_start", "started (restarted) the PLC", "T0858", Severity::kHigh},
    {"s7comm.block_delete", "deleted program blocks", "T0809", Severity::kHigh},
    {"s7comm.block_insert", "activated downloaded blocks", "T0843", Severity::kHigh},
    {"s7comm.compress_memory", "compressed the PLC memory", "T0855", Severity::kMedium},
    {"s7comm.copy_ram_to_rom", "copied RAM to ROM", "T0843", Severity::kMedium},
    {"s7comm.pi_service", "called a PI service", "T0855", Severity::kMedium},
    {"s7comm.set_clock", "set the PLC clock", "T0836", Severity::kMedium},
}};

// PI (program invocation) service names, as sent in 0x28 jobs.
OperationIndex PiOperation(std::string_view service) {
  if (service == "P_PROGRAM") return kOpPlcStart;
  if (service == "_DELE") return kOpBlockDelete;
  if (service == "_INSE") return kOpBlockInsert;
  if (service == "_GARB") return kOpCompressMemory;
  if (service == "_MODU") return kOpCopyRamToRom;
  return kOpPiService;
}

std::string_view AreaName(uint8_t area) {
  switch (area) {
    case 0x1C:
      return "counter";
    case 0x1D:
      return "timer";
    case 0x80:
      return "peripheral";
    case 0x81:
      return "inputs";
    case 0x82:
      return "outputs";
    case 0x83:
      return "flags";
    case 0x84:
      return "data_block";
    case 0x85:
      return "instance_data_block";
    case 0x86:
      return "local";
    default:
      return "other";
  }
}

std::string_view BlockTypeName(uint8_t ascii) {
  switch (ascii) {
    case '8':
      return "OB";
    case 'A':
      return "DB";
    case 'B':
      return "SDB";
    case 'C':
      return "FC";
    case 'D':
      return "SFC";
    case 'E':
      return "FB";
    case 'F':
      return "SFB";
    default:
      return "unknown";
  }
}

// A block file name as download/upload and PI services carry it: '_' or '0', '0', block type,
// five digits, destination file system ("_0A00001P" is DB 1).
void AddBlockName(std::span<const uint8_t> name, nlohmann::json& out) {
  if (name.size() < 8) return;
  out["block_type"] = BlockTypeName(name[2]);
  out["block_number"] = wire::PrintableText(name.subspan(3, 5), kMaxText);
}

// Details of one job, for the alert.
struct Job {
  OperationIndex op;
  nlohmann::json fields = nlohmann::json::object();
};

// Write var (0x05): item count, then 12-byte S7ANY items (0x12, 0x0A, 0x10, transport size,
// length, DB number, area, 24-bit bit address). The first item goes into the alert.
Job ParseWriteVar(std::span<const uint8_t> params) {
  Job job{kOpWriteVar};
  if (params.size() < 2) return job;
  job.fields["items"] = params[1];
  if (params.size() >= 14 && params[2] == 0x12 && params[4] == 0x10) {
    std::span<const uint8_t> item = params.subspan(2, 12);
    job.fields["length"] = Be16(item, 4);
    job.fields["db"] = Be16(item, 6);
    job.fields["area"] = AreaName(item[8]);
    uint32_t bits = uint32_t{item[9]} << 16 | uint32_t{item[10]} << 8 | item[11];
    job.fields["address"] = bits >> 3;
  }
  return job;
}

// Download/upload jobs: function, status, error code (2), id (4), then (if present) the file
// name's length and the file name.
void ParseBlockFile(std::span<const uint8_t> params, Job& job) {
  if (params.size() <= 8) return;
  size_t len = params[8];
  if (params.size() < 9 + len) return;
  std::span<const uint8_t> name = params.subspan(9, len);
  job.fields["filename"] = wire::PrintableText(name, kMaxText);
  AddBlockName(name, job.fields);
}

// PI service (0x28): function, 7 unknown bytes, parameter block length (2), parameter block,
// service name length (1), service name. _DELE/_INSE list blocks in the parameter block:
// count, unknown, then 8 bytes per block ('0', type, five digits, file system).
std::optional<Job> ParsePiService(std::span<const uint8_t> params) {
  if (params.size() < 10) return std::nullopt;
  size_t block_len = Be16(params, 8);
  if (params.size() < 11 + block_len) return std::nullopt;
  std::span<const uint8_t> block = params.subspan(10, block_len);
  size_t name_len = params[10 + block_len];
  if (params.size() < 11 + block_len + name_len) return std::nullopt;
  std::string service = wire::PrintableText(params.subspan(11 + block_len, name_len), kMaxText);
  Job job{PiOperation(service)};
  job.fields["pi_service"] = service;
  if (block.size() >= 10 && block[0] > 0) {
    job.fields["blocks"] = block[0];
    // The block entries lack the leading '_': shift so AddBlockName sees type at [2].
    std::vector<uint8_t> name = {'_'};
    name.insert(name.end(), block.begin() + 2, block.begin() + 10);
    AddBlockName(name, job.fields);
  } else if (block_len == 2) {
    job.fields["argument"] = wire::PrintableText(block, kMaxText);
  }
  return job;
}

// PLC stop (0x29): function, 5 unknown bytes, service name length, service name.
Job ParsePlcStop(std::span<const uint8_t> params) {
  Job job{kOpPlcStop};
  if (params.size() >= 7 && params.size() >= 7u + params[6]) {
    job.fields["pi_service"] = wire::PrintableText(params.subspan(7, params[6]), kMaxText);
  }
  return job;
}

class S7commAnalyzer final : public Analyzer {
 public:
  using Analyzer::Analyzer;

  void Deliver(Direction dir, std::span<const uint8_t> data) override {
    std::vector<uint8_t>& buf = streams_[Index(dir)];
    buf.insert(buf.end(), data.begin(), data.end());
    size_t used = ParseTpkts(dir, buf);
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
    if (buf.size() > kMaxBuffer) GiveUp("buffer_overflow");
  }

  void Gap(Direction, uint64_t) override { GiveUp("gap"); }

  void Finish() override { Summarise(); }

 private:
  size_t ParseTpkts(Direction dir, std::span<const uint8_t> buf) {
    size_t pos = 0;
    while (!stopped() && buf.size() - pos >= kTpktHeader) {
      std::span<const uint8_t> rest = buf.subspan(pos);
      size_t len = Be16(rest, 2);
      if (rest[0] != kTpktVersion || len < kMinTpkt) {
        GiveUp("bad_tpkt");  // RFC 1006 has no marker to resynchronise on
        break;
      }
      if (rest.size() < len) break;
      OnCotp(dir, rest.subspan(kTpktHeader, len - kTpktHeader));
      pos += len;
    }
    return stopped() ? buf.size() : pos;
  }

  // ISO 8073: LI (header length after itself), TPDU code, then for DT the TPDU number with
  // the end-of-TSDU bit. Only DT carries user data; a TSDU can span several DTs.
  void OnCotp(Direction dir, std::span<const uint8_t> cotp) {
    size_t li = cotp[0];
    if (li < 1 || 1 + li > cotp.size()) {
      ctx().Anomaly("bad_cotp");
      return;
    }
    if (cotp[1] != kCotpData) return;  // CR, CC, DR ...: connection management
    if (li < 2) {
      ctx().Anomaly("bad_cotp");
      return;
    }
    std::vector<uint8_t>& tsdu = tsdus_[Index(dir)];
    std::span<const uint8_t> user = cotp.subspan(1 + li);
    if (tsdu.size() + user.size() > kMaxTsdu) {
      ctx().Anomaly("tsdu_too_long");
      tsdu.clear();
      return;
    }
    tsdu.insert(tsdu.end(), user.begin(), user.end());
    if (!(cotp[2] & kCotpEot)) return;
    std::vector<uint8_t> pdu;
    pdu.swap(tsdu);
    if (!pdu.empty()) OnTsdu(dir, pdu);
  }

  void OnTsdu(Direction dir, std::span<const uint8_t> pdu) {
    if (pdu[0] == kS7PlusProtocolId) {
      OnS7Plus();
    } else if (pdu[0] == kS7ProtocolId) {
      OnS7(dir, pdu);
    } else if (!confirmed_) {
      Stop();  // ISO-on-TCP carrying something else (IEC 61850 MMS also uses port 102)
    } else {
      ctx().Anomaly("bad_protocol_id");
    }
  }

  // S7 header: protocol id, ROSCTR, redundancy id (2), PDU reference (2), parameter length
  // (2), data length (2), and for acknowledgements an error class and code.
  void OnS7(Direction dir, std::span<const uint8_t> pdu) {
    if (pdu.size() < 10) {
      ctx().Anomaly("short_header");
      return;
    }
    uint8_t rosctr = pdu[1];
    size_t header = rosctr == kAck || rosctr == kAckData ? 12 : 10;
    if (rosctr != kJob && rosctr != kAck && rosctr != kAckData && rosctr != kUserdata) {
      ctx().Anomaly("bad_rosctr");
      return;
    }
    size_t param_len = Be16(pdu, 6), data_len = Be16(pdu, 8);
    if (pdu.size() < header + param_len + data_len) {
      ctx().Anomaly("bad_length");
      return;
    }
    confirmed_ = true;
    ctx().ConfirmProtocol("s7comm");
    if (dir != Direction::kToServer || param_len == 0) return;
    std::span<const uint8_t> params = pdu.subspan(header, param_len);
    std::span<const uint8_t> data = pdu.subspan(header + param_len, data_len);
    if (rosctr == kJob) OnJob(params);
    if (rosctr == kUserdata) OnUserdata(params, data);
  }

  void OnJob(std::span<const uint8_t> params) {
    uint8_t function = params[0];
    std::optional<Job> job;
    switch (function) {
      case kWriteVar:
        job = ParseWriteVar(params);
        break;
      case kRequestDownload:
      case kDownloadBlock:
      case kDownloadEnded:
        job = Job{kOpBlockDownload};
        ParseBlockFile(params, *job);
        break;
      case kStartUpload:
        OnUpload(params);
        break;
      case kPiService:
        job = ParsePiService(params);
        if (!job) ctx().Anomaly("bad_pi_service");
        break;
      case kPlcStop:
        job = ParsePlcStop(params);
        break;
      case kReadVar:
      case kUpload:
      case kEndUpload:
      case kSetupCommunication:
      case kCpuServices:
        break;
      default:
        ctx().Anomaly("unknown_function");
        break;
    }
    if (!job) return;
    job->fields["function"] = function;
    Record(std::move(*job));
  }

  // Userdata parameters: head (0x00 0x01 0x12), length, method, type (high nibble: 4 request)
  // and function group (low nibble), subfunction, sequence number. Group 7 is the clock;
  // subfunctions 2 and 4 set it.
  void OnUserdata(std::span<const uint8_t> params, std::span<const uint8_t>) {
    if (params.size() < 7 || params[0] != 0x00 || params[1] != 0x01 || params[2] != 0x12) return;
    uint8_t type = params[5] >> 4, group = params[5] & 0x0F, sub = params[6];
    if (type == 0x4 && group == 0x7 && (sub == 0x02 || sub == 0x04)) {
      Job job{kOpSetClock};
      job.fields["function_group"] = group;
      job.fields["subfunction"] = sub;
      Record(std::move(job));
    }
  }

  // Uploads read the program (T0845 Program Upload): a fact for the correlator, not a write.
  void OnUpload(std::span<const uint8_t> params) {
    if (upload_reported_) return;
    upload_reported_ = true;
    Job job{kOpPiService};
    ParseBlockFile(params, job);
    Finding f;
    f.kind = Finding::Kind::kObservation;
    f.rule = "s7comm.block_upload";
    f.category = Category::kPolicy;
    f.severity = Severity::kInfo;
    f.technique = "T0845";
    f.message = "S7 client uploaded program blocks from the PLC";
    f.fields = {{"s7comm", std::move(job.fields)}};
    ctx().Report(std::move(f));
  }

  void OnS7Plus() {
    ctx().ConfirmProtocol("s7comm");
    confirmed_ = true;
    if (plus_reported_) return;
    plus_reported_ = true;
    Finding f;
    f.kind = Finding::Kind::kObservation;
    f.rule = "s7comm.s7commplus";
    f.category = Category::kPolicy;
    f.severity = Severity::kInfo;
    f.message = "S7comm-plus session (S7-1200/1500): not decoded";
    f.fields = {{"s7comm", {{"protocol_id", kS7PlusProtocolId}}}};
    ctx().Report(std::move(f));
  }

  void Record(Job job) {
    ++counts_[job.op];
    if (alerted_.test(job.op)) return;
    alerted_.set(job.op);
    const Operation& op = kOperations[job.op];
    Finding f;
    f.kind = Finding::Kind::kAlert;
    f.rule = std::string(op.name);
    f.operation = std::string(op.name);
    f.category = Category::kIcsWrite;
    f.severity = op.severity;
    f.technique = std::string(op.technique);
    f.actor = Direction::kToServer;
    f.message = "S7 client " + std::string(op.description);
    if (job.fields.contains("pi_service")) {
      f.message += " (" + job.fields["pi_service"].get<std::string>() + ")";
    }
    f.fields = {{"s7comm", std::move(job.fields)}};
    ctx().Report(std::move(f));
  }

  void Summarise() {
    if (summarised_) return;
    summarised_ = true;
    nlohmann::json counts = nlohmann::json::object();
    for (size_t i = 0; i < kOperationCount; ++i) {
      if (counts_[i] > 0) counts[std::string(kOperations[i].name)] = counts_[i];
    }
    if (counts.empty()) return;
    Finding f;
    f.kind = Finding::Kind::kObservation;
    f.rule = "s7comm.writes";
    f.category = Category::kIcsWrite;
    f.severity = Severity::kInfo;
    f.message = "S7 operations that change the PLC in this flow, by operation";
    f.fields = {{"s7comm", {{"count", std::move(counts)}}}};
    ctx().Report(std::move(f));
  }

  // The engine does not call Finish() on a stopped analyser: report what we have first.
  void GiveUp(std::string_view why) {
    if (confirmed_) ctx().Anomaly(why);
    Summarise();
    Stop();
  }

  std::vector<uint8_t> streams_[2];
  std::vector<uint8_t> tsdus_[2];
  std::bitset<kOperationCount> alerted_;
  std::array<uint64_t, kOperationCount> counts_{};
  bool confirmed_ = false, upload_reported_ = false, plus_reported_ = false;
  bool summarised_ = false;
};

// A flow on another port is claimed only by a client's first TPKT carrying a COTP connection
// request whose parameters are the S7 TSAPs (0xC1 calling, 0xC2 called, two bytes each; RDP's
// X.224 request carries a cookie instead), or a DT whose user data is an S7 job header.
bool Probe(Direction dir, std::span<const uint8_t> head) {
  if (dir != Direction::kToServer || head.size() < kMinTpkt + 1) return false;
  if (head[0] != kTpktVersion || head[1] != 0 || Be16(head, 2) < kMinTpkt) return false;
  std::span<const uint8_t> cotp = head.subspan(kTpktHeader);
  size_t li = cotp[0];
  if (li < 2 || 1 + li > cotp.size()) return false;
  if (cotp[1] == kCotpData) {
    return cotp.size() >= 1 + li + 2 && cotp[1 + li] == kS7ProtocolId && cotp[2 + li] == kJob;
  }
  if ((cotp[1] & 0xF0) != 0xE0 || li < 6) return false;
  bool calling = false, called = false;
  for (size_t p = 7; p + 2 <= 1 + li;) {  // parameters after the 6 fixed bytes
    uint8_t code = cotp[p], plen = cotp[p + 1];
    if (code == 0xC1 && plen == 2) calling = true;
    if (code == 0xC2 && plen == 2) called = true;
    p += 2 + plen;
  }
  return calling && called;
}

std::unique_ptr<Analyzer> Create(AnalyzerContext& ctx) {
  return std::make_unique<S7commAnalyzer>(ctx);
}

}  // namespace

const AnalyzerInfo& Info() {
  static const AnalyzerInfo kInfo{"s7comm", Transport::kTcp, {102}, &Probe, &Create};
  return kInfo;
}

}  // namespace otguard::nba::analyzers::s7comm
