// The records and the text of an Inventory (docs/event-schema.md, "Inventory records"): the
// host record, then each collector's part (src/host/collectors/), in run order.
#include "otguard/host/inventory_events.h"

#include <cstdarg>
#include <cstdio>
#include <string>

#include "host/inventory_collector.h"

namespace otguard::host {
namespace internal {

Json InventoryRecord(const Inventory& inv, const char* dataset) {
  return StartRecord({"state", "inventory", dataset}, inv.taken_at, inv.host_name);
}

void SetIfNotEmpty(Json& object, const char* key, const std::string& value) {
  if (!value.empty()) object[key] = value;
}

void AddHashes(Json& object, const ImageInfo& image) {
  if (image.sha256.empty()) return;
  object["hash"] = {{"md5", image.md5}, {"sha1", image.sha1}, {"sha256", image.sha256}};
}

// `exists` is false for an unsigned file; `valid` says the signature matches the content,
// `trusted` that its chain ends at a trusted root as well.
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

std::string Shorten(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + " ...";
}

std::string Format(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(out.data(), out.size() + 1, format, again);
  va_end(again);
  return out;
}

}  // namespace internal

namespace {

using internal::Json;

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

Json HostRecord(const Inventory& inv) {
  Json record = internal::InventoryRecord(inv, "otguard.inventory.host");
  if (inv.os) {
    const platform::OsVersion& os = *inv.os;
    Json ecs_os = {
        {"family", os.family}, {"name", os.name}, {"version", os.version}, {"kernel", os.kernel}};
    record["host"]["os"] = ecs_os;
    internal::SetIfNotEmpty(record["host"], "architecture", os.architecture);
    Json extra = Json::object();
    internal::SetIfNotEmpty(extra, "build", os.build);
    internal::SetIfNotEmpty(extra, "service_pack", os.service_pack);
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

}  // namespace

std::vector<Json> InventoryRecords(const Inventory& inv) {
  std::vector<Json> records;
  records.push_back(HostRecord(inv));
  for (const internal::CollectorSpec& c : internal::Collectors()) {
    if (c.records != nullptr) c.records(inv, records);
  }
  return records;
}

std::string InventoryText(const Inventory& inv, bool all) {
  std::string out = "host: " + inv.host_name + "\n";
  for (const internal::CollectorSpec& c : internal::Collectors()) {
    if (c.text != nullptr) c.text(inv, all, out);
  }
  out += "\n";
  for (const auto& c : inv.collectors) {
    if (!c.status.ok())
      out += c.name + ": not collected: " + std::string(c.status.message()) + "\n";
  }
  return out;
}

}  // namespace otguard::host
