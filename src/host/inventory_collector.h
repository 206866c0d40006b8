// An inventory collector is one file in src/host/collectors/ (osquery's tables, one per file):
// what it collects, the records it writes and its part of the text report, registered by CMake
// from the folder (the generated inventory_collectors.cc), so adding one touches no other code
// but the Inventory field it fills.
//
// Adding a collector `widgets`:
//   1. src/host/collectors/widgets.cc: in namespace otguard::host::internal::collectors::widgets,
//      Collect() (a platform reader's list into the inventory, sorted), Records() (one
//      InventoryRecord(inv, "otguard.inventory.widget") per object), Text() (its section) and
//      `CollectorSpec Spec()` with its name, run order, `needs` and `reads_root`;
//   2. the field it fills in Inventory (include/otguard/host/inventory.h);
//   3. its test, src/host/collectors/widgets_test.cc (built as host_widgets_test by itself).
// The dataset's fields then go into docs/event-schema.md and tests/schema/event_check.py,
// whose strict check fails on a field it does not know. An OS fact it reads comes from a
// platform reader (src/platform), never from here.
#ifndef OTGUARD_SRC_HOST_INVENTORY_COLLECTOR_H_
#define OTGUARD_SRC_HOST_INVENTORY_COLLECTOR_H_

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "otguard/base/event.h"
#include "otguard/host/inventory.h"

namespace otguard::host::internal {

using Json = nlohmann::json;

struct CollectorSpec {
  const char* name = "";  // the --only name and `otguard.collectors[].name`
  // Run order: lower first. A collector that reads another's list (`needs`) runs after it.
  int order = 0;
  // Fills its part of `inv` and returns how many objects it found. Unimplemented on an OS or
  // build without the concept, PermissionDenied without privileges: the outcome says so and
  // the inventory goes on.
  Result<size_t> (*collect)(Inventory& inv, const InventoryOptions& options) = nullptr;
  // Collectors whose lists this one reads; `--only` runs them too.
  std::vector<const char*> needs = {};
  // Reads InventoryOptions::root: the collectors that describe a system read under a root.
  bool reads_root = false;
  // Appends one record per object it collected (InventoryRecord() starts each).
  void (*records)(const Inventory& inv, std::vector<Json>& out) = nullptr;
  // Appends its section of the text report; nothing when it has nothing to show. `all`:
  // --all, long lists in full.
  void (*text)(const Inventory& inv, bool all, std::string& out) = nullptr;
};

// Every collector of src/host/collectors/, in run order (generated registry).
const std::vector<CollectorSpec>& Collectors();

// ---- For the collectors' files ----

// The envelope of an inventory record of `dataset` (kind `state`, the snapshot's time and host).
Json InventoryRecord(const Inventory& inv, const char* dataset);

void SetIfNotEmpty(Json& object, const char* key, const std::string& value);
// ECS `hash.*` of an image that was read (a file that could not be read has none).
void AddHashes(Json& object, const ImageInfo& image);
// ECS `code_signature.*`.
Json CodeSignature(const platform::FileSignature& signature);
// `text` cut to at most `max` bytes on a UTF-8 boundary, the cut marked: a readable table
// keeps very long command lines to a line; --json has them whole.
std::string Shorten(std::string text, size_t max);
// printf into a string. (No format attribute: mingw's GCC checks against the Microsoft
// printf, which lacks %zu, while the C++ runtime's vsnprintf has it; the Linux build checked
// every format when this had one.)
std::string Format(const char* format, ...);

// Moves a platform list into the inventory and returns its size.
template <typename T>
Result<size_t> Store(Result<std::vector<T>> got, std::vector<T>& into) {
  if (!got) return Unexpected(got.error());
  into = std::move(*got);
  return into.size();
}

template <typename T, typename Key>
void SortBy(std::vector<T>& items, Key key) {
  std::sort(items.begin(), items.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
}

}  // namespace otguard::host::internal

#endif  // OTGUARD_SRC_HOST_INVENTORY_COLLECTOR_H_
