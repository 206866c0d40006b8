// Names of the plant's hosts ("ES-01, engineering station"), so that alerts and the story speak
// the plant's language. Read from a JSON file with a "hosts" array of {"ip", "name", "role"}
// (the format of tests/integration/nba_incident_layout.json; other keys are ignored).
#ifndef OTGUARD_NBA_ASSETS_H_
#define OTGUARD_NBA_ASSETS_H_

#include <filesystem>
#include <map>
#include <string>

#include "otguard/base/status.h"
#include "otguard/nba/packet.h"

namespace otguard::nba {

struct Asset {
  std::string name;
  std::string role;  // "engineering-station", "operator-station", "opc-server", "plc" ...
};

class AssetNames {
 public:
  // Errors: kNotFound, kInvalidArgument (with the entry that is wrong).
  static Result<AssetNames> Load(const std::filesystem::path& file);
  static Result<AssetNames> Parse(std::string_view json_text);
  void Add(const IpAddress& ip, Asset asset) { by_ip_[ip] = std::move(asset); }
  const Asset* Find(const IpAddress& ip) const;
  // "192.168.1.10 [ES-01]" or just the address.
  std::string Label(const IpAddress& ip) const;
  size_t size() const { return by_ip_.size(); }

 private:
  std::map<IpAddress, Asset> by_ip_;
};

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_ASSETS_H_
