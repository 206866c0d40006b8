// DNS analyser: UDP 53/5353 (one message per datagram) and TCP 53 (each message behind a 2-byte
// length, RFC 1035 §4.2.2 / RFC 7766). Parses questions and the A, AAAA and CNAME answers of
// responses, with name compression.
//
// Reports:
//  - observation "dns.answer" for each response with answers: the query, its CNAME chain and the
//    addresses, so the correlator can map server IPs to the names a client looked up;
//  - alert "dns.pool_lookup" (kMining, high) once per queried name when the name or any CNAME
//    in its chain lies under a mining-pool domain (Intel::MatchPoolDomain) — an attacker name
//    aliased to a pool (MsraMiner's p1.mdfr6avyyle.online -> xmr.pool.minergate.com) is caught
//    through the chain. A pool query without a response is reported when the flow ends.
//
// Specification: RFC 1035 (message format, §4.1; compression, §4.1.4), RFC 3596 (AAAA),
// RFC 6891 (the 0x40 label type is gone: only 00 and 11 prefixes are valid). The idea of
// following CNAME chains to a pool comes from ET Open 2025451 (a lookup of
// xmr.pool.minergate.com), generalised to aliases.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_DNS_DNS_H_
#define OTGUARD_SRC_NBA_ANALYZERS_DNS_DNS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "otguard/nba/analyzer.h"

namespace otguard::nba::analyzers::dns {

// The registry entry: "dns", UDP 53 and 5353.
const AnalyzerInfo& Info();
// DNS over TCP 53: "dns_tcp" (the registry takes one transport per entry; this folder
// registers both, see CMakeLists.txt).
const AnalyzerInfo& TcpInfo();

inline constexpr uint16_t kTypeA = 1, kTypeCname = 5, kTypeAaaa = 28;

struct Record {
  std::string name;  // owner name, as on the wire (bytes outside printable ASCII escaped \DDD)
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string data;  // A/AAAA: the address as text; CNAME: the target name
};

struct Message {
  uint16_t id = 0;
  bool response = false;
  uint8_t rcode = 0;
  std::string query;  // the first question's name; empty if there is none
  uint16_t query_type = 0;
  std::vector<Record> answers;  // the A, AAAA and CNAME records of the answer section
  bool truncated = false;       // the answer section ended early (cut datagram or bad record)
};

// Parses one DNS message. nullopt when the header or the question section is malformed: too
// short, a label with a reserved prefix, a name longer than 255 octets, or a compression pointer
// that does not point before the name that uses it (which rules out pointer loops).
// Answers past a malformed record are dropped and `truncated` is set. Never reads outside `msg`.
std::optional<Message> ParseMessage(std::span<const uint8_t> msg);

// [query, cname1, cname2, ...]: the query followed through the CNAME records of `m` (case
// insensitive, at most as many steps as there are answers).
std::vector<std::string> CnameChain(const Message& m);

}  // namespace otguard::nba::analyzers::dns

#endif  // OTGUARD_SRC_NBA_ANALYZERS_DNS_DNS_H_
