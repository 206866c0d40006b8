// Watchlist (watchlist.h): hash indexes keyed by the normal forms, so that a lookup costs one
// hash per DNS label, per URL, or per prefix length of the listed addresses.
#include "otguard/nba/watchlist.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/string_view.h>

#include <algorithm>

#include "otguard/base/ip_text.h"
#include "otguard/base/url.h"

namespace otguard::nba {
namespace {

struct Entry {
  uint32_t indicator = 0;
  uint32_t value = 0;  // index into the indicator's urls, domains or addresses
};
using EntryMap = absl::flat_hash_map<std::string, std::vector<Entry>>;

// The first `length` bits of `ip`, the rest zero.
IpAddress Masked(const IpAddress& ip, int length) {
  IpAddress out = ip;
  for (int i = 0; i < 16; ++i) {
    int keep = std::clamp(length - i * 8, 0, 8);
    out.bytes[i] &= static_cast<uint8_t>(0xFF00u >> keep);
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void AddOnce(std::vector<WireMatch>& out, uint32_t indicator, std::string matched) {
  for (const WireMatch& m : out) {
    if (m.indicator == indicator) return;
  }
  out.push_back({indicator, std::move(matched)});
}

}  // namespace

class Watchlist::Index {
 public:
  struct Prefixes {
    int length = 128;  // in the 128-bit space: an IPv4 /24 is 120
    absl::flat_hash_map<IpAddress, std::vector<Entry>> networks;
  };

  Status Add(uint32_t i, const WatchedIndicator& ind);
  bool PortsHold(const WatchedIndicator& ind, const FlowInfo& flow, uint16_t port) const;

  std::vector<WatchedIndicator> indicators;
  EntryMap urls;                   // UrlMatchKey -> entries
  EntryMap names, zones;           // "x.example"; "*.zone" under "zone"
  std::vector<Prefixes> prefixes;  // one per prefix length in use, longest first
  absl::flat_hash_map<uint16_t, std::vector<uint32_t>> port_only;  // indicators without addresses
};

Status Watchlist::Index::Add(uint32_t i, const WatchedIndicator& ind) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument(ind.pack_id + "/" + ind.indicator_id + ": " + why);
  };
  if (!ind.protocol.empty() && ind.protocol != "tcp" && ind.protocol != "udp") {
    return bad("protocol '" + ind.protocol + "' is not tcp or udp");
  }
  for (uint32_t v = 0; v < ind.urls.size(); ++v) {
    auto normal = NormalizeUrl(ind.urls[v]);
    if (!normal) return bad(std::string(normal.error().message()));
    urls[UrlMatchKey(*normal)].push_back({i, v});
  }
  for (uint32_t v = 0; v < ind.domains.size(); ++v) {
    auto normal = NormalizeDomainName(ind.domains[v], /*allow_wildcard=*/true);
    if (!normal) return bad(std::string(normal.error().message()));
    if (normal->starts_with("*.")) {
      zones[normal->substr(2)].push_back({i, v});
    } else {
      names[*normal].push_back({i, v});
    }
  }
  for (uint32_t v = 0; v < ind.addresses.size(); ++v) {
    std::optional<IpPrefix> p = ParseIpPrefix(ind.addresses[v]);
    if (!p) return bad("'" + ind.addresses[v] + "' is not an address or CIDR prefix");
    IpAddress ip = p->family == 4 ? IpAddress::V4(p->bytes.data()) : IpAddress::V6(p->bytes.data());
    int length = p->family == 4 ? p->length + 96 : p->length;
    auto it = std::find_if(prefixes.begin(), prefixes.end(),
                           [&](const Prefixes& s) { return s.length == length; });
    if (it == prefixes.end()) {
      prefixes.push_back({length, {}});
      it = prefixes.end() - 1;
    }
    it->networks[Masked(ip, length)].push_back({i, v});
  }
  if (ind.addresses.empty()) {
    for (uint16_t port : ind.ports) port_only[port].push_back(i);
  }
  return Status::Ok();
}

// The transport and, when the indicator lists ports, `port` (the listed side's port).
bool Watchlist::Index::PortsHold(const WatchedIndicator& ind, const FlowInfo& flow,
                                 uint16_t port) const {
  const bool has_ports = flow.transport == Transport::kTcp || flow.transport == Transport::kUdp;
  if (!ind.protocol.empty() && (!has_ports || TransportName(flow.transport) != ind.protocol)) {
    return false;
  }
  if (ind.ports.empty()) return true;
  return has_ports && std::find(ind.ports.begin(), ind.ports.end(), port) != ind.ports.end();
}

Result<Watchlist> Watchlist::Build(std::vector<WatchedIndicator> indicators) {
  Watchlist w;
  if (indicators.empty()) return w;
  auto index = std::make_shared<Index>();
  index->indicators = std::move(indicators);
  for (uint32_t i = 0; i < index->indicators.size(); ++i) {
    OTGUARD_RETURN_IF_ERROR(index->Add(i, index->indicators[i]));
  }
  std::sort(index->prefixes.begin(), index->prefixes.end(),
            [](const Index::Prefixes& a, const Index::Prefixes& b) { return a.length > b.length; });
  w.index_ = std::move(index);
  return w;
}

bool Watchlist::has_urls() const { return index_ && !index_->urls.empty(); }
bool Watchlist::has_domains() const {
  return index_ && !(index_->names.empty() && index_->zones.empty());
}
bool Watchlist::has_endpoints() const {
  return index_ && !(index_->prefixes.empty() && index_->port_only.empty());
}

const std::vector<WatchedIndicator>& Watchlist::indicators() const {
  static const std::vector<WatchedIndicator> kNone;
  return index_ ? index_->indicators : kNone;
}

std::vector<WireMatch> Watchlist::MatchUrl(std::string_view url) const {
  std::vector<WireMatch> out;
  if (!has_urls()) return out;
  auto normal = NormalizeUrl(url);
  if (!normal) return out;
  auto it = index_->urls.find(UrlMatchKey(*normal));
  if (it == index_->urls.end()) return out;
  for (const Entry& e : it->second) {
    AddOnce(out, e.indicator, index_->indicators[e.indicator].urls[e.value]);
  }
  return out;
}

std::vector<WireMatch> Watchlist::MatchDomain(std::string_view name) const {
  std::vector<WireMatch> out;
  if (!has_domains()) return out;
  std::string n = Lower(name);
  while (!n.empty() && n.back() == '.') n.pop_back();
  auto add = [&](const EntryMap& map, std::string_view key) {
    // Debian's Abseil has its own string_view: look up without a copy through it.
    auto it = map.find(absl::string_view(key.data(), key.size()));
    if (it == map.end()) return;
    for (const Entry& e : it->second) {
      AddOnce(out, e.indicator, index_->indicators[e.indicator].domains[e.value]);
    }
  };
  add(index_->names, n);
  // "*.zone" holds for the zone itself and every name under it: try each suffix at a label
  // boundary.
  for (std::string_view rest = n; !rest.empty();) {
    add(index_->zones, rest);
    size_t dot = rest.find('.');
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return out;
}

std::vector<WireMatch> Watchlist::MatchFlow(const FlowInfo& flow) const {
  std::vector<WireMatch> out;
  if (!has_endpoints()) return out;
  for (const Endpoint* end : {&flow.server, &flow.client}) {
    for (const Index::Prefixes& set : index_->prefixes) {
      auto it = set.networks.find(Masked(end->ip, set.length));
      if (it == set.networks.end()) continue;
      for (const Entry& e : it->second) {
        const WatchedIndicator& ind = index_->indicators[e.indicator];
        if (index_->PortsHold(ind, flow, end->port))
          AddOnce(out, e.indicator, ind.addresses[e.value]);
      }
    }
  }
  // Ports alone name the server's port: a client's ephemeral port says nothing.
  if (auto it = index_->port_only.find(flow.server.port); it != index_->port_only.end()) {
    for (uint32_t i : it->second) {
      const WatchedIndicator& ind = index_->indicators[i];
      if (!index_->PortsHold(ind, flow, flow.server.port)) continue;
      AddOnce(out, i,
              std::string(TransportName(flow.transport)) + "/" + std::to_string(flow.server.port));
    }
  }
  return out;
}

Finding IocFinding(const WatchedIndicator& indicator, const WireMatch& match,
                   std::string_view value, std::string_view seen) {
  Finding f;
  f.rule = "ioc." + indicator.pack_id + "." + indicator.indicator_id;
  f.category = Category::kIoc;
  f.severity = indicator.severity;
  f.technique = indicator.technique;
  f.ruleset = {indicator.pack_id, indicator.pack_version};
  f.message = indicator.title + ": " + std::string(seen) + " " + std::string(value);
  if (match.matched != value) f.message += " matches " + match.matched;
  f.message += " (" + indicator.pack_id + "/" + indicator.indicator_id + ")";
  f.fields = {{"ioc",
               {{"pack", indicator.pack_id},
                {"pack_version", indicator.pack_version},
                {"indicator", indicator.indicator_id},
                {"title", indicator.title},
                {"matched", match.matched},
                {"value", value},
                {"seen", seen}}}};
  return f;
}

}  // namespace otguard::nba
