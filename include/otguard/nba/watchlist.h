// Indicators of compromise that traffic can show: URLs (in HTTP requests), domain names (DNS
// queries and CNAME answers, TLS SNI, the HTTP Host), addresses and server ports (flows). A
// plain list, filled by whoever holds IOC packs (host::WireIndicators turns packs into it), and
// indexed once into a Watchlist that the engine and the analysers consult through
// Intel::watchlist().
//
// Matching never widens: a URL matches only the same URL (UrlMatchKey of base/url.h, the one
// the hunt uses), never its host; "*.zone" matches the zone and every name under it, any other
// domain only itself; an indicator with addresses and ports needs both to hold on one flow.
//
// Thread-safety: a Watchlist is immutable once built; copies share the index; all const methods
// are thread-safe.
#ifndef OTGUARD_NBA_WATCHLIST_H_
#define OTGUARD_NBA_WATCHLIST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/event.h"
#include "otguard/base/status.h"
#include "otguard/nba/finding.h"
#include "otguard/nba/flow.h"

namespace otguard::nba {

struct WatchedIndicator {
  std::string pack_id, pack_version;  // the pack it comes from: the alert's rule.ruleset
  std::string indicator_id, title;
  Severity severity = Severity::kHigh;
  std::string technique;  // ATT&CK for ICS id, or ""
  // URLs in normal form (base/url.h NormalizeUrl); domains ("x.example" or "*.zone");
  // addresses or CIDR prefixes; server ports; "tcp", "udp" or "" (both).
  std::vector<std::string> urls, domains, addresses;
  std::vector<uint16_t> ports;
  std::string protocol;
};

// One indicator that the traffic matched: which one, and the value of the indicator that held
// ("http://x.example/a", "*.zone", "45.76.0.0/16", "tcp/45560").
struct WireMatch {
  size_t indicator = 0;  // index into Watchlist::indicators()
  std::string matched;
};

class Watchlist {
 public:
  Watchlist() = default;  // empty: every lookup returns nothing
  // Indexes the indicators. InvalidArgument "<pack>/<indicator>: ..." for a URL, domain,
  // address or protocol not in the forms above.
  static Result<Watchlist> Build(std::vector<WatchedIndicator> indicators);

  bool empty() const { return index_ == nullptr; }
  bool has_urls() const;
  bool has_domains() const;
  bool has_endpoints() const;  // addresses or ports
  const std::vector<WatchedIndicator>& indicators() const;

  // At most one match per indicator. `url` is any URL text; it is normalized here.
  std::vector<WireMatch> MatchUrl(std::string_view url) const;
  // A DNS name as seen on the wire (any case, trailing dot allowed).
  std::vector<WireMatch> MatchDomain(std::string_view name) const;
  // Either end's address, the server's port, the transport.
  std::vector<WireMatch> MatchFlow(const FlowInfo& flow) const;

  class Index;  // opaque: watchlist.cc

 private:
  std::shared_ptr<const Index> index_;
};

// The alert for a match: rule "ioc.<pack>.<indicator>", category kIoc, the indicator's
// severity and technique, the pack as ruleset, and fields {"ioc": {pack, pack_version,
// indicator, title, matched, value, seen}}. `value` is what the wire showed (a URL, a name, an
// address); `seen` where: "dns query", "dns answer", "tls sni", "http request", "http host",
// "flow".
Finding IocFinding(const WatchedIndicator& indicator, const WireMatch& match,
                   std::string_view value, std::string_view seen);

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_WATCHLIST_H_
