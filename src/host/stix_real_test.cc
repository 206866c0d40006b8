// The STIX import against intelligence no one here wrote: excerpts of OASIS's elevated APT1
// Appendix G, MISP's own STIX 2.1 exports, a Unit 42 STIX 2.0 playbook, and TAXII 2.1 / version
// cases built around those real objects (tests/data/stix/real/README.md names each origin).
// The widening audit holds the import to its promise: every value it imports is a literal of
// the pattern it came from, and a URL never becomes its host.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "host/ioc_values.h"
#include "host/stix_pattern.h"
#include "otguard/host/hunt.h"
#include "otguard/host/ioc.h"

namespace otguard::host {
namespace {

const char* const kRealFiles[] = {
    "apt1-appendix-g-excerpt.json",
    "fireeye-pivy-excerpt.json",
    "elevator-command-and-control-ip-list.json",
    "misp-attributes-collection.json",
    "misp-ip-attributes.json",
    "misp-ip-port-attributes.json",
    "misp-url-attributes.json",
    "unit42-trickbot-excerpt.json",
    "taxii21-envelope-misp-url.json",
    "bare-list-unit42-trickbot.json",
    "versions-unit42-trickbot.json",
};

std::string ReadReal(const std::string& name) {
  std::ifstream in(std::string(OTGUARD_SOURCE_DIR) + "/tests/data/stix/real/" + name,
                   std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  EXPECT_FALSE(out.str().empty()) << name;
  return out.str();
}

StixImport ImportText(const std::string& text, const std::string& origin) {
  auto result = ImportStixBundle(text, origin);
  EXPECT_TRUE(result.has_value()) << origin << ": " << result.error().ToString();
  return result.value_or(StixImport{});
}

StixImport ImportReal(const std::string& name) { return ImportText(ReadReal(name), name); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

// The objects of a bundle, a TAXII envelope or a bare list.
nlohmann::json Objects(const std::string& text) {
  nlohmann::json doc = nlohmann::json::parse(text);
  return doc.is_array() ? doc : doc["objects"];
}

// "modified" as a key that orders instants: fractions of any precision compare as numbers.
std::string TimeKey(const std::string& t) {
  if (t.size() < 20) return "";
  std::string fraction = t.size() > 21 && t[19] == '.' ? t.substr(20, t.size() - 21) : "";
  fraction.resize(9, '0');
  return t.substr(0, 19) + fraction;
}

// The current (latest modified) version of each indicator object, by STIX id.
std::map<std::string, nlohmann::json> CurrentIndicators(const std::string& text) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& o : Objects(text)) {
    if (o.value("type", "") != "indicator") continue;
    const std::string id = o.value("id", "");
    auto it = out.find(id);
    if (it == out.end() ||
        TimeKey(o.value("modified", "")) > TimeKey(it->second.value("modified", ""))) {
      out[id] = o;
    }
  }
  return out;
}

// One comparison value of a pattern, with the property it is about.
struct PatternLiteral {
  std::string object;    // "file", "url", "network-traffic" ...
  std::string property;  // "hashes.MD5", "value", "dst_ref.value", "dst_port" ...
  std::string op;        // "=", "IN", "LIKE" ...
  std::string value;     // as written, unescaped
};

void CollectLiterals(const stix::ComparisonExpr& e, std::vector<PatternLiteral>* out) {
  if (e.kind == stix::ComparisonExpr::Kind::kComparison) {
    for (const stix::Literal& v : e.comparison.values) {
      out->push_back(
          {e.comparison.path.type, e.comparison.path.Property(), e.comparison.op, v.value});
    }
    return;
  }
  for (const auto& child : e.children) CollectLiterals(child, out);
}

void CollectLiterals(const stix::ObservationExpr& e, std::vector<PatternLiteral>* out) {
  if (e.kind == stix::ObservationExpr::Kind::kObservation) {
    CollectLiterals(e.comparison, out);
    return;
  }
  for (const auto& child : e.children) CollectLiterals(child, out);
}

std::vector<PatternLiteral> Literals(const std::string& pattern) {
  auto tree = stix::ParsePattern(pattern);
  EXPECT_TRUE(tree.has_value()) << pattern;
  std::vector<PatternLiteral> out;
  if (tree) CollectLiterals(*tree, &out);
  return out;
}

bool IsHostProperty(const PatternLiteral& l) {
  return ((l.object == "domain-name" || l.object == "ipv4-addr" || l.object == "ipv6-addr") &&
          l.property == "value") ||
         (l.object == "network-traffic" &&
          (l.property == "dst_ref.value" || l.property == "src_ref.value"));
}

// SQL LIKE as our glob: % any run, _ one character.
std::string LikeAsGlob(std::string s) {
  std::replace(s.begin(), s.end(), '%', '*');
  std::replace(s.begin(), s.end(), '_', '?');
  return s;
}

// "https://Host:8443/p?q" -> "host:8443"; "" when not a URL.
std::string UrlHost(const std::string& normal_url) {
  size_t start = normal_url.find("://");
  if (start == std::string::npos) return "";
  start += 3;
  std::string authority = normal_url.substr(start, normal_url.find('/', start) - start);
  if (authority.starts_with('[')) return authority.substr(1, authority.find(']') - 1);
  return authority.substr(0, authority.find(':'));
}

// The path and query of a URL in normal form ("/p?q").
std::string UrlPath(const std::string& normal_url) {
  size_t start = normal_url.find("://");
  return normal_url.substr(normal_url.find('/', start + 3));
}

template <typename Pred>
bool AnyLiteral(const std::vector<PatternLiteral>& literals, Pred pred) {
  return std::any_of(literals.begin(), literals.end(), pred);
}

// Every value of `indicator` is a literal of `pattern`: nothing was widened, guessed or
// derived (a host from a URL, a zone from a name).
void ExpectLiteralsOfPattern(const Indicator& indicator, const std::string& pattern) {
  SCOPED_TRACE(indicator.id + " from " + pattern.substr(0, 300));
  const std::vector<PatternLiteral> literals = Literals(pattern);
  const std::string lower_pattern = Lower(pattern);
  auto hash_ok = [&](const std::string& hex) {
    EXPECT_NE(lower_pattern.find(hex), std::string::npos) << hex;
    EXPECT_TRUE(AnyLiteral(literals, [&](const PatternLiteral& l) {
      return l.object == "file" && l.property.starts_with("hashes.") && Lower(l.value) == hex;
    })) << hex;
  };
  for (const auto& h : indicator.md5) hash_ok(h);
  for (const auto& h : indicator.sha1) hash_ok(h);
  for (const auto& h : indicator.sha256) hash_ok(h);
  for (const std::string& d : indicator.domains) {
    EXPECT_TRUE(AnyLiteral(literals,
                           [&](const PatternLiteral& l) {
                             auto normal = ioc_internal::NormalizeDomain(l.value);
                             return IsHostProperty(l) && normal && *normal == d;
                           }))
        << "domain " << d;
    const bool has_like =
        AnyLiteral(literals, [](const PatternLiteral& l) { return l.op == "LIKE"; });
    EXPECT_TRUE(!d.starts_with("*.") || has_like) << "zone wildcard " << d << " from '='";
  }
  for (const std::string& a : indicator.addresses) {
    EXPECT_TRUE(AnyLiteral(literals,
                           [&](const PatternLiteral& l) {
                             auto normal = ioc_internal::NormalizeAddress(l.value);
                             return IsHostProperty(l) && normal && *normal == a;
                           }))
        << "address " << a;
  }
  for (const std::string& u : indicator.urls) {
    EXPECT_TRUE(
        AnyLiteral(literals,
                   [&](const PatternLiteral& l) {
                     auto normal = ioc_internal::NormalizeUrl(l.value);
                     // The host and the path as written: the normal form only lower-cases scheme
                     // and host.
                     return l.object == "url" && l.property == "value" && normal && *normal == u &&
                            Lower(l.value).find(UrlHost(u)) != std::string::npos &&
                            (UrlPath(u) == "/" || l.value.find(UrlPath(u)) != std::string::npos);
                   }))
        << "url " << u;
  }
  for (const std::string& n : indicator.names) {
    EXPECT_TRUE(AnyLiteral(literals,
                           [&](const PatternLiteral& l) {
                             return l.object == "file" && l.property == "name" &&
                                    (l.op == "LIKE" ? LikeAsGlob(l.value) == n : l.value == n);
                           }))
        << "name " << n;
  }
  for (uint16_t p : indicator.ports) {
    EXPECT_TRUE(AnyLiteral(literals,
                           [&](const PatternLiteral& l) {
                             return l.object == "network-traffic" && l.property == "dst_port" &&
                                    l.value == std::to_string(p);
                           }))
        << "port " << p;
  }
  if (!indicator.protocol.empty()) {
    EXPECT_TRUE(AnyLiteral(literals,
                           [&](const PatternLiteral& l) {
                             return l.property.starts_with("protocols[") &&
                                    Lower(l.value) == indicator.protocol;
                           }))
        << "protocol " << indicator.protocol;
  }
}

// A url:value literal's host is never a domain or address of the same STIX indicator, unless
// the pattern names that host as a host itself.
void ExpectNoUrlBecameItsHost(const std::vector<const Indicator*>& indicators,
                              const std::string& pattern) {
  const std::vector<PatternLiteral> literals = Literals(pattern);
  for (const PatternLiteral& l : literals) {
    if (l.object != "url" || l.property != "value") continue;
    auto normal = ioc_internal::NormalizeUrl(l.value);
    if (!normal) continue;
    const std::string host = UrlHost(*normal);
    const bool named_as_host = AnyLiteral(literals, [&](const PatternLiteral& h) {
      return IsHostProperty(h) && Lower(h.value) == host;
    });
    if (named_as_host) continue;
    for (const Indicator* i : indicators) {
      EXPECT_EQ(std::count(i->domains.begin(), i->domains.end(), host), 0)
          << i->id << ": URL " << l.value << " became the domain " << host;
      EXPECT_EQ(std::count(i->addresses.begin(), i->addresses.end(), host), 0)
          << i->id << ": URL " << l.value << " became the address " << host;
    }
  }
}

// The STIX id an imported indicator came from ("indicator--x-2" -> "indicator--x").
std::string StixIdOf(const std::string& id, const std::map<std::string, nlohmann::json>& known) {
  for (const auto& [stix_id, object] : known) {
    if (id == stix_id || id.starts_with(stix_id + "-")) return stix_id;
  }
  return "";
}

TEST(StixRealTest, NothingImportedIsWiderThanItsPattern) {
  size_t audited = 0;
  for (const char* name : kRealFiles) {
    SCOPED_TRACE(name);
    const std::string text = ReadReal(name);
    const StixImport import = ImportText(text, name);
    const auto current = CurrentIndicators(text);
    std::map<std::string, std::vector<const Indicator*>> by_stix_id;
    for (const Indicator& i : import.pack.indicators) {
      const std::string stix_id = StixIdOf(i.id, current);
      ASSERT_FALSE(stix_id.empty()) << i.id << " has no indicator object";
      ExpectLiteralsOfPattern(i, current.at(stix_id).value("pattern", ""));
      by_stix_id[stix_id].push_back(&i);
      ++audited;
    }
    for (const auto& [stix_id, indicators] : by_stix_id) {
      ExpectNoUrlBecameItsHost(indicators, current.at(stix_id).value("pattern", ""));
    }
  }
  EXPECT_GT(audited, 20u);  // the audit looked at real imports, not at an empty pack
}

TEST(StixRealTest, EveryIndicatorObjectIsImportedOrReported) {
  for (const char* name : kRealFiles) {
    SCOPED_TRACE(name);
    const std::string text = ReadReal(name);
    const StixImport import = ImportText(text, name);
    std::set<std::string> ids;  // versions of one indicator count once
    for (const auto& o : Objects(text)) {
      if (o.value("type", "") != "indicator") continue;
      const std::string id = o.value("id", "");
      ids.insert(id);
      const bool imported =
          std::any_of(import.pack.indicators.begin(), import.pack.indicators.end(),
                      [&](const Indicator& i) { return i.id == id || i.id.starts_with(id + "-"); });
      const bool reported =
          std::any_of(import.unsupported.begin(), import.unsupported.end(),
                      [&](const StixImport::Unsupported& u) { return u.stix_id == id; });
      EXPECT_TRUE(imported || reported) << id << " was dropped silently";
    }
    EXPECT_EQ(import.indicators_seen, ids.size());
  }
}

TEST(StixRealTest, ObservedDataAloneImportsNothing) {
  // The elevator's C2 list holds observed-data only: sightings, not intelligence to hunt for.
  StixImport import = ImportReal("elevator-command-and-control-ip-list.json");
  EXPECT_EQ(import.indicators_seen, 0u);
  EXPECT_TRUE(import.pack.indicators.empty());
}

const Indicator* FindIndicator(const Pack& pack, const std::string& id) {
  for (const Indicator& i : pack.indicators) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

std::vector<const StixImport::Unsupported*> ReportsOf(const StixImport& import,
                                                      const std::string& stix_id) {
  std::vector<const StixImport::Unsupported*> out;
  for (const auto& u : import.unsupported) {
    if (u.stix_id == stix_id) out.push_back(&u);
  }
  return out;
}

TEST(StixRealTest, MispIpAttributesImportAsAddresses) {
  const std::string text = ReadReal("misp-ip-attributes.json");
  StixImport import = ImportText(text, "misp-ip-attributes.json");
  size_t ip_attributes = 0;
  for (const auto& o : Objects(text)) {
    const std::string labels = o.value("labels", nlohmann::json::array()).dump();
    if (labels.find("misp:type=\\\"ip-dst\\\"") == std::string::npos &&
        labels.find("misp:type=\\\"ip-src\\\"") == std::string::npos) {
      continue;
    }
    ++ip_attributes;
    // MISP writes the value last: "... AND network-traffic:dst_ref.value = '5.6.7.8']".
    const std::string pattern = o["pattern"];
    const size_t quote = pattern.rfind('\'', pattern.size() - 3);
    const std::string address = pattern.substr(quote + 1, pattern.size() - quote - 3);
    const Indicator* i = FindIndicator(import.pack, o["id"]);
    ASSERT_NE(i, nullptr) << o["id"] << " " << pattern;
    EXPECT_EQ(i->kind, IndicatorKind::kRemoteEndpoint);
    EXPECT_EQ(i->addresses, std::vector<std::string>{address}) << pattern;
    EXPECT_TRUE(i->domains.empty() && i->ports.empty()) << pattern;
  }
  EXPECT_EQ(ip_attributes, 2u);  // MISP's ip-src and ip-dst test attributes
}

TEST(StixRealTest, MispObjectsThatCannotBeExpressedAreReportedNotWidened) {
  // domain|ip (a domain AND what it resolves to) and the url object (a URL AND its MISP
  // descriptions) must not shrink to the domain or the URL alone.
  StixImport collection = ImportReal("misp-attributes-collection.json");
  EXPECT_EQ(FindIndicator(collection.pack, "indicator--726f90e2-2ad6-44a2-b345-c05e55e850e5"),
            nullptr);
  EXPECT_FALSE(ReportsOf(collection, "indicator--726f90e2-2ad6-44a2-b345-c05e55e850e5").empty());
  StixImport urls = ImportReal("misp-url-attributes.json");
  EXPECT_EQ(FindIndicator(urls.pack, "indicator--5ac347ca-dac4-4562-9775-04120a00020f"), nullptr);
  EXPECT_FALSE(ReportsOf(urls, "indicator--5ac347ca-dac4-4562-9775-04120a00020f").empty());
  // The plain URL attributes stay URLs, two of them on one host.
  const Indicator* ova =
      FindIndicator(urls.pack, "indicator--518b4bcb-a86b-4783-9457-391d548b605b");
  ASSERT_NE(ova, nullptr);
  EXPECT_EQ(ova->urls, std::vector<std::string>{
                           "https://vm.misp-project.org/latest/MISP_v2.4.155@ca03678.ova"});
  EXPECT_TRUE(ova->domains.empty() && ova->addresses.empty());
}

TEST(StixRealTest, MispIpPortAttributesKeepAddressAndPort) {
  // MISP exports ip-dst|port with the port as a string ('5678'), its only form. The destination
  // and its port are both literals: the pair is expressible exactly (address AND port).
  StixImport import = ImportReal("misp-ip-port-attributes.json");
  const Indicator* dst =
      FindIndicator(import.pack, "indicator--518b4bcb-a86b-4783-9457-391d548b605b");
  std::string reports;
  for (const auto* u : ReportsOf(import, "indicator--518b4bcb-a86b-4783-9457-391d548b605b"))
    reports += u->part + ": " + u->reason + "\n";
  ASSERT_NE(dst, nullptr) << reports;
  EXPECT_EQ(dst->addresses, std::vector<std::string>{"5.6.7.8"});
  EXPECT_EQ(dst->ports, std::vector<uint16_t>{5678});
}

TEST(StixRealTest, Apt1KeepsEveryExactMd5AndReportsOnlyTheExplodingPart) {
  const std::string text = ReadReal("apt1-appendix-g-excerpt.json");
  StixImport import = ImportText(text, "apt1");
  for (const char* stix_id : {"indicator--d577b671-abca-4318-ad94-27c793544168",     // GREENCAT
                              "indicator--8d88dd33-1e16-4814-814e-662fb0ac842f"}) {  // GDOCUPLOAD
    SCOPED_TRACE(stix_id);
    const std::string pattern = CurrentIndicators(text).at(stix_id)["pattern"];
    std::set<std::string> in_pattern;
    for (const PatternLiteral& l : Literals(pattern)) {
      if (l.property == "hashes.MD5") in_pattern.insert(Lower(l.value));
    }
    std::set<std::string> imported;
    for (const Indicator& i : import.pack.indicators) {
      if (i.id == stix_id || i.id.starts_with(std::string(stix_id) + "-"))
        imported.insert(i.md5.begin(), i.md5.end());
    }
    EXPECT_GE(in_pattern.size(), 4u);
    EXPECT_EQ(imported, in_pattern);
    auto reports = ReportsOf(import, stix_id);
    EXPECT_FALSE(reports.empty());
    for (const auto* u : reports) {
      EXPECT_EQ(u->part.find("hashes.MD5"), std::string::npos) << u->part << ": " << u->reason;
      EXPECT_FALSE(u->part.empty()) << u->reason;
    }
  }
  // GREENCAT: 103 distinct MD5s (104 literals, one repeated) beside one names-sizes-times
  // alternative of 17 x 32 x 45 that alone exceeds the expansion limit.
  auto greencat = ReportsOf(import, "indicator--d577b671-abca-4318-ad94-27c793544168");
  ASSERT_EQ(greencat.size(), 1u);
  // The part is the alternative's text, parentheses included: "((file:size = 13312 OR ...".
  EXPECT_LE(greencat[0]->part.find("(file:size = 13312"), 1u) << greencat[0]->part;
  EXPECT_NE(greencat[0]->reason.find("alternatives"), std::string::npos) << greencat[0]->reason;
}

TEST(StixRealTest, PoisonIvyCompositesKeepWhatIsExactAndReportTheRest) {
  // FireEye's PIVY composites OR an address list, the sample's hash (beside PIVY's own config
  // fields), a mutex and "domain AND what it resolves to": the domain alone would be wider.
  StixImport import = ImportReal("fireeye-pivy-excerpt.json");
  auto all_of = [&](const std::string& stix_id) {
    Indicator merged;
    for (const Indicator& i : import.pack.indicators) {
      if (i.id != stix_id && !i.id.starts_with(stix_id + "-")) continue;
      merged.md5.insert(merged.md5.end(), i.md5.begin(), i.md5.end());
      merged.addresses.insert(merged.addresses.end(), i.addresses.begin(), i.addresses.end());
      merged.domains.insert(merged.domains.end(), i.domains.begin(), i.domains.end());
    }
    return merged;
  };
  Indicator xgstone = all_of("indicator--3536eb69-2f26-42de-b62b-99057eba1f47");
  EXPECT_EQ(xgstone.md5, std::vector<std::string>{"5415be1e85fd3b56fe7a6f57ec3cef43"});
  EXPECT_EQ(xgstone.addresses,
            (std::vector<std::string>{"125.77.199.30", "60.10.1.120", "199.2.137.238"}));
  EXPECT_TRUE(xgstone.domains.empty()) << xgstone.domains[0];  // only under AND resolves_to
  auto reports = ReportsOf(import, "indicator--3536eb69-2f26-42de-b62b-99057eba1f47");
  for (const char* part : {"mutex:name", "file:x_ID", "file:x_PIVY_Password", "resolves_to_refs"}) {
    EXPECT_TRUE(std::any_of(reports.begin(), reports.end(), [&](const auto* u) {
      return u->part.find(part) != std::string::npos;
    })) << part;
  }
  // A domain that stands alone in its observation is kept; a repeated one once.
  EXPECT_EQ(all_of("indicator--b4712231-1982-44de-b320-22ce778e93f3").domains,
            std::vector<std::string>{"yugoogless.3322.org"});
  EXPECT_EQ(all_of("indicator--d7e30688-4ede-4da6-956d-1f49812ea9f6").domains,
            std::vector<std::string>{"abcd120807.3322.org"});
}

TEST(StixRealTest, Stix20PlaybookImports) {
  const std::string text = ReadReal("unit42-trickbot-excerpt.json");
  StixImport import = ImportText(text, "trickbot");
  std::set<std::string> objects, reported, imported;
  for (const auto& o : Objects(text)) {
    if (o.value("type", "") == "indicator") objects.insert(o.value("id", ""));
    EXPECT_FALSE(o.contains("pattern_type"));  // STIX 2.0: the pattern language is implied
  }
  for (const auto& u : import.unsupported) {
    reported.insert(u.stix_id);
    EXPECT_EQ(u.reason.find("no pattern"), std::string::npos) << u.stix_id << ": " << u.reason;
  }
  for (const Indicator& i : import.pack.indicators) {
    for (const std::string& id : objects) {
      if (i.id == id || i.id.starts_with(id + "-")) imported.insert(id);
    }
  }
  EXPECT_GT(imported.size(), 0u);
  EXPECT_EQ(imported.size(), objects.size() - reported.size());
  const Indicator* domain =
      FindIndicator(import.pack, "indicator--dd18f0bd-0970-436c-966e-17e11f56f217");
  ASSERT_NE(domain, nullptr);
  EXPECT_EQ(domain->domains, std::vector<std::string>{"kostunivo.com"});
  EXPECT_EQ(domain->title, "kostunivo.com");
}

constexpr char kUpdated[] = "indicator--dc8bf204-ca5b-43ba-84f8-189366854031";
constexpr char kRevokedLater[] = "indicator--dd18f0bd-0970-436c-966e-17e11f56f217";
constexpr char kRevokedFirst[] = "indicator--dcb4e2c7-b3d7-4d74-b6ee-8010adb6d3dc";

void ExpectVersionsHonoured(const StixImport& import) {
  // The newer version (one SHA-256) wins over the older one (two), which comes later in the
  // file or earlier, and the report names the pattern that was superseded.
  const Indicator* updated = FindIndicator(import.pack, kUpdated);
  ASSERT_NE(updated, nullptr);
  EXPECT_EQ(
      updated->sha256,
      std::vector<std::string>{"27d240686408ca57ce0b246c8c8b31a3296e0cf7f982c553b92fe6a7de122b6b"});
  EXPECT_EQ(FindIndicator(import.pack, std::string(kUpdated) + "-2"), nullptr);
  auto reports = ReportsOf(import, kUpdated);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(
      reports[0]->part.find("23fa99598409d22ebc35e0119ca7ad18ba603424eeceb0f508306c788eb5d6b5"),
      std::string::npos)
      << reports[0]->part;
  EXPECT_NE(reports[0]->reason.find("superseded"), std::string::npos) << reports[0]->reason;
  // A revoked latest version withdraws the indicator, whether it comes before or after.
  for (const char* revoked : {kRevokedLater, kRevokedFirst}) {
    SCOPED_TRACE(revoked);
    for (const Indicator& i : import.pack.indicators) EXPECT_FALSE(i.id.starts_with(revoked));
    auto withdrawn = ReportsOf(import, revoked);
    EXPECT_TRUE(std::any_of(withdrawn.begin(), withdrawn.end(), [](const auto* u) {
      return u->reason.find("revoked") != std::string::npos;
    }));
  }
  for (const auto& u : import.unsupported) {
    if (u.reason.find("superseded") != std::string::npos) {
      EXPECT_FALSE(u.part.empty()) << u.stix_id;
    }
  }
}

TEST(StixRealTest, LatestVersionWinsAndRevocationWithdraws) {
  const std::string text = ReadReal("versions-unit42-trickbot.json");
  {
    SCOPED_TRACE("file order");
    ExpectVersionsHonoured(ImportText(text, "versions"));
  }
  nlohmann::json reversed = nlohmann::json::parse(text);
  std::reverse(reversed["objects"].begin(), reversed["objects"].end());
  {
    SCOPED_TRACE("reversed order");
    ExpectVersionsHonoured(ImportText(reversed.dump(), "versions-reversed"));
  }
}

void ExpectSameImport(const StixImport& a, const StixImport& b) {
  EXPECT_EQ(a.indicators_seen, b.indicators_seen);
  EXPECT_TRUE(a.pack.indicators == b.pack.indicators);
  ASSERT_EQ(a.unsupported.size(), b.unsupported.size());
  for (size_t i = 0; i < a.unsupported.size(); ++i) {
    EXPECT_EQ(a.unsupported[i].stix_id, b.unsupported[i].stix_id);
    EXPECT_EQ(a.unsupported[i].part, b.unsupported[i].part);
    EXPECT_EQ(a.unsupported[i].reason, b.unsupported[i].reason);
  }
}

TEST(StixRealTest, TaxiiEnvelopeAndBareListImportLikeABundle) {
  StixImport envelope = ImportReal("taxii21-envelope-misp-url.json");
  StixImport bundle = ImportReal("misp-url-attributes.json");
  EXPECT_GT(envelope.pack.indicators.size(), 0u);
  ExpectSameImport(envelope, bundle);
  StixImport list = ImportReal("bare-list-unit42-trickbot.json");
  StixImport playbook = ImportReal("unit42-trickbot-excerpt.json");
  EXPECT_GT(list.pack.indicators.size(), 0u);
  ExpectSameImport(list, playbook);
}

TEST(StixRealTest, EmptyTaxiiPageAndEmptyBundleImportNothing) {
  // medallion, OASIS's TAXII 2.1 server (oasis-open/cti-taxii-server medallion/common.py,
  // create_resource), answers a page without objects with "{}": it leaves out "objects" and
  // "more" when there are none. TAXII 2.1 makes an envelope's objects optional, and STIX 2.1 a
  // bundle's. An empty page is no error: it imports nothing.
  for (const char* text :
       {"{}", "{\"more\": false}",
        "{\"type\": \"bundle\", \"id\": \"bundle--61813f09-8b0b-4080-bced-731b6c8281c4\"}"}) {
    auto result = ImportStixBundle(text, "empty");
    if (!result) {
      ADD_FAILURE() << text << ": " << result.error().ToString();
      continue;
    }
    EXPECT_EQ(result->indicators_seen, 0u) << text;
    EXPECT_TRUE(result->pack.indicators.empty()) << text;
  }
}

platform::ProcessInfo Process(uint32_t pid, std::string name, std::string command_line) {
  platform::ProcessInfo p;
  p.pid = pid;
  p.ppid = 1;
  p.name = name;
  p.executable = "/usr/bin/" + name;
  p.command_line = std::move(command_line);
  p.start_time_ns = 1000;
  return p;
}

TEST(StixRealTest, HuntMatchesTheUrlNotItsHost) {
  // MISP's two URL attributes on vm.misp-project.org: a download of one image must flag that
  // URL only, and another image on the same host must flag nothing.
  StixImport import = ImportReal("misp-url-attributes.json");
  HuntSnapshot snapshot;
  snapshot.os = TargetOs::kLinux;
  snapshot.inventory.processes = {
      Process(100, "curl",
              "curl -fsSLO https://vm.misp-project.org/latest/MISP_v2.4.155@ca03678.ova"),
      Process(101, "wget", "wget https://vm.misp-project.org/latest/MISP_v2.4.160@0c1d2e3.ova"),
      Process(102, "curl", "curl -s https://vm.misp-project.org/latest/"),
      Process(103, "curl", "curl https://www.misp-project.org/download/"),
      // The same URL quoted in a script, and over http (one family with https).
      Process(104, "pwsh",
              "pwsh -c \"iwr 'https://vm.misp-project.org/latest/MISP_v2.4.155@ca03678.ova' "
              "-OutFile m.ova\""),
      Process(105, "wget", "wget http://vm.misp-project.org/latest/MISP_v2.4.155@ca03678.ova"),
      // Not the same URL: another case in the path, a longer path, a query.
      Process(106, "curl", "curl https://vm.misp-project.org/latest/misp_v2.4.155@ca03678.ova"),
      Process(107, "curl",
              "curl -O https://vm.misp-project.org/latest/MISP_v2.4.155@ca03678.ova.sha1"),
      Process(108, "curl", "curl 'https://vm.misp-project.org/latest/?C=M;O=D'"),
  };
  std::vector<Finding> findings = MatchIndicators({import.pack}, snapshot);
  std::set<std::string> matched;
  for (const Finding& f : findings) matched.insert(f.indicator.id + " " + f.object);
  const std::set<std::string> expected = {
      "indicator--518b4bcb-a86b-4783-9457-391d548b605b pid 100 curl",
      "indicator--34cb1a7c-55ec-412a-8684-ba4a88d83a45 pid 102 curl",
      "indicator--518b4bcb-a86b-4783-9457-391d548b605b pid 104 pwsh",
      "indicator--518b4bcb-a86b-4783-9457-391d548b605b pid 105 wget",
  };
  EXPECT_EQ(matched, expected) << ::testing::PrintToString(matched);
}

}  // namespace
}  // namespace otguard::host
