// TLS analyser: reads the ClientHello (TCP 443/8443, and any port through a strict probe for a
// handshake record carrying a ClientHello) for the server name and ALPN, then stops: the rest of
// a TLS connection is encrypted.
//
// Reports:
//  - observation "tls.client_hello" per connection: {sni, alpn, client_version, server_port},
//    so the correlator can name the server;
//  - alert "tls.pool_sni" (kMining, high, T1496) when the SNI lies under a mining-pool domain
//    (miners that wrap Stratum in TLS, e.g. XMRig's "tls": true).
//
// Specifications: RFC 8446 §4.1.2 and RFC 5246 §6.2 / §7.4.1.2 (records, ClientHello), RFC 6066
// §3 (server_name), RFC 7301 §3.1 (ALPN). A ClientHello may span several records and segments.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_TLS_TLS_H_
#define OTGUARD_SRC_NBA_ANALYZERS_TLS_TLS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "otguard/nba/analyzer.h"

namespace otguard::nba::analyzers::tls {

// The registry entry: "tls", TCP 443 and 8443, and the ClientHello probe.
const AnalyzerInfo& Info();

struct ClientHello {
  uint16_t version = 0;           // legacy_version
  std::string sni;                // the first host_name entry, printable ASCII; empty if none
  std::vector<std::string> alpn;  // protocol names, printable ASCII
};

// Parses a ClientHello body (after the 4-byte handshake header). nullopt if a length field
// runs past `body`. Never reads outside `body`.
std::optional<ClientHello> ParseClientHello(std::span<const uint8_t> body);

}  // namespace otguard::nba::analyzers::tls

#endif  // OTGUARD_SRC_NBA_ANALYZERS_TLS_TLS_H_
