// DNP3 (IEEE 1815-2012) over TCP port 20000: data link frames with their CRCs, transport
// segments reassembled into application fragments, and the application function codes that
// change an outstation (controls, writes, restarts, application stop/start, file transfer).
//
// Reports (rules under "dnp3."):
//  - kIcsWrite alerts with operation "dnp3.<function>" once per flow per function, fields
//    {"dnp3": {"function", "function_code", "source", "destination", "count", ...}};
//  - observation "dnp3.iin" when an outstation response raises a notable internal indication
//    (device restart, device trouble, local control ...), once per flow per indication.
// Anomalies: dnp3.bad_header_crc, dnp3.bad_data_crc, dnp3.resync, dnp3.transport_sequence,
// dnp3.fragment_too_long, dnp3.bad_length, dnp3.short_fragment.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_DNP3_DNP3_H_
#define OTGUARD_SRC_NBA_ANALYZERS_DNP3_DNP3_H_

#include <cstdint>
#include <span>

#include "otguard/nba/analyzer.h"

namespace otguard::nba::analyzers::dnp3 {

const AnalyzerInfo& Info();

// The DNP3 data link CRC (IEEE 1815-2012 9.2.6: polynomial 0x3D65, processed bit-reflected,
// initial value 0, result complemented; sent low byte first). Exposed for tests.
uint16_t Crc(std::span<const uint8_t> data);

}  // namespace otguard::nba::analyzers::dnp3

#endif  // OTGUARD_SRC_NBA_ANALYZERS_DNP3_DNP3_H_
