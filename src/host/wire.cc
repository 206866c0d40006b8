// IOC packs as traffic can show them (otguard/host/wire.h).
#include "otguard/host/wire.h"

#include <utility>

namespace otguard::host {
namespace {

bool OnTheWire(const Indicator& ind) {
  return ind.kind == IndicatorKind::kRemoteEndpoint &&
         !(ind.urls.empty() && ind.domains.empty() && ind.addresses.empty() && ind.ports.empty());
}

nba::WatchedIndicator Watched(const Pack& pack, const Indicator& ind) {
  nba::WatchedIndicator w;
  w.pack_id = pack.id;
  w.pack_version = pack.version;
  w.indicator_id = ind.id;
  w.title = ind.title;
  w.severity = ind.severity;
  w.technique = ind.technique;
  w.urls = ind.urls;
  w.domains = ind.domains;
  w.addresses = ind.addresses;
  w.ports = ind.ports;
  w.protocol = ind.protocol;
  return w;
}

}  // namespace

std::vector<nba::WatchedIndicator> WireIndicators(const std::vector<Pack>& packs) {
  std::vector<nba::WatchedIndicator> out;
  for (const Pack& pack : packs) {
    for (const Indicator& ind : pack.indicators) {
      if (OnTheWire(ind)) out.push_back(Watched(pack, ind));
    }
  }
  return out;
}

WireWatch LoadWireWatch(const PackSources& sources) {
  LoadedPacks loaded = LoadPacks(sources);
  WireWatch watch;
  watch.errors = std::move(loaded.errors);
  watch.notes = std::move(loaded.notes);
  for (const Pack& pack : loaded.packs) {
    std::vector<nba::WatchedIndicator> wire = WireIndicators({pack});
    if (wire.empty() && pack.origin != "built-in") {
      watch.errors.push_back(pack.origin +
                             ": no indicator that traffic can show (URLs, domains, addresses or "
                             "ports of remote-endpoint indicators)");
    }
    for (auto& w : wire) watch.indicators.push_back(std::move(w));
  }
  return watch;
}

}  // namespace otguard::host
