// The records of an Inventory (docs/event-schema.md, "Inventory records").
#include "otguard/host/inventory_events.h"
#include "host/inventory_internal.h"

#include <string>

#include "otguard/base/event.h"
#include "otguard/base/time_format.h"

namespace otguard::host {

namespace {

using Json = nlohmann::json;

Json Record(const Inventory& inv, const char* dataset) {
  return StartRecord({"state", "inventory", dataset}, EventTime::FromNanos(inv.taken_at_ns),
                     inv.host_name);
}

// A collector's outcome in one word: "ok", "unsupported" (the OS has no such thing, or this
// build cannot read it yet), "denied" (needs privileges) or "error".
const char* OutcomeWord(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kUnimplemented:
      return "unsupported";
    case StatusCode::kPermissionDenied:
      return "denied";
    default:
      return "error";
  }
}

void SetIfNotEmpty(Json& object, const char* key, const std::string& value) {
  if (!value.empty()) object[key] = value;
}

// ECS `hash.*` of an image that was read (a file that could not be read has none).
void AddHashes(Json& object, const ImageInfo& image) {
  if (image.sha256.empty()) return;
  object["hash"] = {{"md5", image.md5}, {"sha1", image.sha1}, {"sha256", image.sha256}};
}

// ECS `code_signature.*`: `exists` is false for an unsigned file; `valid` says the signature
// matches the content, `trusted` that its chain ends at a trusted root as well.
Json CodeSignature(const platform::FileSignature& signature) {
  using platform::SignatureState;
  bool exists = signature.state != SignatureState::kUnsigned;
  Json ecs = {{"exists", exists}, {"status", platform::SignatureStateName(signature.state)}};
  if (!exists) return ecs;
  ecs["trusted"] = signature.state == SignatureState::kTrusted;
  ecs["valid"] = signature.state != SignatureState::kInvalid;
  SetIfNotEmpty(ecs, "subject_name", signature.subject);
  return ecs;
}

Json HostRecord(const Inventory& inv) {
  Json record = Record(inv, "otguard.inventory.host");
  if (inv.os) {
    const platform::OsVersion& os = *inv.os;
    Json ecs_os = {
        {"family", os.family}, {"name", os.name}, {"version", os.version}, {"kernel", os.kernel}};
    record["host"]["os"] = ecs_os;
    SetIfNotEmpty(record["host"], "architecture", os.architecture);
    Json extra = Json::object();
    SetIfNotEmpty(extra, "build", os.build);
    SetIfNotEmpty(extra, "service_pack", os.service_pack);
    record["otguard"]["os"] = extra;
  }
  Json collectors = Json::array();
  for (const CollectorOutcome& c : inv.collectors) {
    Json one = {{"name", c.name},
                {"status", OutcomeWord(c.status)},
                {"count", c.count},
                {"seconds", c.seconds}};
    if (!c.status.ok()) one["message"] = c.status.message();
    collectors.push_back(std::move(one));
  }
  record["otguard"]["collectors"] = collectors;
  return record;
}

Json ProcessRecord(const Inventory& inv, const platform::ProcessInfo& p) {
  Json record = Record(inv, "otguard.inventory.process");
  Json process = {{"pid", p.pid}, {"parent", {{"pid", p.ppid}}}, {"name", p.name}};
  SetIfNotEmpty(process, "executable", p.executable);
  if (p.command_line) process["command_line"] = *p.command_line;
  if (!p.user.empty()) process["user"] = {{"name", p.user}};
  if (p.start_time_ns != 0) process["start"] = Rfc3339UtcFromNs(p.start_time_ns);
  if (const ImageInfo* image = p.executable.empty() ? nullptr : FindImage(inv, p.executable)) {
    AddHashes(process, *image);
    if (image->signature) process["code_signature"] = CodeSignature(*image->signature);
    if (!image->package.empty()) record["package"] = {{"name", image->package}};
  }
  record["process"] = process;
  return record;
}

Json ServiceRecord(const Inventory& inv, const platform::ServiceInfo& s) {
  Json record = Record(inv, "otguard.inventory.service");
  record["service"] = {{"name", s.name},
                       {"state", platform::ServiceStateName(s.state)},
                       {"type", s.driver ? "driver" : "service"}};
  Json extra = {{"start_type", platform::ServiceStartTypeName(s.start_type)}};
  SetIfNotEmpty(extra, "display_name", s.display_name);
  SetIfNotEmpty(extra, "description", s.description);
  SetIfNotEmpty(extra, "binary_path", s.binary_path);
  SetIfNotEmpty(extra, "dll", s.service_dll);
  SetIfNotEmpty(extra, "account", s.account);
  SetIfNotEmpty(extra, "config_path", s.config_path);
  std::string image_path = internal::ServiceImagePath(s, inv.autoruns);
  SetIfNotEmpty(extra, "image", image_path);
  // The hashes of the two files a service runs, so a changed ServiceDll shows on the service.
  const ImageInfo* image = image_path.empty() ? nullptr : FindImage(inv, image_path);
  if (image != nullptr) SetIfNotEmpty(extra, "image_sha256", image->sha256);
  const ImageInfo* dll = s.service_dll.empty() ? nullptr : FindImage(inv, s.service_dll);
  if (dll != nullptr) SetIfNotEmpty(extra, "dll_sha256", dll->sha256);
  if (s.pid != 0) record["process"] = {{"pid", s.pid}};
  record["otguard"]["service"] = extra;
  return record;
}

// The local end is `source`, the remote end `destination` (docs/event-schema.md).
Json SocketRecord(const Inventory& inv, const platform::SocketEndpoint& e) {
  Json record = Record(inv, "otguard.inventory.socket");
  record["network"] = {{"transport", platform::SocketProtocolName(e.protocol)},
                       {"type", e.family == 6 ? "ipv6" : "ipv4"}};
  record["source"] = {{"ip", e.local_address}, {"port", e.local_port}};
  if (!e.remote_address.empty()) {
    record["destination"] = {{"ip", e.remote_address}, {"port", e.remote_port}};
  }
  if (e.pid != 0) record["process"] = {{"pid", e.pid}};
  Json extra = Json::object();
  SetIfNotEmpty(extra, "state", e.state);
  extra["listening"] = e.state == "LISTEN" ||
                       (e.protocol == platform::SocketProtocol::kUdp && e.remote_address.empty());
  record["otguard"]["socket"] = extra;
  return record;
}

Json HotfixRecord(const Inventory& inv, const platform::Hotfix& h) {
  Json record = Record(inv, "otguard.inventory.hotfix");
  Json package = {{"name", h.id}, {"type", "hotfix"}};
  SetIfNotEmpty(package, "description", h.description);
  SetIfNotEmpty(package, "installed", h.installed_on);
  record["package"] = package;
  record["otguard"]["hotfix"] = {{"source", h.source}};
  return record;
}

Json InterfaceRecord(const Inventory& inv, const platform::NetworkInterface& i) {
  Json record = Record(inv, "otguard.inventory.interface");
  Json extra = {{"name", i.name},
                {"mtu", i.mtu},
                {"up", i.up},
                {"loopback", i.loopback},
                {"addresses", i.addresses}};
  SetIfNotEmpty(extra, "description", i.description);
  SetIfNotEmpty(extra, "mac", i.mac);
  record["otguard"]["interface"] = extra;
  return record;
}

// ECS `package.*`; `package.type` is where it was found (`dpkg`, `uninstall`).
Json PackageRecord(const Inventory& inv, const platform::InstalledPackage& p) {
  Json record = Record(inv, "otguard.inventory.package");
  Json package = {{"name", p.name}, {"type", p.source}};
  SetIfNotEmpty(package, "version", p.version);
  SetIfNotEmpty(package, "architecture", p.architecture);
  SetIfNotEmpty(package, "installed", p.installed_on);
  record["package"] = package;
  Json extra = Json::object();
  SetIfNotEmpty(extra, "publisher", p.publisher);
  if (!extra.empty()) record["otguard"]["package"] = extra;
  return record;
}

Json AutorunRecord(const Inventory& inv, const platform::Autorun& a) {
  Json record = Record(inv, "otguard.inventory.autorun");
  Json extra = {{"kind", platform::AutorunKindName(a.kind)},
                {"location", a.location},
                {"name", a.name},
                {"command", a.command},
                {"enabled", a.enabled}};
  SetIfNotEmpty(extra, "image", a.image);
  SetIfNotEmpty(extra, "user", a.user);
  SetIfNotEmpty(extra, "schedule", a.schedule);
  record["otguard"]["autorun"] = extra;
  const ImageInfo* image = a.image.empty() ? nullptr : FindImage(inv, a.image);
  if (image != nullptr && !image->sha256.empty()) {
    record["file"] = {{"hash", {{"sha256", image->sha256}}}};
  }
  return record;
}

// One per distinct program file: what a server keeps as the host's hash table.
Json ImageRecord(const Inventory& inv, const ImageInfo& image) {
  Json record = Record(inv, "otguard.inventory.image");
  Json file = {{"path", image.path}, {"size", image.size}};
  AddHashes(file, image);
  if (image.signature) {
    const platform::FileSignature& signature = *image.signature;
    file["code_signature"] = CodeSignature(signature);
    Json extra = Json::object();
    SetIfNotEmpty(extra, "issuer", signature.issuer);
    SetIfNotEmpty(extra, "thumbprint_sha1", signature.thumbprint_sha1);
    if (signature.state != platform::SignatureState::kUnsigned)
      extra["catalog"] = signature.catalog;
    SetIfNotEmpty(extra, "catalog_path", signature.catalog_path);
    if (!extra.empty()) record["otguard"]["code_signature"] = extra;
  }
  record["file"] = file;
  if (!image.package.empty()) record["package"] = {{"name", image.package}};
  if (!image.error.empty()) record["error"] = {{"message", image.error}};
  return record;
}

}  // namespace

std::vector<Json> InventoryRecords(const Inventory& inv) {
  std::vector<Json> records;
  records.push_back(HostRecord(inv));
  for (const auto& p : inv.processes) records.push_back(ProcessRecord(inv, p));
  for (const auto& s : inv.services) records.push_back(ServiceRecord(inv, s));
  for (const auto& e : inv.sockets) records.push_back(SocketRecord(inv, e));
  for (const auto& h : inv.hotfixes) records.push_back(HotfixRecord(inv, h));
  for (const auto& i : inv.interfaces) records.push_back(InterfaceRecord(inv, i));
  for (const auto& p : inv.packages) records.push_back(PackageRecord(inv, p));
  for (const auto& a : inv.autoruns) records.push_back(AutorunRecord(inv, a));
  for (const auto& image : inv.images) records.push_back(ImageRecord(inv, image));
  return records;
}

}  // namespace otguard::host
