// Protocol analysers: one per protocol, each in src/nba/analyzers/<protocol>/ with its tests
// and fuzzer. The engine creates an Analyzer per flow that matches its ports or probe, feeds it
// the flow's bytes in order, and the analyser reports Findings.
//
// Contract for implementers:
//  - Deliver() gets one direction's bytes in order: TCP reassembled (retransmissions removed,
//    holes announced by Gap()), one datagram per call for UDP. Chunks can split protocol
//    messages anywhere; buffer what you need, with a bound (kMaxBuffer) — past it, give up
//    with Stop() rather than grow.
//  - Never throw, never read outside the span, never loop without consuming input. Malformed
//    input is counted with Anomaly() and, where the protocol allows, resynchronised.
//  - Work per byte must be small: an analyser runs on every packet of its flows.
#ifndef OTGUARD_NBA_ANALYZER_H_
#define OTGUARD_NBA_ANALYZER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "otguard/nba/finding.h"
#include "otguard/nba/flow.h"
#include "otguard/nba/intel.h"

namespace otguard::nba {

// What an analyser may do besides parsing. Implemented by the engine (and by test harnesses).
class AnalyzerContext {
 public:
  virtual ~AnalyzerContext() = default;
  virtual const FlowInfo& flow() const = 0;
  virtual const Intel& intel() const = 0;
  // Time of the packet being delivered.
  virtual Micros now() const = 0;
  // Index of the packet being delivered (evidence).
  virtual uint64_t packet_index() const = 0;
  virtual void Report(Finding finding) = 0;
  // The flow is confirmed to carry this protocol (a static string, e.g. "smb"). First wins.
  virtual void ConfirmProtocol(std::string_view name) = 0;
  // A protocol violation the analyser skipped over; counted per analyser ("modbus.bad_length").
  virtual void Anomaly(std::string_view what) = 0;
};

class Analyzer {
 public:
  static constexpr size_t kMaxBuffer = 256 * 1024;

  explicit Analyzer(AnalyzerContext& ctx) : ctx_(ctx) {}
  virtual ~Analyzer() = default;
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  virtual void Deliver(Direction dir, std::span<const uint8_t> data) = 0;
  // `len` bytes of `dir` were not captured; the next Deliver(dir) continues after the hole.
  virtual void Gap(Direction dir, uint64_t len) { Stop(); }
  // The flow ended. Report what is pending.
  virtual void Finish() {}

  bool stopped() const { return stopped_; }

 protected:
  AnalyzerContext& ctx() { return ctx_; }
  // No more data for this analyser: not its protocol, or it lost sync for good.
  void Stop() { stopped_ = true; }

 private:
  AnalyzerContext& ctx_;
  bool stopped_ = false;
};

// How the engine finds and makes an analyser. One static instance per analyser.
struct AnalyzerInfo {
  std::string_view name;  // "smb": folder name, fuzzer name nba_<name>, counter prefix
  Transport transport = Transport::kTcp;
  // Well-known server ports. A flow to one of these gets the analyser without probing.
  std::vector<uint16_t> ports;
  // Optional payload probe for flows on other ports: the first payload bytes seen in `dir`
  // (at most 64). True if they look like this protocol. Must be cheap and strict enough not to
  // claim other protocols' flows.
  bool (*probe)(Direction dir, std::span<const uint8_t> first_bytes) = nullptr;
  std::unique_ptr<Analyzer> (*create)(AnalyzerContext& ctx) = nullptr;
  // A TCP analyser whose protocol also runs over UDP on these ports (one datagram per
  // Deliver(); the analyser tells them apart by ctx().flow().transport).
  std::vector<uint16_t> udp_ports = {};
};

// Reports each IOC match (Watchlist::Match*) as IocFinding(..., value, seen) through `ctx`.
void ReportIocMatches(AnalyzerContext& ctx, const std::vector<WireMatch>& matches,
                      std::string_view value, std::string_view seen);

// Every analyser compiled in (generated from src/nba/analyzers/*/ by CMake).
std::span<const AnalyzerInfo* const> BuiltinAnalyzers();
const AnalyzerInfo* FindAnalyzer(std::string_view name);

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_ANALYZER_H_
