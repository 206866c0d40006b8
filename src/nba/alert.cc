#include "otguard/nba/alert.h"

#include <utility>

#include "otguard/base/event.h"

namespace otguard::nba {
namespace {

// The ATT&CK (for ICS where it has one, Enterprise otherwise) techniques otguard reports.
constexpr std::pair<std::string_view, std::string_view> kTechniques[] = {
    {"T0800", "Activate Firmware Update Mode"},
    {"T0809", "Data Destruction"},
    {"T0812", "Default Credentials"},
    {"T0814", "Denial of Service"},
    {"T0816", "Device Restart/Shutdown"},
    {"T0828", "Loss of Productivity and Revenue"},
    {"T0836", "Modify Parameter"},
    {"T0843", "Program Download"},
    {"T0845", "Program Upload"},
    {"T0846", "Remote System Discovery"},
    {"T0849", "Masquerading"},
    {"T0855", "Unauthorized Command Message"},
    {"T0858", "Change Operating Mode"},
    {"T0859", "Valid Accounts"},
    {"T0866", "Exploitation of Remote Services"},
    {"T0867", "Lateral Tool Transfer"},
    {"T0869", "Standard Application Layer Protocol"},
    {"T0881", "Service Stop"},
    {"T0883", "Internet Accessible Device"},
    {"T0885", "Commonly Used Port"},
    {"T0886", "Remote Services"},
    {"T1046", "Network Service Discovery"},
    {"T1496", "Resource Hijacking"},
};

// Suricata-style numeric id for a rule name: stable across runs and versions, in a private
// range (9,000,000 - 9,999,999) so it cannot collide with ET Open's.
uint32_t SignatureId(const std::string& rule) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : rule) h = (h ^ c) * 16777619u;
  return 9'000'000 + h % 1'000'000;
}

int EveSeverity(Severity s) {  // Suricata: 1 highest, 3 lowest
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh:
      return 1;
    case Severity::kMedium:
      return 2;
    default:
      return 3;
  }
}

std::string UpperTransport(Transport t) {
  switch (t) {
    case Transport::kTcp:
      return "TCP";
    case Transport::kUdp:
      return "UDP";
    case Transport::kIcmp:
      return "ICMP";
    case Transport::kIcmpV6:
      return "IPv6-ICMP";
    default:
      return "OTHER";
  }
}

}  // namespace

std::string_view TechniqueName(std::string_view id) {
  for (const auto& [tid, name] : kTechniques) {
    if (tid == id) return name;
  }
  return "";
}

nlohmann::json AlertToEcs(const Alert& a) {
  using nlohmann::json;
  // A sensor's alert is about the hosts in its traffic, not the sensor: no host.name.
  json j = StartRecord({"alert", "nba", "otguard.nba"}, EventTime::FromMicros(a.ts), "");
  j["event"]["category"] = json::array({"network", "intrusion_detection"});
  j["event"]["type"] = json::array({"info"});
  j["event"]["action"] = "detected";
  SetSeverity(j, a.severity);
  j["rule"] = {
      {"name", a.rule}, {"category", CategoryName(a.category)}, {"description", a.message}};
  SetRuleset(j, a.ruleset.name.empty() ? Ruleset{"otguard-nba", std::string(OtguardVersion())}
                                       : a.ruleset);
  if (!a.technique.empty()) {
    bool ics = a.technique.size() == 5 && a.technique.compare(0, 2, "T0") == 0;
    j["threat"] = {{"framework", ics ? "MITRE ATT&CK for ICS" : "MITRE ATT&CK"},
                   {"technique", {{"id", json::array({a.technique})}}}};
    // An IOC pack may name a technique this table lacks: its id alone, never an empty name.
    if (std::string_view name = TechniqueName(a.technique); !name.empty()) {
      j["threat"]["technique"]["name"] = json::array({name});
    }
  }
  j["source"] = {{"ip", a.source.ip.ToString()}};
  j["destination"] = {{"ip", a.destination.ip.ToString()}};
  if (a.transport == Transport::kTcp || a.transport == Transport::kUdp) {
    j["source"]["port"] = a.source.port;
    j["destination"]["port"] = a.destination.port;
  }
  if (!a.destination_domain.empty()) j["destination"]["domain"] = a.destination_domain;
  j["network"] = {{"transport", TransportName(a.transport)}};
  if (!a.app_protocol.empty()) j["network"]["protocol"] = a.app_protocol;
  if (!a.community_id.empty()) j["network"]["community_id"] = a.community_id;
  json evidence = {{"packet_index", a.packet_index},
                   {"packet_time", EventTime::MicrosRfc3339(a.ts)}};
  if (a.flow_id != 0) {
    evidence["flow_id"] = a.flow_id;
    evidence["flow_start"] = EventTime::MicrosRfc3339(a.flow_start);
  }
  if (!a.evidence_times.empty()) {
    json times = json::array();
    for (Micros t : a.evidence_times) times.push_back(EventTime::MicrosRfc3339(t));
    evidence["packet_times"] = std::move(times);
  }
  j["otguard"]["evidence"] = std::move(evidence);
  if (!a.operation.empty()) j["otguard"]["operation"] = a.operation;
  for (const auto& [key, asset] :
       {std::pair{"source", &a.source_asset}, std::pair{"destination", &a.destination_asset}}) {
    if (*asset) j["otguard"]["assets"][key] = {{"name", (*asset)->name}, {"role", (*asset)->role}};
  }
  if (!a.fields.empty()) j["otguard"]["details"] = a.fields;
  return j;
}

nlohmann::json AlertToEve(const Alert& a) {
  using nlohmann::json;
  json j;
  j["timestamp"] = EventTime::MicrosRfc3339(a.ts);
  if (a.flow_id) j["flow_id"] = a.flow_id;
  j["event_type"] = "alert";
  j["src_ip"] = a.source.ip.ToString();
  j["dest_ip"] = a.destination.ip.ToString();
  if (a.transport == Transport::kTcp || a.transport == Transport::kUdp) {
    j["src_port"] = a.source.port;
    j["dest_port"] = a.destination.port;
  }
  j["proto"] = UpperTransport(a.transport);
  if (!a.app_protocol.empty()) j["app_proto"] = a.app_protocol;
  if (!a.community_id.empty()) j["community_id"] = a.community_id;
  j["alert"] = {{"action", "allowed"},
                {"gid", 1},
                {"signature_id", SignatureId(a.rule)},
                {"rev", 1},
                {"signature", a.rule + ": " + a.message},
                {"category", CategoryName(a.category)},
                {"severity", EveSeverity(a.severity)},
                {"metadata", {{"otguard_rule", json::array({a.rule})}}}};
  if (!a.technique.empty()) {
    j["alert"]["metadata"]["mitre_technique_id"] = json::array({a.technique});
  }
  if (!a.fields.empty()) j["otguard"] = a.fields;
  return j;
}

std::string AlertToText(const Alert& a) {
  std::string s = EventTime::MicrosRfc3339(a.ts) + "  " + std::string(CategoryName(a.category)) +
                  "/" + std::string(SeverityName(a.severity)) + "  " + a.source.ip.ToString();
  bool ports = a.transport == Transport::kTcp || a.transport == Transport::kUdp;
  if (ports && a.source.port) s += ":" + std::to_string(a.source.port);
  if (a.source_asset) s += " [" + a.source_asset->name + "]";
  s += " -> " + a.destination.ip.ToString();
  if (ports && a.destination.port) s += ":" + std::to_string(a.destination.port);
  if (a.destination_asset) s += " [" + a.destination_asset->name + "]";
  if (!a.destination_domain.empty()) s += " (" + a.destination_domain + ")";
  s += "  " + a.rule + ": " + a.message;
  return s;
}

}  // namespace otguard::nba
