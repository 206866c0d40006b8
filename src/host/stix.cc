// STIX 2.1 import: the indicator objects of a bundle become an IOC pack (docs/ioc-packs.md has
// the mapping table). A pattern is rewritten as OR alternatives (disjunctive normal form); an
// alternative becomes an indicator only when every comparison in it maps exactly onto our
// conditions. Whatever does not is reported, never dropped silently and never widened, so a
// pack author sees what the import could not carry.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <istream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <sstream>
#include <streambuf>
#include <string>
#include <unordered_map>

#include "host/ioc_values.h"
#include "host/stix_pattern.h"
#include "host/stix_reader.h"
#include "otguard/base/time_format.h"
#include "otguard/host/ioc.h"
#include "otguard/platform/files.h"

namespace otguard::host {
namespace {

using stix::Comparison;
using stix::ComparisonExpr;
using stix::Literal;
using stix::ObservationExpr;

constexpr size_t kMaxAlternatives = 256;  // of one observation's comparisons, after expansion

// Which condition of ours a comparison sets.
enum class Slot {
  kFileName,
  kMd5,
  kSha1,
  kSha256,
  kAddress,
  kDomain,
  kUrl,
  kPort,
  kProtocol,
  kRefType  // network-traffic:dst_ref.type: checked against the value, never a condition itself
};

struct Condition {
  std::string object;  // the STIX object type it is about ("file", "network-traffic")
  Slot slot;
  std::vector<std::string> values;  // kPort: decimal numbers
  std::string ref;                  // network-traffic: "dst" or "src" for *_ref properties
};

// A comparison mapped, or why not.
struct Mapped {
  std::vector<Condition> conditions;  // url:value may set two (host and port)
  std::string reason;                 // non-empty: not supported
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// One line without control characters, at most `max` bytes (not splitting UTF-8).
std::string OneLine(std::string_view s, size_t max) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') break;
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  }
  if (out.size() > max) {
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "...";
  }
  return out;
}

Mapped Unsupported(std::string reason) { return Mapped{{}, std::move(reason)}; }

// A domain-name value: '=' compares literally, so "*.evil.example" names no zone.
Result<std::string> LiteralDomain(const std::string& text) {
  if (text.find_first_of("*?") != std::string::npos) {
    return Unexpected(InvalidArgument("'" + OneLine(text, 80) +
                                      "' under = is a literal name, not a zone wildcard; it "
                                      "would widen to every name under the zone"));
  }
  return ioc_internal::NormalizeDomain(text);
}

// An address or a domain, as the value of an address-like property.
Mapped HostCondition(const std::string& object, const std::string& host, bool domain_allowed,
                     const std::string& ref = "") {
  if (auto address = ioc_internal::NormalizeAddress(host)) {
    return Mapped{{Condition{object, Slot::kAddress, {*address}, ref}}, ""};
  }
  if (domain_allowed) {
    auto domain = LiteralDomain(host);
    if (domain) return Mapped{{Condition{object, Slot::kDomain, {*domain}, ref}}, ""};
    if (host.find('*') != std::string::npos)
      return Unsupported(std::string(domain.error().message()));
  }
  return Unsupported("'" + OneLine(host, 80) + "' is not a valid " +
                     (domain_allowed ? "address or domain" : "address"));
}

Mapped MapValue(const std::string& object, const std::string& property, const std::string& op,
                const Literal& v) {
  const bool string = v.type == Literal::Type::kString;
  auto need_string = [&] { return Unsupported(object + ":" + property + " needs a string"); };
  if (object == "file" && property.starts_with("hashes.")) {
    if (!string) return need_string();
    const std::string algorithm = Lower(property.substr(7));
    static const std::map<std::string, std::pair<Slot, size_t>> kHashes = {
        {"md5", {Slot::kMd5, 32}},
        {"sha-1", {Slot::kSha1, 40}},
        {"sha1", {Slot::kSha1, 40}},
        {"sha-256", {Slot::kSha256, 64}},
        {"sha256", {Slot::kSha256, 64}}};
    auto it = kHashes.find(algorithm);
    if (it == kHashes.end()) {
      return Unsupported("hash type " + property.substr(7) +
                         " is not supported (MD5, SHA-1, SHA-256)");
    }
    auto hash = ioc_internal::NormalizeHash(v.value, it->second.second);
    if (!hash) return Unsupported(std::string(hash.error().message()));
    return Mapped{{Condition{object, it->second.first, {*hash}, ""}}, ""};
  }
  if (object == "file" && property == "name") {
    if (!string) return need_string();
    std::string glob = v.value;
    if (op == "LIKE") {
      // SQL LIKE: % any run, _ one character; our globs' own * and ? cannot be escaped.
      if (glob.find_first_of("*?") != std::string::npos) {
        return Unsupported("LIKE pattern with * or ? cannot be expressed as a glob");
      }
      std::replace(glob.begin(), glob.end(), '%', '*');
      std::replace(glob.begin(), glob.end(), '_', '?');
    } else if (glob.find_first_of("*?") != std::string::npos) {
      return Unsupported("a file name with * or ? would become a wildcard");
    }
    if (Status s = ioc_internal::CheckGlob(glob); !s.ok())
      return Unsupported(std::string(s.message()));
    return Mapped{{Condition{object, Slot::kFileName, {glob}, ""}}, ""};
  }
  if ((object == "ipv4-addr" || object == "ipv6-addr") && property == "value") {
    if (!string) return need_string();
    return HostCondition(object, v.value, false);
  }
  if (object == "domain-name" && property == "value") {
    if (!string) return need_string();
    auto domain = LiteralDomain(v.value);
    if (!domain) return Unsupported(std::string(domain.error().message()));
    return Mapped{{Condition{object, Slot::kDomain, {*domain}, ""}}, ""};
  }
  if (object == "url" && property == "value") {
    // The whole URL, never its host: a URL on a shared host (code hosting, a CDN, a paste
    // site) must not turn into the host.
    if (!string) return need_string();
    auto url = ioc_internal::NormalizeUrl(v.value);
    if (!url) return Unsupported(std::string(url.error().message()));
    return Mapped{{Condition{object, Slot::kUrl, {*url}, ""}}, ""};
  }
  if (object == "network-traffic" && (property == "dst_ref.value" || property == "src_ref.value")) {
    if (!string) return need_string();
    return HostCondition(object, Lower(v.value), op != "ISSUBSET", property.substr(0, 3));
  }
  if (object == "network-traffic" && (property == "dst_ref.type" || property == "src_ref.type")) {
    // MISP writes every address as [... dst_ref.type = 'ipv4-addr' AND dst_ref.value = 'X']:
    // the type is kept to be checked against the value (TermToIndicator).
    const std::string type = Lower(v.value);
    if (!string || (type != "ipv4-addr" && type != "ipv6-addr" && type != "domain-name")) {
      return Unsupported(property + " must be 'ipv4-addr', 'ipv6-addr' or 'domain-name'");
    }
    return Mapped{{Condition{object, Slot::kRefType, {type}, property.substr(0, 3)}}, ""};
  }
  if (object == "network-traffic" && property == "dst_port") {
    // STIX types dst_port as an integer; MISP writes it as a string of digits ('443').
    const bool digits =
        !v.value.empty() && v.value.size() <= 5 &&
        std::all_of(v.value.begin(), v.value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if ((v.type != Literal::Type::kInt && !string) || !digits) {
      return Unsupported("dst_port needs an integer");
    }
    const int port = std::stoi(v.value);
    if (port < 1 || port > 65535) return Unsupported("dst_port " + v.value + " is not 1..65535");
    return Mapped{{Condition{object, Slot::kPort, {std::to_string(port)}, ""}}, ""};
  }
  if (object == "network-traffic" && property.starts_with("protocols[")) {
    std::string protocol = Lower(v.value);
    if (!string || (protocol != "tcp" && protocol != "udp")) {
      return Unsupported("only the protocols tcp and udp are conditions");
    }
    return Mapped{{Condition{object, Slot::kProtocol, {protocol}, ""}}, ""};
  }
  return Unsupported("property " + object + ":" + property + " is not supported");
}

Mapped MapComparison(const Comparison& c) {
  if (c.op == "EXISTS") return Unsupported("EXISTS is not supported");
  if (c.negated) return Unsupported("NOT is not supported (it would widen the indicator)");
  const std::string object = c.path.type;
  const std::string property = c.path.Property();
  const bool address = (object == "ipv4-addr" || object == "ipv6-addr") && property == "value";
  const bool ref_value =
      object == "network-traffic" && (property == "dst_ref.value" || property == "src_ref.value");
  const bool supported_op = c.op == "=" || c.op == "IN" ||
                            (c.op == "LIKE" && object == "file" && property == "name") ||
                            (c.op == "ISSUBSET" && (address || ref_value));
  if (!supported_op) return Unsupported("operator " + c.op + " is not supported here");
  Mapped out;
  for (const Literal& v : c.values) {
    Mapped one = MapValue(object, property, c.op, v);
    if (!one.reason.empty()) return one;
    if (c.op == "ISSUBSET" && one.conditions[0].values[0].find('/') == std::string::npos) {
      return Unsupported("ISSUBSET needs an address/prefix");
    }
    if (out.conditions.empty()) {
      out = std::move(one);
    } else if (one.conditions[0].slot != out.conditions[0].slot) {
      return Unsupported("IN mixing addresses and domains cannot be expressed");
    } else {
      out.conditions[0].values.push_back(std::move(one.conditions[0].values[0]));
    }
  }
  if (out.conditions.empty()) return Unsupported("IN with an empty set matches nothing");
  return out;
}

using Term = std::vector<const Comparison*>;

// The comparisons of one observation as OR of ANDs; false when that would exceed the limit.
bool Expand(const ComparisonExpr& e, std::vector<Term>* out) {
  switch (e.kind) {
    case ComparisonExpr::Kind::kComparison:
      out->push_back({&e.comparison});
      return true;
    case ComparisonExpr::Kind::kOr:
      for (const ComparisonExpr& child : e.children) {
        if (!Expand(child, out) || out->size() > kMaxAlternatives) return false;
      }
      return true;
    case ComparisonExpr::Kind::kAnd: {
      std::vector<Term> product = {Term{}};
      for (const ComparisonExpr& child : e.children) {
        std::vector<Term> alternatives;
        if (!Expand(child, &alternatives)) return false;
        std::vector<Term> next;
        for (const Term& left : product) {
          for (const Term& right : alternatives) {
            if (next.size() >= kMaxAlternatives) return false;
            Term joined = left;
            joined.insert(joined.end(), right.begin(), right.end());
            next.push_back(std::move(joined));
          }
        }
        product = std::move(next);
      }
      out->insert(out->end(), product.begin(), product.end());
      return out->size() <= kMaxAlternatives;
    }
  }
  return false;
}

bool IsFileSlot(Slot s) {
  return s == Slot::kFileName || s == Slot::kMd5 || s == Slot::kSha1 || s == Slot::kSha256;
}

// The type an address or domain value has, as a STIX object type.
std::string ValueType(Slot slot, const std::string& value) {
  if (slot == Slot::kDomain) return "domain-name";
  return value.find(':') != std::string::npos ? "ipv6-addr" : "ipv4-addr";
}

// MISP's dst_ref.type / src_ref.type tests: redundant when they agree with every value of
// the same reference, and then dropped; otherwise the alternative cannot be expressed.
std::string CheckRefTypes(std::vector<Condition>* conditions) {
  std::map<std::string, std::vector<std::string>> types;  // ref -> allowed types
  for (const Condition& c : *conditions) {
    if (c.slot == Slot::kRefType)
      types[c.ref].insert(types[c.ref].end(), c.values.begin(), c.values.end());
  }
  for (const auto& [ref, allowed] : types) {
    bool has_value = false;
    for (const Condition& c : *conditions) {
      if (c.ref != ref || (c.slot != Slot::kAddress && c.slot != Slot::kDomain)) continue;
      has_value = true;
      for (const std::string& v : c.values) {
        std::string type = ValueType(c.slot, v);
        if (std::find(allowed.begin(), allowed.end(), type) == allowed.end()) {
          return ref + "_ref.type does not allow '" + v + "' (a " + type + ")";
        }
      }
    }
    if (!has_value)
      return ref + "_ref.type without " + ref + "_ref.value would match every connection";
  }
  std::erase_if(*conditions, [](const Condition& c) { return c.slot == Slot::kRefType; });
  return "";
}

// Builds the indicator of one AND term, or says why it cannot be expressed.
std::string TermToIndicator(std::vector<Condition> conditions, Indicator* out) {
  if (std::string why = CheckRefTypes(&conditions); !why.empty()) return why;
  std::map<Slot, std::vector<std::string>> slots;
  std::set<std::string> refs;
  const std::string& object = conditions[0].object;
  for (const Condition& c : conditions) {
    if (c.object != object) {
      return "AND across " + object + " and " + c.object +
             " objects cannot be expressed (our indicators describe one object)";
    }
    if (!c.ref.empty()) refs.insert(c.ref);
    auto [it, added] = slots.emplace(c.slot, c.values);
    // The same condition twice under AND: equal single values are one condition; anything
    // else would turn the AND into our OR of values.
    if (!added && !(it->second.size() == 1 && it->second == c.values)) {
      return "two values for one property joined by AND cannot be expressed";
    }
  }
  if (refs.size() > 1) {
    return "both ends of the traffic (src_ref and dst_ref) cannot be expressed: an indicator "
           "names the remote end only";
  }
  if (refs.contains("src") && slots.contains(Slot::kPort)) {
    return "dst_port of traffic from an address is a port of this host, not of the remote end";
  }
  const bool file = IsFileSlot(slots.begin()->first);
  out->kind = file ? IndicatorKind::kFile : IndicatorKind::kRemoteEndpoint;
  for (auto& [slot, values] : slots) {
    switch (slot) {
      case Slot::kFileName:
        out->names = values;
        break;
      case Slot::kMd5:
        out->md5 = values;
        break;
      case Slot::kSha1:
        out->sha1 = values;
        break;
      case Slot::kSha256:
        out->sha256 = values;
        break;
      case Slot::kAddress:
        out->addresses = values;
        break;
      case Slot::kDomain:
        out->domains = values;
        break;
      case Slot::kUrl:
        out->urls = values;
        break;
      case Slot::kProtocol:
        out->protocol = values[0];
        break;
      case Slot::kPort:
        for (const std::string& p : values)
          out->ports.push_back(static_cast<uint16_t>(std::stoi(p)));
        break;
      case Slot::kRefType:
        break;
    }
  }
  if (!out->domains.empty() && (!out->ports.empty() || !out->addresses.empty())) {
    return "a domain together with a port or address cannot be expressed";
  }
  if (!file && out->ports.empty() && out->addresses.empty() && out->domains.empty() &&
      out->urls.empty()) {
    return "a protocol alone would match every connection";
  }
  if (!out->domains.empty() && !out->protocol.empty()) {
    return "a domain together with a protocol cannot be expressed";
  }
  return "";
}

class Importer {
 public:
  Importer(std::string_view pattern, const std::string& stix_id, StixImport* result)
      : pattern_(pattern), stix_id_(stix_id), result_(result) {}

  // The indicators of the pattern (without id, title ...); unsupported parts go to result_.
  std::vector<Indicator> Map(const ObservationExpr& root) {
    Branches(root);
    return std::move(indicators_);
  }

  void Report(std::string_view part, std::string reason) {
    std::string text = OneLine(part, 2000);
    if (reported_.insert(text + "\n" + reason).second) {
      result_->unsupported.push_back({stix_id_, std::move(text), std::move(reason)});
    }
  }

 private:
  std::string_view Text(size_t begin, size_t end) const {
    return pattern_.substr(begin, end - begin);
  }
  std::string TermText(const Term& term) const {
    std::string part;
    for (const Comparison* c : term) {
      part += (part.empty() ? "" : " AND ") + std::string(Text(c->begin, c->end));
    }
    return part;
  }

  void Branches(const ObservationExpr& e) {
    if (!e.qualifiers.empty()) {
      Report(Text(e.begin, e.end), "qualifier " + e.qualifiers[0] + " cannot be expressed");
      return;
    }
    switch (e.kind) {
      case ObservationExpr::Kind::kOr:
        for (const ObservationExpr& child : e.children) Branches(child);
        return;
      case ObservationExpr::Kind::kAnd:
        Report(Text(e.begin, e.end),
               "AND between observations (objects seen together) cannot be expressed");
        return;
      case ObservationExpr::Kind::kFollowedBy:
        Report(Text(e.begin, e.end), "FOLLOWEDBY (a sequence of observations) cannot be expressed");
        return;
      case ObservationExpr::Kind::kObservation:
        Observation(e);
        return;
    }
  }

  void Observation(const ObservationExpr& e) { TopAlternatives(e.comparison); }

  // The alternatives of the top-level OR one at a time: one that explodes under expansion is
  // left out alone, and every exact one beside it is kept (APT1's thousand MD5s OR'ed with a
  // names-and-sizes-and-times alternative).
  void TopAlternatives(const ComparisonExpr& expr) {
    if (expr.kind == ComparisonExpr::Kind::kOr) {
      for (const ComparisonExpr& child : expr.children) TopAlternatives(child);
      return;
    }
    std::vector<Term> terms;
    if (!Expand(expr, &terms)) {
      Report(Text(expr.begin, expr.end), "more than " + std::to_string(kMaxAlternatives) +
                                             " alternatives after expanding AND over OR");
      return;
    }
    for (const Term& term : terms) {
      std::vector<Condition> conditions;
      bool ok = true;
      for (const Comparison* c : term) {
        Mapped mapped = MapComparison(*c);
        if (!mapped.reason.empty()) {
          // The whole term is named: the comparisons ANDed with this one are lost with it.
          Report(TermText(term),
                 mapped.reason +
                     (term.size() > 1 ? "; the alternative ANDed with it is left out" : ""));
          ok = false;
          break;
        }
        conditions.insert(conditions.end(), mapped.conditions.begin(), mapped.conditions.end());
      }
      if (!ok) continue;
      Indicator indicator;
      if (std::string why = TermToIndicator(conditions, &indicator); !why.empty()) {
        Report(TermText(term), why);
        continue;
      }
      Add(std::move(indicator));
    }
  }

  // One-condition alternatives of the same condition merge into one indicator (an OR of
  // values is exactly what a condition with several values means).
  void Add(Indicator indicator) {
    auto single = [](const Indicator& i) {
      int n = !i.names.empty() + !i.md5.empty() + !i.sha1.empty() + !i.sha256.empty() +
              !i.addresses.empty() + !i.domains.empty() + !i.urls.empty() + !i.ports.empty() +
              !i.protocol.empty();
      return n == 1;
    };
    if (single(indicator)) {
      for (Indicator& existing : indicators_) {
        if (!single(existing) || existing.kind != indicator.kind) continue;
        auto merge = [](auto& into, const auto& from) {
          if (into.empty() || from.empty()) return false;
          for (const auto& v : from) {
            if (std::find(into.begin(), into.end(), v) == into.end()) into.push_back(v);
          }
          return true;
        };
        if (merge(existing.names, indicator.names) || merge(existing.md5, indicator.md5) ||
            merge(existing.sha1, indicator.sha1) || merge(existing.sha256, indicator.sha256) ||
            merge(existing.addresses, indicator.addresses) ||
            merge(existing.domains, indicator.domains) || merge(existing.urls, indicator.urls) ||
            merge(existing.ports, indicator.ports)) {
          return;
        }
      }
    }
    indicators_.push_back(std::move(indicator));
  }

  std::string_view pattern_;
  const std::string& stix_id_;
  StixImport* result_;
  std::vector<Indicator> indicators_;
  std::set<std::string> reported_;
};

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Title, technique and references from the STIX indicator's own fields.
void Describe(const nlohmann::json& object, const std::string& stix_id, Indicator* out) {
  std::string title = OneLine(StringField(object, "name"), 200);
  if (title.empty()) title = OneLine(StringField(object, "description"), 200);
  if (title.empty()) title = "STIX " + stix_id;
  // Expired indicators are still imported (old infections stay on hosts), and say so.
  const std::string valid_until = StringField(object, "valid_until");
  if (!valid_until.empty() && valid_until.substr(0, 19) < NowRfc3339Utc().substr(0, 19)) {
    title += " [expired " + OneLine(valid_until, 40) + "]";
  }
  out->title = title;
  auto refs = object.find("external_references");
  if (refs != object.end() && refs->is_array()) {
    for (const auto& ref : *refs) {
      if (!ref.is_object()) continue;
      std::string id = StringField(ref, "external_id");
      if (out->technique.empty() && !IcsTechniqueName(id).empty()) out->technique = id;
      std::string url = OneLine(StringField(ref, "url"), ioc_internal::kMaxValueBytes);
      if (!url.empty()) out->references.push_back(url);
    }
  }
}

// "modified" and "created" compare as instants: fractions of a second are optional and of any
// precision, so "…:27Z" and "…:27.000Z" are equal. Text that is no RFC 3339 UTC time sorts
// before every time.
int CompareTimes(const std::string& a, const std::string& b) {
  auto key = [](const std::string& t) -> std::pair<std::string, std::string> {
    if (t.size() < 20 || t[10] != 'T' || t.back() != 'Z') return {"", ""};
    std::string fraction = t.size() > 21 && t[19] == '.' ? t.substr(20, t.size() - 21) : "";
    fraction.resize(9, '0');
    return {t.substr(0, 19), fraction};
  };
  auto ka = key(a), kb = key(b);
  return ka < kb ? -1 : (kb < ka ? 1 : 0);
}

// One version of an indicator object, imported: what it became and what it left out.
struct Version {
  std::string modified;
  std::string pattern;
  bool revoked = false;
  std::vector<Indicator> indicators;
  std::vector<StixImport::Unsupported> unsupported;
};

// Collects the indicator objects of a bundle in file order. A bundle may hold several versions
// of one object (same id, other "modified"); STIX 2.1 (3.6, "Versioning") makes the one with
// the latest "modified" current, whatever the file order, and a revoked current version
// withdraws the indicator.
class BundleImporter {
 public:
  explicit BundleImporter(const std::string& origin) : origin_(origin) {}

  Status Add(const nlohmann::json& object, size_t index) {
    if (!object.is_object() || StringField(object, "type") != "indicator") return Status::Ok();
    const std::string stix_id = StringField(object, "id");
    if (!ioc_internal::IsValidIndicatorId(stix_id) || stix_id.size() > 120) {
      return InvalidArgument(origin_ + ": objects[" + std::to_string(index) +
                             "]: indicator without a valid id");
    }
    Version version = Import(object, stix_id);
    auto [it, added] = by_id_.emplace(stix_id, versions_.size());
    if (added) {
      ++seen_;
      versions_.push_back(std::move(version));
      return Status::Ok();
    }
    Version& current = versions_[it->second];
    int order = CompareTimes(version.modified, current.modified);
    if (order == 0 && version.pattern == current.pattern && version.revoked == current.revoked) {
      return Status::Ok();  // a copy
    }
    // Two different objects claiming one version break the spec (a new version needs a new
    // modified); of those, a revocation wins: its producer withdrew the indicator.
    if (order == 0 && version.revoked && !current.revoked) order = 1;
    Version& older = order > 0 ? current : version;
    const std::string newer_modified = order > 0 ? version.modified : current.modified;
    superseded_.push_back(
        {stix_id, OneLine(older.pattern, 2000),
         order == 0 ? "another version with the same modified " + OneLine(version.modified, 40) +
                          " and other content; the first in the file is kept"
                    : "version modified " + OneLine(older.modified, 40) +
                          " is superseded by the version modified " + OneLine(newer_modified, 40)});
    if (order > 0) current = std::move(version);
    return Status::Ok();
  }

  Result<StixImport> Finish(const std::string& bundle_id) {
    StixImport result;
    Pack& pack = result.pack;
    pack.id = "stix";
    pack.name = "STIX bundle" + (bundle_id.empty() ? "" : " " + OneLine(bundle_id, 100));
    const std::string now = NowRfc3339Utc();
    pack.version = now.substr(0, 4) + "." + now.substr(5, 2) + "." + now.substr(8, 2);
    pack.description = "Imported from " + OneLine(origin_, 500) + " by otguard ioc import-stix.";
    pack.origin = origin_;
    result.indicators_seen = seen_;
    for (Version& v : versions_) {
      if (pack.indicators.size() + v.indicators.size() > ioc_internal::kMaxIndicators) {
        return Unexpected(InvalidArgument(origin_ + ": more than " +
                                          std::to_string(ioc_internal::kMaxIndicators) +
                                          " indicators"));
      }
      std::move(v.indicators.begin(), v.indicators.end(), std::back_inserter(pack.indicators));
      std::move(v.unsupported.begin(), v.unsupported.end(), std::back_inserter(result.unsupported));
    }
    std::move(superseded_.begin(), superseded_.end(), std::back_inserter(result.unsupported));
    return result;
  }

 private:
  Version Import(const nlohmann::json& object, const std::string& stix_id) {
    Version out;
    out.modified = StringField(object, "modified");
    out.pattern = StringField(object, "pattern");
    // STIX 2.0 indicators have no pattern_type: their patterns are STIX patterns.
    const std::string pattern_type =
        object.contains("pattern_type") ? StringField(object, "pattern_type") : std::string("stix");
    auto report = [&](std::string reason) {
      out.unsupported.push_back({stix_id, OneLine(out.pattern, 2000), std::move(reason)});
      return std::move(out);
    };
    if (auto revoked = object.find("revoked"); revoked != object.end() && *revoked == true) {
      out.revoked = true;
      return report("revoked (version modified " + OneLine(out.modified, 40) +
                    "): the indicator is withdrawn");
    }
    if (out.pattern.empty()) return report("no pattern");
    if (pattern_type != "stix") {
      return report("pattern_type '" + OneLine(pattern_type, 40) + "' is not imported");
    }
    auto tree = stix::ParsePattern(out.pattern);
    if (!tree) return report(std::string(tree.error().message()));
    StixImport reports;
    Importer importer(out.pattern, stix_id, &reports);
    out.indicators = importer.Map(*tree);
    out.unsupported = std::move(reports.unsupported);
    for (size_t i = 0; i < out.indicators.size(); ++i) {
      Indicator& indicator = out.indicators[i];
      indicator.id = i == 0 ? stix_id : stix_id + "-" + std::to_string(i + 1);
      indicator.severity = Severity::kHigh;
      Describe(object, stix_id, &indicator);
    }
    return out;
  }

  const std::string& origin_;
  std::unordered_map<std::string, size_t> by_id_;  // id -> index in versions_
  std::vector<Version> versions_;                  // in the order ids first appear
  std::vector<StixImport::Unsupported> superseded_;
  size_t seen_ = 0;
};

// The objects of a container, one at a time, into the importer.
Result<StixImport> ImportStream(std::istream& in, const std::string& origin) {
  BundleImporter importer(origin);
  auto read = stix::ReadObjects(in, origin, [&](nlohmann::json&& object, size_t index) {
    return importer.Add(object, index);
  });
  if (!read) return Unexpected(read.error());
  return importer.Finish(read->bundle_id);
}

// An istream over a file opened read-only through platform (no lock, no access-time update).
class FileStreamBuf : public std::streambuf {
 public:
  explicit FileStreamBuf(platform::ReadOnlyFile file) : file_(std::move(file)) {
    file_.AdviseSequential();
  }
  const Status& error() const { return error_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    auto n = file_.ReadAt(offset_, std::span(reinterpret_cast<uint8_t*>(buffer_), sizeof buffer_));
    if (!n) {
      error_ = n.error();
      return traits_type::eof();
    }
    if (*n == 0) return traits_type::eof();
    offset_ += *n;
    setg(buffer_, buffer_, buffer_ + *n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  platform::ReadOnlyFile file_;
  uint64_t offset_ = 0;
  char buffer_[64 * 1024];
  Status error_;
};

}  // namespace

Result<StixImport> ImportStixBundle(std::string_view json_text, const std::string& origin) {
  std::istringstream in{std::string(json_text)};
  return ImportStream(in, origin);
}

Result<StixImport> ImportStixFile(const std::string& path) {
  platform::ReadOnlyFile::Options options;
  options.follow_symlinks = true;
  OTGUARD_ASSIGN_OR_RETURN(platform::ReadOnlyFile file,
                           platform::ReadOnlyFile::Open(path, options));
  auto buf = std::make_unique<FileStreamBuf>(std::move(file));
  std::istream in(buf.get());
  auto result = ImportStream(in, path);
  if (!buf->error().ok()) {
    return Unexpected(IoError(path + ": " + std::string(buf->error().message())));
  }
  return result;
}

}  // namespace otguard::host
