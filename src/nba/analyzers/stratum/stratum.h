// Stratum analyser: the line-delimited JSON-RPC that cryptocurrency miners speak to pools.
// Every line is parsed as JSON (not matched as bytes: miners vary whitespace and key order),
// and the session is classified by its methods:
//  - "cryptonote-login": Monero/CryptoNote pools, {"method":"login","params":{"login":wallet,
//    "pass":..,"agent":"XMRig/.."}} answered by a job; the server pushes "job";
//  - "stratum-v1": Bitcoin-style "mining.subscribe" (agent in params[0]; ZIP 301 puts the pool
//    host in params[2]) and "mining.authorize" (user in params[0]); the server pushes
//    "mining.notify" / "mining.set_difficulty" / "mining.set_target";
//  - "ethereum-stratum": "eth_submitLogin"/"eth_login" (ethproxy), or a mining.subscribe that
//    announces "EthereumStratum/1.0.0" (NiceHash).
//
// Reports one alert "stratum.session" per flow (kMining, high, T1496 Resource Hijacking) as soon
// as the session is clear: a login, an authorize, or a subscribe the server answers with work.
//
// Sources: slush pool's Stratum v1 documentation, ZIP 301 (Zcash Stratum), NiceHash's
// EthereumStratum/1.0.0 proposal, the XMRig and xmr-stak client sources (CryptoNote "login").
// ET Open 2017871-2017873, 2024792 and 2027316 inspired the choice of methods; they match bytes,
// which misses other whitespace and eth_submitLogin, so this parses instead.
#ifndef OTGUARD_SRC_NBA_ANALYZERS_STRATUM_STRATUM_H_
#define OTGUARD_SRC_NBA_ANALYZERS_STRATUM_STRATUM_H_

#include "otguard/nba/analyzer.h"

namespace otguard::nba::analyzers::stratum {

// The registry entry: "stratum", TCP, common pool ports, and a probe for a JSON-RPC object.
const AnalyzerInfo& Info();

}  // namespace otguard::nba::analyzers::stratum

#endif  // OTGUARD_SRC_NBA_ANALYZERS_STRATUM_STRATUM_H_
