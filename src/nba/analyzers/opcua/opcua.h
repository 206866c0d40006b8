// OPC UA binary (UA TCP / UA Secure Conversation, OPC 10000-6 "UA Part 6: Mappings") on TCP
// port 4840, and on any port whose first bytes are a Hello.
//
// Reports (rules under "opcua."):
//  - observation "opcua.hello": the endpoint URL a client asked for and the security policy of
//    its secure channel (fields {"opcua": {"endpoint_url", "security_policy",
//    "security_policy_uri", "security_mode"}}), once per flow; policy None means anyone on the
//    path can read and forge the session;
//  - kIcsWrite alerts "opcua.write", "opcua.call", "opcua.add_nodes", "opcua.delete_nodes" with
//    the same operation, once per flow each, when an unencrypted channel (policy None) carries
//    the service request (fields {"opcua": {"service", "type_id", "count", ...}}).
// Anomalies: opcua.bad_header, opcua.oversized, opcua.bad_hello, opcua.bad_open.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_OPCUA_OPCUA_H_
#define OTGUARD_SRC_NBA_ANALYZERS_OPCUA_OPCUA_H_

#include "otguard/nba/analyzer.h"

namespace otguard::nba::analyzers::opcua {

const AnalyzerInfo& Info();

}  // namespace otguard::nba::analyzers::opcua

#endif  // OTGUARD_SRC_NBA_ANALYZERS_OPCUA_OPCUA_H_
