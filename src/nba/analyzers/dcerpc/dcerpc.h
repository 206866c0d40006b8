// Connection-oriented DCE/RPC (DCE 1.1 RPC, The Open Group C706, chapter 12; Microsoft
// extensions per [MS-RPCE] 2.2.2) on TCP 135 (the endpoint mapper) and on any port whose first
// client bytes are a bind: DCOM and OPC DA (OPC Classic) servers listen on dynamic ports.
//
// Reports (rules under "dcerpc."):
//  - observation "dcerpc.bind": the interfaces a client binds to, once per interface per flow,
//    fields {"dcerpc": {"interfaces": [{"uuid", "version", "name"?}]}};
//  - observation "dcerpc.epm_map": a TCP endpoint the endpoint mapper handed out (ept_map
//    response tower), fields {"dcerpc": {"interface", "port", "ip"?}}, so other components can
//    follow an RPC server's dynamic port;
//  - kIcsWrite alert "dcerpc.opc_da_write" (operation the same) when a client calls an OPC DA
//    write method (IOPCSyncIO::Write and its siblings), once per flow.
// Anomalies: dcerpc.bad_header, dcerpc.bad_bind, dcerpc.stub_too_long, dcerpc.bad_epm_tower.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_DCERPC_DCERPC_H_
#define OTGUARD_SRC_NBA_ANALYZERS_DCERPC_DCERPC_H_

#include "otguard/nba/analyzer.h"

namespace otguard::nba::analyzers::dcerpc {

const AnalyzerInfo& Info();

}  // namespace otguard::nba::analyzers::dcerpc

#endif  // OTGUARD_SRC_NBA_ANALYZERS_DCERPC_DCERPC_H_
