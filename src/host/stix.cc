// STIX 2.1 import: the indicator objects of a bundle become an IOC pack (docs/ioc-packs.md has
// the mapping table). A pattern is rewritten as OR alternatives (disjunctive normal form); an
// alternative becomes an indicator only when every comparison in it maps exactly onto our
// conditions. Whatever does not is reported, never dropped silently and never widened, so a
// pack author sees what the import could not carry.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "host/ioc_values.h"
#include "host/stix_pattern.h"
#include "otguard/base/time_format.h"
#include "otguard/host/ioc.h"

namespace otguard::host {
namespace {

using stix::Comparison;
using stix::ComparisonExpr;
using stix::Literal;
using stix::ObservationExpr;

constexpr size_t kMaxAlternatives = 256;  // of one observation's comparisons, after expansion

// Which condition of ours a comparison sets.
enum class Slot { kFileName, kMd5, kSha1, kSha256, kAddress, kDomain, kPort, kProtocol };

struct Condition {
  std::string object;  // the STIX object type it is about ("file", "network-traffic")
  Slot slot;
  std::vector<std::string> values;  // kPort: decimal numbers
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

// An address or a domain, as the value of an address-like property.
Mapped HostCondition(const std::string& object, const std::string& host, bool domain_allowed) {
  if (auto address = ioc_internal::NormalizeAddress(host)) {
    return Mapped{{Condition{object, Slot::kAddress, {*address}}}, ""};
  }
  if (domain_allowed) {
    if (auto domain = ioc_internal::NormalizeDomain(host)) {
      return Mapped{{Condition{object, Slot::kDomain, {*domain}}}, ""};
    }
  }
  return Unsupported("'" + OneLine(host, 80) + "' is not a valid " +
                     (domain_allowed ? "address or domain" : "address"));
}

// url:value: the host (address or domain) and, for an address, an explicit port. The path and
// query are not conditions of ours; the docs say the import keeps the host only.
Mapped UrlCondition(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return Unsupported("URL without scheme://");
  std::string_view rest = std::string_view(url).substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string host;
  std::string_view port;
  if (rest.starts_with('[')) {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return Unsupported("URL with an unclosed '['");
    host = std::string(rest.substr(1, close - 1));
    if (rest.size() > close + 1) {
      if (rest[close + 1] != ':') return Unsupported("URL with text after ']'");
      port = rest.substr(close + 2);
    }
  } else {
    size_t colon = rest.find(':');
    host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  Mapped mapped = HostCondition("url", Lower(host), true);
  if (!mapped.reason.empty() || port.empty()) return mapped;
  if (mapped.conditions[0].slot == Slot::kDomain) return mapped;  // domains do not pair with ports
  uint32_t n = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || n > 65535) return Unsupported("URL with a bad port");
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  if (n < 1 || n > 65535) return Unsupported("URL with a bad port");
  mapped.conditions.push_back(Condition{"url", Slot::kPort, {std::to_string(n)}});
  return mapped;
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
    return Mapped{{Condition{object, it->second.first, {*hash}}}, ""};
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
    return Mapped{{Condition{object, Slot::kFileName, {glob}}}, ""};
  }
  if ((object == "ipv4-addr" || object == "ipv6-addr") && property == "value") {
    if (!string) return need_string();
    return HostCondition(object, v.value, false);
  }
  if (object == "domain-name" && property == "value") {
    if (!string) return need_string();
    auto domain = ioc_internal::NormalizeDomain(v.value);
    if (!domain) return Unsupported(std::string(domain.error().message()));
    return Mapped{{Condition{object, Slot::kDomain, {*domain}}}, ""};
  }
  if (object == "url" && property == "value") {
    if (!string) return need_string();
    return UrlCondition(v.value);
  }
  if (object == "network-traffic" && property == "dst_ref.value") {
    if (!string) return need_string();
    return HostCondition(object, Lower(v.value), op != "ISSUBSET");
  }
  if (object == "network-traffic" && property == "dst_port") {
    if (v.type != Literal::Type::kInt) return Unsupported("dst_port needs an integer");
    if (v.value.size() > 5 || v.value[0] == '-' || std::stoi(v.value) < 1 ||
        std::stoi(v.value) > 65535) {
      return Unsupported("dst_port " + v.value + " is not 1..65535");
    }
    return Mapped{{Condition{object, Slot::kPort, {std::to_string(std::stoi(v.value))}}}, ""};
  }
  if (object == "network-traffic" && property.starts_with("protocols[")) {
    std::string protocol = Lower(v.value);
    if (!string || (protocol != "tcp" && protocol != "udp")) {
      return Unsupported("only the protocols tcp and udp are conditions");
    }
    return Mapped{{Condition{object, Slot::kProtocol, {protocol}}}, ""};
  }
  return Unsupported("property " + object + ":" + property + " is not supported");
}

Mapped MapComparison(const Comparison& c) {
  if (c.op == "EXISTS") return Unsupported("EXISTS is not supported");
  if (c.negated) return Unsupported("NOT is not supported (it would widen the indicator)");
  const std::string object = c.path.type;
  const std::string property = c.path.Property();
  const bool address = (object == "ipv4-addr" || object == "ipv6-addr") && property == "value";
  const bool supported_op =
      c.op == "=" || c.op == "IN" || (c.op == "LIKE" && object == "file" && property == "name") ||
      (c.op == "ISSUBSET" &&
       (address || (object == "network-traffic" && property == "dst_ref.value")));
  if (!supported_op) return Unsupported("operator " + c.op + " is not supported here");
  Mapped out;
  for (const Literal& v : c.values) {
    Mapped one = MapValue(object, property, c.op, v);
    if (!one.reason.empty()) return one;
    if (c.op == "ISSUBSET" && one.conditions[0].values[0].find('/') == std::string::npos) {
      return Unsupported("ISSUBSET needs an address/prefix");
    }
    if (c.values.size() > 1 && one.conditions.size() > 1) {
      return Unsupported("IN with URLs that carry ports cannot be expressed");
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

// Builds the indicator of one AND term, or says why it cannot be expressed.
std::string TermToIndicator(const std::vector<Condition>& conditions, Indicator* out) {
  std::map<Slot, std::vector<std::string>> slots;
  const std::string& object = conditions[0].object;
  for (const Condition& c : conditions) {
    if (c.object != object) {
      return "AND across " + object + " and " + c.object +
             " objects cannot be expressed (our indicators describe one object)";
    }
    auto [it, added] = slots.emplace(c.slot, c.values);
    // The same condition twice under AND: equal single values are one condition; anything
    // else would turn the AND into our OR of values.
    if (!added && !(it->second.size() == 1 && it->second == c.values)) {
      return "two values for one property joined by AND cannot be expressed";
    }
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
      case Slot::kProtocol:
        out->protocol = values[0];
        break;
      case Slot::kPort:
        for (const std::string& p : values)
          out->ports.push_back(static_cast<uint16_t>(std::stoi(p)));
        break;
    }
  }
  if (!out->domains.empty() && (!out->ports.empty() || !out->addresses.empty())) {
    return "a domain together with a port or address cannot be expressed";
  }
  if (!file && out->ports.empty() && out->addresses.empty() && out->domains.empty()) {
    return "a protocol alone would match every connection";
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

  void Observation(const ObservationExpr& e) {
    std::vector<Term> terms;
    if (!Expand(e.comparison, &terms)) {
      Report(Text(e.begin, e.end), "more than " + std::to_string(kMaxAlternatives) +
                                       " alternatives after expanding AND over OR");
      return;
    }
    for (const Term& term : terms) {
      std::vector<Condition> conditions;
      bool ok = true;
      for (const Comparison* c : term) {
        Mapped mapped = MapComparison(*c);
        if (!mapped.reason.empty()) {
          Report(Text(c->begin, c->end),
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
        std::string part;
        for (const Comparison* c : term)
          part += (part.empty() ? "" : " AND ") + std::string(Text(c->begin, c->end));
        Report(part, why);
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
              !i.addresses.empty() + !i.domains.empty() + !i.ports.empty() + !i.protocol.empty();
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
            merge(existing.domains, indicator.domains) || merge(existing.ports, indicator.ports)) {
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

Status ImportIndicator(const nlohmann::json& object, const std::string& origin, size_t index,
                       StixImport* result) {
  const std::string stix_id = StringField(object, "id");
  if (!ioc_internal::IsValidIndicatorId(stix_id) || stix_id.size() > 120) {
    return InvalidArgument(origin + ": objects[" + std::to_string(index) +
                           "]: indicator without a valid id");
  }
  ++result->indicators_seen;
  // A bundle may hold several versions of one object (same id, other "modified"): the first wins.
  for (const Indicator& i : result->pack.indicators) {
    if (i.id == stix_id) {
      result->unsupported.push_back(
          {stix_id, "", "another version of this indicator was imported already"});
      return Status::Ok();
    }
  }
  const std::string pattern = StringField(object, "pattern");
  const std::string pattern_type = StringField(object, "pattern_type");
  auto report = [&](std::string part, std::string reason) {
    result->unsupported.push_back({stix_id, OneLine(part, 2000), std::move(reason)});
    return Status::Ok();
  };
  if (auto revoked = object.find("revoked"); revoked != object.end() && *revoked == true) {
    return report(pattern, "revoked");
  }
  if (pattern.empty() || pattern_type.empty()) return report(pattern, "no pattern or pattern_type");
  if (pattern_type != "stix") {
    return report(pattern, "pattern_type " + OneLine(pattern_type, 40) + " is not imported");
  }
  auto tree = stix::ParsePattern(pattern);
  if (!tree) return report(pattern, std::string(tree.error().message()));
  Importer importer(pattern, stix_id, result);
  std::vector<Indicator> indicators = importer.Map(*tree);
  for (size_t i = 0; i < indicators.size(); ++i) {
    Indicator& indicator = indicators[i];
    indicator.id = i == 0 ? stix_id : stix_id + "-" + std::to_string(i + 1);
    indicator.severity = Severity::kHigh;
    Describe(object, stix_id, &indicator);
    if (result->pack.indicators.size() >= ioc_internal::kMaxIndicators) {
      return InvalidArgument(origin + ": more than " +
                             std::to_string(ioc_internal::kMaxIndicators) + " indicators");
    }
    result->pack.indicators.push_back(std::move(indicator));
  }
  return Status::Ok();
}

}  // namespace

Result<StixImport> ImportStixBundle(std::string_view json_text, const std::string& origin) {
  if (json_text.size() > ioc_internal::kMaxPackBytes) {
    return Unexpected(InvalidArgument(origin + ": bundle larger than 16 MiB"));
  }
  nlohmann::json bundle;
  try {
    bundle = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    return Unexpected(InvalidArgument(origin + ": not JSON: " + e.what()));
  }
  if (!bundle.is_object() || StringField(bundle, "type") != "bundle" ||
      !bundle.contains("objects") || !bundle["objects"].is_array()) {
    return Unexpected(InvalidArgument(
        origin + ": not a STIX bundle ({\"type\": \"bundle\", \"objects\": [...]})"));
  }
  StixImport result;
  Pack& pack = result.pack;
  pack.id = "stix";
  const std::string bundle_id = OneLine(StringField(bundle, "id"), 100);
  pack.name = "STIX bundle" + (bundle_id.empty() ? "" : " " + bundle_id);
  const std::string now = NowRfc3339Utc();
  pack.version = now.substr(0, 4) + "." + now.substr(5, 2) + "." + now.substr(8, 2);
  pack.description = "Imported from " + OneLine(origin, 500) + " by otguard ioc import-stix.";
  pack.origin = origin;
  const auto& objects = bundle["objects"];
  for (size_t i = 0; i < objects.size(); ++i) {
    if (!objects[i].is_object() || StringField(objects[i], "type") != "indicator") continue;
    OTGUARD_RETURN_IF_ERROR(ImportIndicator(objects[i], origin, i, &result));
  }
  return result;
}

}  // namespace otguard::host
