#include "otguard/nba/intel.h"

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>

#include "otguard/platform/files.h"
#include "otguard/platform/process.h"

namespace otguard::nba {
namespace {

uint32_t ServiceKey(Transport t, uint16_t port) {
  return uint32_t{static_cast<uint8_t>(t)} << 16 | port;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status TomlError(const std::filesystem::path& file, const toml::parse_error& e) {
  return Status(StatusCode::kInvalidArgument, file.string() + ":" +
                                                  std::to_string(e.source().begin.line) + ": " +
                                                  std::string(e.description()));
}

Status FieldError(const std::filesystem::path& file, const toml::node& node,
                  std::string_view what) {
  return Status(
      StatusCode::kInvalidArgument,
      file.string() + ":" + std::to_string(node.source().begin.line) + ": " + std::string(what));
}

Result<uint16_t> ReadPort(const std::filesystem::path& file, const toml::node& node) {
  auto v = node.value<int64_t>();
  if (!v || *v < 1 || *v > 65535) return Unexpected(FieldError(file, node, "port not in 1..65535"));
  return static_cast<uint16_t>(*v);
}

Result<toml::table> ParseToml(std::string_view text, const std::filesystem::path& file) {
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    return Unexpected(TomlError(file, e));
  }
}

Status ParsePools(std::string_view text, const std::filesystem::path& file, Intel& intel) {
  OTGUARD_ASSIGN_OR_RETURN(toml::table doc, ParseToml(text, file));
  if (auto* ports = doc["ports"].as_array()) {
    for (const toml::node& p : *ports) {
      OTGUARD_ASSIGN_OR_RETURN(uint16_t port, ReadPort(file, p));
      intel.AddPoolPort(port);
    }
  }
  auto* pools = doc["pool"].as_array();
  if (pools == nullptr)
    return Status(StatusCode::kInvalidArgument, file.string() + ": no [[pool]]");
  for (const toml::node& entry : *pools) {
    const toml::table* t = entry.as_table();
    auto domain = t ? (*t)["domain"].value<std::string>() : std::nullopt;
    if (!domain || domain->empty()) return FieldError(file, entry, "[[pool]] needs a domain");
    intel.AddPoolDomain(*domain);
    if (auto* ports = (*t)["ports"].as_array()) {
      for (const toml::node& p : *ports) {
        OTGUARD_ASSIGN_OR_RETURN(uint16_t port, ReadPort(file, p));
        intel.AddPoolPort(port);
      }
    }
  }
  return Status::Ok();
}

Status ParseServices(std::string_view text, const std::filesystem::path& file, Intel& intel) {
  OTGUARD_ASSIGN_OR_RETURN(toml::table doc, ParseToml(text, file));
  auto* services = doc["service"].as_array();
  if (services == nullptr) {
    return Status(StatusCode::kInvalidArgument, file.string() + ": no [[service]]");
  }
  for (const toml::node& entry : *services) {
    const toml::table* t = entry.as_table();
    if (t == nullptr) return FieldError(file, entry, "[[service]] must be a table");
    auto name = (*t)["name"].value<std::string>();
    auto transport = (*t)["transport"].value_or<std::string>("tcp");
    if (!name) return FieldError(file, entry, "[[service]] needs a name");
    Transport tr;
    if (transport == "tcp") {
      tr = Transport::kTcp;
    } else if (transport == "udp") {
      tr = Transport::kUdp;
    } else {
      return FieldError(file, entry, "transport must be tcp or udp");
    }
    ServicePort s{*name, (*t)["web"].value_or(false), (*t)["ics"].value_or(false)};
    auto* ports = (*t)["ports"].as_array();
    if (ports == nullptr) return FieldError(file, entry, "[[service]] needs ports");
    for (const toml::node& p : *ports) {
      OTGUARD_ASSIGN_OR_RETURN(uint16_t port, ReadPort(file, p));
      intel.AddService(tr, port, s);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Intel> Intel::Load(const std::filesystem::path& dir) {
  std::string texts[2];
  const char* names[2] = {"mining-pools.toml", "services.toml"};
  for (int i = 0; i < 2; ++i) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(dir / names[i], ec)) {
      return Unexpected(Status(StatusCode::kNotFound, (dir / names[i]).string() + ": not found"));
    }
    OTGUARD_ASSIGN_OR_RETURN(texts[i],
                             platform::ReadFileToString((dir / names[i]).string(), 16u << 20));
  }
  return FromText(texts[0], texts[1], dir);
}

Result<Intel> Intel::FromText(std::string_view pools_toml, std::string_view services_toml,
                              const std::filesystem::path& dir) {
  Intel intel;
  OTGUARD_RETURN_IF_ERROR(ParsePools(pools_toml, dir / "mining-pools.toml", intel));
  OTGUARD_RETURN_IF_ERROR(ParseServices(services_toml, dir / "services.toml", intel));
  return intel;
}

std::filesystem::path Intel::DefaultDir() {
  std::vector<std::filesystem::path> candidates;
  std::string env = platform::GetEnv("OTGUARD_DATA_DIR");
  if (!env.empty()) candidates.push_back(std::filesystem::path(env) / "nba");
  std::string exe = platform::ExecutablePath();
  if (!exe.empty()) {
    candidates.push_back(std::filesystem::path(exe).parent_path().parent_path() / "share" /
                         "otguard" / "nba");
  }
#ifdef OTGUARD_SOURCE_DATA_DIR
  candidates.push_back(std::filesystem::path(OTGUARD_SOURCE_DATA_DIR) / "nba");
#endif
  for (const auto& dir : candidates) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) return dir;
  }
  return candidates.empty() ? std::filesystem::path() : candidates.back();
}

std::optional<std::string> Intel::MatchPoolDomain(std::string_view name) const {
  std::string n = Lower(name);
  while (!n.empty() && n.back() == '.') n.pop_back();
  std::string_view rest = n;
  while (!rest.empty()) {
    if (pool_domains_.contains(std::string(rest))) return std::string(rest);
    size_t dot = rest.find('.');
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return std::nullopt;
}

const ServicePort* Intel::Service(Transport t, uint16_t port) const {
  auto it = services_.find(ServiceKey(t, port));
  return it == services_.end() ? nullptr : &it->second;
}

bool Intel::IsWebPort(uint16_t port) const {
  const ServicePort* s = Service(Transport::kTcp, port);
  return s != nullptr && s->web;
}

void Intel::AddPoolDomain(std::string domain) {
  std::string d = Lower(domain);
  while (!d.empty() && d.back() == '.') d.pop_back();
  pool_domains_.insert(std::move(d));
}

void Intel::AddService(Transport t, uint16_t port, ServicePort s) {
  services_[ServiceKey(t, port)] = std::move(s);
}

}  // namespace otguard::nba
