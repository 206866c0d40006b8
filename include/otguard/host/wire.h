// IOC packs as traffic can show them: the remote-endpoint indicators' URLs, domains, addresses
// and ports become the watchlist of `otguard nba analyze` (otguard/nba/watchlist.h). The other
// kinds (files, processes, services, registry, tasks, autoruns, a port this host listens on)
// describe a host, not its traffic, and are left out.
//
// Thread-safety: the functions are thread-safe; the structs are plain values.
#ifndef OTGUARD_HOST_WIRE_H_
#define OTGUARD_HOST_WIRE_H_

#include <string>
#include <vector>

#include "otguard/host/hunt_run.h"
#include "otguard/host/ioc.h"
#include "otguard/nba/watchlist.h"

namespace otguard::host {

// One WatchedIndicator per remote-endpoint indicator, in pack order, its values copied as the
// pack holds them (the loaders have normalized them).
std::vector<nba::WatchedIndicator> WireIndicators(const std::vector<Pack>& packs);

struct WireWatch {
  std::vector<nba::WatchedIndicator> indicators;
  std::vector<std::string> errors;  // LoadPacks' errors, and each pack or bundle that was
                                    // named but holds nothing traffic can show
  std::vector<std::string> notes;   // LoadPacks' notes (what a bundle left out)
};

// LoadPacks(sources), then WireIndicators. A named source whose packs give no wire indicator
// is an error line ("<origin>: no indicator that traffic can show ..."): analysing with nothing
// to look for must not read as clean traffic. The built-in packs are exempt.
WireWatch LoadWireWatch(const PackSources& sources);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_WIRE_H_
