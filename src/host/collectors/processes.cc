// Running processes (otguard.inventory.process), with their image's hashes and origin.
#include "host/inventory_collector.h"

namespace otguard::host::internal::collectors::processes {
namespace {

Result<size_t> Collect(Inventory& inv, const InventoryOptions&) {
  OTGUARD_ASSIGN_OR_RETURN(size_t n, Store(platform::ListProcesses(), inv.processes));
  SortBy(inv.processes, [](const auto& p) { return p.pid; });
  return n;
}

Json Record(const Inventory& inv, const platform::ProcessInfo& p) {
  Json record = InventoryRecord(inv, "otguard.inventory.process");
  Json process = {{"pid", p.pid}, {"parent", {{"pid", p.ppid}}}, {"name", p.name}};
  SetIfNotEmpty(process, "executable", p.executable);
  if (p.command_line) process["command_line"] = *p.command_line;
  if (!p.user.empty()) process["user"] = {{"name", p.user}};
  if (p.start_time_ns != 0) process["start"] = EventTime::FromNanos(p.start_time_ns).Rfc3339();
  if (const ImageInfo* image = p.executable.empty() ? nullptr : FindImage(inv, p.executable)) {
    AddHashes(process, *image);
    if (image->signature) process["code_signature"] = CodeSignature(*image->signature);
    if (!image->package.empty()) record["package"] = {{"name", image->package}};
  }
  record["process"] = process;
  return record;
}

void Records(const Inventory& inv, std::vector<Json>& out) {
  for (const auto& p : inv.processes) out.push_back(Record(inv, p));
}

// Where a process's image comes from, in one short word: its signer (Windows), its package
// (Linux), else the start of its SHA-256; "?" when the image was not read.
std::string Origin(const Inventory& inv, const platform::ProcessInfo& p) {
  const ImageInfo* image = p.executable.empty() ? nullptr : FindImage(inv, p.executable);
  if (image == nullptr) return "";
  if (image->signature) {
    const platform::FileSignature& s = *image->signature;
    if (s.state == platform::SignatureState::kTrusted) return Shorten(s.subject, 20);
    return std::string(platform::SignatureStateName(s.state)) + ":" + image->sha256.substr(0, 8);
  }
  if (!image->package.empty()) return Shorten(image->package, 20);
  if (!image->sha256.empty()) return "sha256:" + image->sha256.substr(0, 12);
  return "?";
}

void Text(const Inventory& inv, bool, std::string& out) {
  if (inv.processes.empty()) return;
  bool images = !inv.images.empty();
  out += Format("\nprocesses (%zu)\n%7s %7s  %-24s %s%s\n", inv.processes.size(), "pid", "ppid",
                "user", images ? "signer/package/hash    " : "", "image / command line");
  for (const auto& p : inv.processes) {
    std::string what = p.command_line && !p.command_line->empty()
                           ? *p.command_line
                           : (p.executable.empty() ? p.name : p.executable);
    std::string origin = images ? Origin(inv, p) : "";
    out += Format("%7u %7u  %-24s %-*s%s\n", p.pid, p.ppid, p.user.c_str(), images ? 24 : 0,
                  origin.c_str(), Shorten(what, 160).c_str());
  }
}

}  // namespace

CollectorSpec Spec() {
  return {.name = "processes", .order = 10, .collect = Collect, .records = Records, .text = Text};
}

}  // namespace otguard::host::internal::collectors::processes
