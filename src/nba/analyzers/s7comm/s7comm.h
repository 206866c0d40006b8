// Siemens S7comm analyser (ISO-on-TCP, TCP 102): TPKT (RFC 1006) → COTP (ISO 8073 class 0:
// connection request/confirm, data with end-of-TSDU reassembly) → S7 PDU (protocol id 0x32).
// Reports, once per flow each, the jobs a client sends that change a PLC: variable writes,
// block downloads, PI services (start, block delete ...) and PLC stop, as kIcsWrite alerts with
// an `operation` the baseline can learn. S7comm-plus (protocol id 0x72) is recognised only.
//
// Layouts follow RFC 1006, ISO 8073 and the public descriptions of S7comm in Wireshark's
// S7comm dissector documentation (facts only). Block uploads are reported as observations.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_S7COMM_S7COMM_H_
#define OTGUARD_SRC_NBA_ANALYZERS_S7COMM_S7COMM_H_

#include "otguard/nba/analyzer.h"

namespace otguard::nba::analyzers::s7comm {

// The registry entry: "s7comm", TCP, port 102, a strict probe for other ports.
const AnalyzerInfo& Info();

}  // namespace otguard::nba::analyzers::s7comm

#endif  // OTGUARD_SRC_NBA_ANALYZERS_S7COMM_S7COMM_H_
