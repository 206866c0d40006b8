// SMB analyser (TCP 445 direct-hosted, TCP 139 over the NetBIOS session service).
//
// Frames both directions (nbss.h), parses SMB1 (MS-CIFS) and SMB2/3 (MS-SMB2) headers, and
// reports:
//  - observation "smb.negotiate" (category hardening, once per flow): the dialects the client
//    offered, the one the server chose, and whether the session used SMB1 — the hardening
//    audit and the statistics read it. A flow seen without its NEGOTIATE still reports
//    whether SMB1 was used ("negotiated": false).
//  - the MS17-010 / DoublePulsar alerts documented in detector.h.
// Protocol violations are counted as anomalies ("smb.nbss.bad_magic", "smb.smb1.short" ...).
#ifndef OTGUARD_SRC_NBA_ANALYZERS_SMB_SMB_H_
#define OTGUARD_SRC_NBA_ANALYZERS_SMB_SMB_H_

#include <span>

#include "otguard/nba/analyzer.h"

namespace otguard::nba::analyzers::smb {

const AnalyzerInfo& Info();

// The payload probe for flows on other ports: an NBSS session message carrying an SMB header,
// or an NBSS session request (the client side of TCP 139).
bool Probe(Direction dir, std::span<const uint8_t> first_bytes);

}  // namespace otguard::nba::analyzers::smb

#endif  // OTGUARD_SRC_NBA_ANALYZERS_SMB_SMB_H_
