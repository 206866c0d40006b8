// EtherNet/IP analyser (TCP 44818): the encapsulation layer (ODVA CIP Vol 2 ch. 2: 24-byte
// header, commands, common packet format items) and the CIP message router requests it
// carries (CIP Vol 1 ch. 2 and appendix A/C: service codes, EPATH segments). Requests that
// change a device — Set_Attribute_*, Reset, Start, Stop, Create/Delete, member services, and
// the Logix tag services Write Tag, Write Tag Fragmented and Read-Modify-Write Tag — are
// reported once per flow and operation as kIcsWrite alerts ("enip.<service>"). Multiple
// Service Packets and Unconnected Sends are opened to reach the embedded requests.
//
// The analyser also understands datagrams (UDP 44818 encapsulation, UDP 2222 class 1 I/O,
// counted only) for a UDP registration; Info() registers the TCP side.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_ENIP_ENIP_H_
#define OTGUARD_SRC_NBA_ANALYZERS_ENIP_ENIP_H_

#include "otguard/nba/analyzer.h"

namespace otguard::nba::analyzers::enip {

// The registry entry: "enip", TCP, port 44818, a strict probe for other ports.
const AnalyzerInfo& Info();

}  // namespace otguard::nba::analyzers::enip

#endif  // OTGUARD_SRC_NBA_ANALYZERS_ENIP_ENIP_H_
