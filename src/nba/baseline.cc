#include "otguard/nba/baseline.h"

#include <nlohmann/json.hpp>

#include "otguard/platform/files.h"

namespace otguard::nba {
namespace {

constexpr int kFormatVersion = 1;

Result<Transport> ParseTransport(const std::string& s) {
  if (s == "tcp") return Transport::kTcp;
  if (s == "udp") return Transport::kUdp;
  return Unexpected(Status(StatusCode::kInvalidArgument, "unknown transport '" + s + "'"));
}

Result<IpAddress> ParseIp(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) {
    return Unexpected(Status(StatusCode::kInvalidArgument, std::string("missing ") + key));
  }
  auto ip = IpAddress::Parse(j[key].get<std::string>());
  if (!ip) {
    return Unexpected(
        Status(StatusCode::kInvalidArgument, "bad address '" + j[key].get<std::string>() + "'"));
  }
  return *ip;
}

Result<uint16_t> ParsePort(const nlohmann::json& j) {
  if (!j.contains("port") || !j["port"].is_number_unsigned() || j["port"].get<uint64_t>() > 65535) {
    return Unexpected(Status(StatusCode::kInvalidArgument, "port must be 0..65535"));
  }
  return static_cast<uint16_t>(j["port"].get<uint64_t>());
}

Result<Transport> ParseTransportField(const nlohmann::json& j) {
  if (!j.contains("transport") || !j["transport"].is_string()) {
    return Unexpected(Status(StatusCode::kInvalidArgument, "missing transport"));
  }
  return ParseTransport(j["transport"].get<std::string>());
}

Status ParseEntries(const nlohmann::json& doc, const char* section,
                    const std::function<Status(const nlohmann::json&)>& each) {
  if (!doc.contains(section)) return Status::Ok();
  if (!doc[section].is_array()) {
    return Status(StatusCode::kInvalidArgument, std::string(section) + " must be an array");
  }
  size_t i = 0;
  for (const auto& e : doc[section]) {
    Status s = e.is_object() ? each(e) : Status(StatusCode::kInvalidArgument, "not an object");
    if (!s.ok()) {
      return Status(StatusCode::kInvalidArgument, std::string(section) + "[" + std::to_string(i) +
                                                      "]: " + std::string(s.message()));
    }
    ++i;
  }
  return Status::Ok();
}

}  // namespace

void Baseline::AddTalk(const Talk& t, uint64_t flows) {
  talks_[t] += flows;
  pairs_.emplace(t.client, t.server);
  outbound_.emplace(t.client, t.transport, t.port);
  clients_.insert(t.client);
}

void Baseline::Merge(const Baseline& other) {
  for (const auto& [t, n] : other.talks_) AddTalk(t, n);
  services_.insert(other.services_.begin(), other.services_.end());
  for (const auto& [o, n] : other.operations_) operations_[o] += n;
}

size_t Baseline::host_count() const {
  std::set<IpAddress> hosts;
  for (const auto& [client, server] : pairs_) {
    hosts.insert(client);
    hosts.insert(server);
  }
  return hosts.size();
}

bool Baseline::HasPair(const IpAddress& client, const IpAddress& server) const {
  return pairs_.contains({client, server});
}

bool Baseline::HasOutboundPort(const IpAddress& client, Transport t, uint16_t port) const {
  return outbound_.contains({client, t, port});
}

std::string Baseline::ToJson() const {
  using nlohmann::json;
  json talks = json::array(), services = json::array(), ops = json::array();
  for (const auto& [t, n] : talks_) {
    talks.push_back({{"client", t.client.ToString()},
                     {"server", t.server.ToString()},
                     {"transport", TransportName(t.transport)},
                     {"port", t.port},
                     {"flows", n}});
  }
  for (const auto& s : services_) {
    services.push_back(
        {{"host", s.host.ToString()}, {"transport", TransportName(s.transport)}, {"port", s.port}});
  }
  for (const auto& [o, n] : operations_) {
    ops.push_back({{"client", o.client.ToString()},
                   {"server", o.server.ToString()},
                   {"operation", o.operation},
                   {"count", n}});
  }
  json doc = {{"otguard_baseline", kFormatVersion},
              {"talkers", std::move(talks)},
              {"services", std::move(services)},
              {"operations", std::move(ops)}};
  return doc.dump(1) + "\n";
}

Status Baseline::Save(const std::filesystem::path& file) const {
  return platform::WriteFileAtomic(file.string(), ToJson(), 0644);
}

Result<Baseline> Baseline::Parse(std::string_view text) {
  using nlohmann::json;
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Unexpected(Status(StatusCode::kInvalidArgument, "not a JSON object"));
  }
  if (!doc.contains("otguard_baseline") || doc["otguard_baseline"] != kFormatVersion) {
    return Unexpected(Status(StatusCode::kInvalidArgument, "not an otguard baseline (version 1)"));
  }
  Baseline b;
  OTGUARD_RETURN_IF_ERROR(ParseEntries(doc, "talkers", [&](const json& e) -> Status {
    OTGUARD_ASSIGN_OR_RETURN(IpAddress client, ParseIp(e, "client"));
    OTGUARD_ASSIGN_OR_RETURN(IpAddress server, ParseIp(e, "server"));
    OTGUARD_ASSIGN_OR_RETURN(Transport t, ParseTransportField(e));
    OTGUARD_ASSIGN_OR_RETURN(uint16_t port, ParsePort(e));
    uint64_t flows =
        e.contains("flows") && e["flows"].is_number_unsigned() ? e["flows"].get<uint64_t>() : 1;
    b.AddTalk({client, server, t, port}, flows);
    return Status::Ok();
  }));
  OTGUARD_RETURN_IF_ERROR(ParseEntries(doc, "services", [&](const json& e) -> Status {
    OTGUARD_ASSIGN_OR_RETURN(IpAddress host, ParseIp(e, "host"));
    OTGUARD_ASSIGN_OR_RETURN(Transport t, ParseTransportField(e));
    OTGUARD_ASSIGN_OR_RETURN(uint16_t port, ParsePort(e));
    b.AddService({host, t, port});
    return Status::Ok();
  }));
  OTGUARD_RETURN_IF_ERROR(ParseEntries(doc, "operations", [&](const json& e) -> Status {
    OTGUARD_ASSIGN_OR_RETURN(IpAddress client, ParseIp(e, "client"));
    OTGUARD_ASSIGN_OR_RETURN(IpAddress server, ParseIp(e, "server"));
    if (!e.contains("operation") || !e["operation"].is_string()) {
      return Status(StatusCode::kInvalidArgument, "missing operation");
    }
    uint64_t n =
        e.contains("count") && e["count"].is_number_unsigned() ? e["count"].get<uint64_t>() : 1;
    b.AddOperation({client, server, e["operation"].get<std::string>()}, n);
    return Status::Ok();
  }));
  return b;
}

Result<Baseline> Baseline::Load(const std::filesystem::path& file) {
  auto text = platform::ReadFileToString(file.string(), 256u << 20);
  if (!text) return Unexpected(text.error());
  auto b = Parse(*text);
  if (!b) {
    return Unexpected(
        Status(b.error().code(), file.string() + ": " + std::string(b.error().message())));
  }
  return b;
}

}  // namespace otguard::nba
