// A pack's indicators for a person and for a program (`otguard ioc show`).
#include <fmt/format.h>

#include "otguard/host/ioc.h"

namespace otguard::host {

std::string PackText(const Pack& pack) {
  std::string out = fmt::format("{} {} ({}): {}, {} indicators\n", pack.id, pack.version,
                                pack.origin, pack.name, pack.indicators.size());
  for (const Indicator& i : pack.indicators) {
    std::string technique =
        i.technique.empty() ? "-" : i.technique + " " + std::string(IcsTechniqueName(i.technique));
    out += fmt::format("  {:<34} {:<15} {:<8} {:<42} {}\n", i.id, IndicatorKindName(i.kind),
                       SeverityName(i.severity), technique, i.title);
  }
  return out;
}

nlohmann::json IndicatorSummary(const Pack& pack, const Indicator& i) {
  return {{"pack", pack.id},
          {"pack_version", pack.version},
          {"id", i.id},
          {"kind", IndicatorKindName(i.kind)},
          {"severity", SeverityName(i.severity)},
          {"technique", i.technique},
          {"technique_name", std::string(IcsTechniqueName(i.technique))},
          {"title", i.title}};
}

}  // namespace otguard::host
