// Program files (otguard.inventory.image): one record per distinct file named by a process,
// a service or an autorun, hashed once (the hashing is internal::CollectImages). Last: it
// reads the lists the collectors before it found.
#include "host/inventory_collector.h"
#include "host/inventory_internal.h"

namespace otguard::host::internal::collectors::images {
namespace {

// One per distinct program file: what a server keeps as the host's hash table.
Json Record(const Inventory& inv, const ImageInfo& image) {
  Json record = InventoryRecord(inv, "otguard.inventory.image");
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

void Records(const Inventory& inv, std::vector<Json>& out) {
  for (const auto& image : inv.images) out.push_back(Record(inv, image));
}

bool Vouched(const ImageInfo& i) {
  return !i.package.empty() ||
         (i.signature.has_value() && i.signature->state == platform::SignatureState::kTrusted);
}

// The counts, and the files a person should look at first: unreadable ones, and on a host
// that tells where files come from, those nobody vouches for (unsigned, no package).
void Text(const Inventory& inv, bool, std::string& out) {
  if (inv.images.empty()) return;
  size_t hashed = 0;
  bool any_origin = false;
  for (const auto& i : inv.images) {
    hashed += i.sha256.empty() ? 0 : 1;
    any_origin =
        any_origin || !i.package.empty() ||
        (i.signature.has_value() && i.signature->state != platform::SignatureState::kUnsigned);
  }
  out += Format("\nprogram files (%zu, %zu hashed; hashes in --json)\n", inv.images.size(), hashed);
  for (const auto& i : inv.images) {
    if (i.error.starts_with("deleted")) {
      out += Format("  %-12s %s  sha256 %s\n", i.error.c_str(), i.path.c_str(),
                    i.sha256.empty() ? "unknown" : i.sha256.c_str());
    } else if (!i.error.empty()) {
      out += Format("  %-12s %s (%s)\n", "not read", i.path.c_str(), i.error.c_str());
    } else if (any_origin && !Vouched(i)) {
      const char* what =
          i.signature ? platform::SignatureStateName(i.signature->state) : "no package";
      out += Format("  %-12s %s  sha256 %s\n", what, i.path.c_str(), i.sha256.c_str());
    }
  }
}

}  // namespace

CollectorSpec Spec() {
  return {.name = "images",
          .order = 80,
          .collect = CollectImages,
          .needs = {"processes", "services", "autoruns"},
          .reads_root = true,
          .records = Records,
          .text = Text};
}

}  // namespace otguard::host::internal::collectors::images
