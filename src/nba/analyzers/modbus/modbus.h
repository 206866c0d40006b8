// Modbus/TCP analyser (TCP 502): frames the MBAP header, tells reads from writes and reports
// each kind of write a client makes to a server once per flow (kIcsWrite with an `operation`
// the baseline can learn). Exception responses are summarised in one observation per flow.
//
// Specifications: MODBUS Application Protocol Specification V1.1b3 (function codes, PDU
// layouts, exception codes) and MODBUS Messaging on TCP/IP Implementation Guide V1.0b (MBAP
// header). Zeek's modbus analyser inspired the split of requests and responses by direction.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_MODBUS_MODBUS_H_
#define OTGUARD_SRC_NBA_ANALYZERS_MODBUS_MODBUS_H_

#include "otguard/nba/analyzer.h"

namespace otguard::nba::analyzers::modbus {

// The registry entry: "modbus", TCP, port 502, a strict probe for other ports.
const AnalyzerInfo& Info();

}  // namespace otguard::nba::analyzers::modbus

#endif  // OTGUARD_SRC_NBA_ANALYZERS_MODBUS_MODBUS_H_
