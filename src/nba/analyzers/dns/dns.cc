#include "nba/analyzers/dns/dns.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>

#include "nba/wire.h"

namespace otguard::nba::analyzers::dns {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxNameOctets = 255;  // RFC 1035 §2.3.4
constexpr int kMaxPointerHops = 32;
constexpr size_t kMaxAnswers = 32;  // kept per message; more are skipped
constexpr size_t kMaxPending = 64;  // unanswered queries remembered per flow
constexpr size_t kMaxAlerted = 32;  // distinct pool names reported per flow
constexpr int kMaxMalformedUnconfirmed = 4;

using wire::Be16;
using wire::Be32;
using wire::Lower;

// Labels are octet strings (RFC 2181 §11); keep names printable and unambiguous the way master
// files do (RFC 1035 §5.1): "\." for a dot inside a label, "\DDD" for other bytes.
void AppendLabel(std::string& out, std::span<const uint8_t> label) {
  for (uint8_t c : label) {
    if (c == '.' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c > 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\%03u", c);
      out += buf;
    }
  }
}

// Reads the name at `pos`. `next` receives the offset after the name where it started (after
// the first pointer if it is compressed). A pointer must point before the label sequence that
// contains it, so every hop moves strictly backwards and a loop cannot be followed; the hop
// count and the 255-octet limit are a second bound.
std::optional<std::string> ReadName(std::span<const uint8_t> msg, size_t pos, size_t& next) {
  std::string name;
  size_t octets = 1;  // the root label
  size_t sequence_start = pos;
  bool jumped = false;
  for (int hops = 0;;) {
    if (pos >= msg.size()) return std::nullopt;
    uint8_t len = msg[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= msg.size()) return std::nullopt;
      size_t target = size_t{len & 0x3Fu} << 8 | msg[pos + 1];
      if (target >= sequence_start || ++hops > kMaxPointerHops) return std::nullopt;
      if (!jumped) next = pos + 2;
      jumped = true;
      pos = sequence_start = target;
      continue;
    }
    if (len & 0xC0) return std::nullopt;  // 01 and 10 prefixes are reserved
    if (len == 0) {
      if (!jumped) next = pos + 1;
      return name;
    }
    octets += 1 + len;
    if (octets > kMaxNameOctets || pos + 1 + len > msg.size()) return std::nullopt;
    if (!name.empty()) name += '.';
    AppendLabel(name, msg.subspan(pos + 1, len));
    pos += 1 + len;
  }
}

std::string AddressText(std::span<const uint8_t> rdata) {
  return rdata.size() == 4 ? IpAddress::V4(rdata.data()).ToString()
                           : IpAddress::V6(rdata.data()).ToString();
}

// Reads one resource record at `pos` (advanced past it). False if it is malformed. Only A, AAAA
// and CNAME records are stored in `out` (`keep` false: none).
bool ReadRecord(std::span<const uint8_t> msg, size_t& pos, bool keep, std::vector<Record>& out) {
  size_t after_name = 0;
  auto name = ReadName(msg, pos, after_name);
  if (!name || after_name + 10 > msg.size()) return false;
  uint16_t type = Be16(msg, after_name);
  uint32_t ttl = Be32(msg, after_name + 4);
  size_t rdlength = Be16(msg, after_name + 8);
  size_t rdata = after_name + 10;
  if (rdata + rdlength > msg.size()) return false;
  pos = rdata + rdlength;
  if (!keep) return true;
  Record r{std::move(*name), type, ttl, {}};
  if ((type == kTypeA && rdlength == 4) || (type == kTypeAaaa && rdlength == 16)) {
    r.data = AddressText(msg.subspan(rdata, rdlength));
  } else if (type == kTypeCname) {
    size_t ignored = 0;
    auto target = ReadName(msg.first(rdata + rdlength), rdata, ignored);
    if (!target) return false;
    r.data = std::move(*target);
  } else {
    return true;  // other types (or A/AAAA of the wrong size) are skipped
  }
  out.push_back(std::move(r));
  return true;
}

// Names in findings stay short; real names are at most 253 characters, escaped bytes make odd
// ones longer.
std::string Short(std::string_view name) { return wire::Shorten(name, 256); }

nlohmann::json ShortNames(const std::vector<std::string>& names) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& n : names) out.push_back(Short(n));
  return out;
}

std::string_view TypeName(uint16_t type) {
  switch (type) {
    case kTypeA:
      return "A";
    case kTypeAaaa:
      return "AAAA";
    case kTypeCname:
      return "CNAME";
    default:
      return "other";
  }
}

nlohmann::json Addresses(const Message& m) {
  nlohmann::json addresses = nlohmann::json::array();
  for (const Record& r : m.answers) {
    if (r.type != kTypeCname) addresses.push_back(r.data);
  }
  return addresses;
}

nlohmann::json AnswerFields(const Message& m, const std::vector<std::string>& chain) {
  nlohmann::json answers = nlohmann::json::array();
  for (const Record& r : m.answers) {
    answers.push_back(
        {{"name", r.name}, {"type", TypeName(r.type)}, {"ttl", r.ttl}, {"data", r.data}});
  }
  return {{"query", m.query},
          {"rcode", m.rcode},
          {"answers", answers},
          {"addresses", Addresses(m)},
          {"cname_chain", chain}};
}

class DnsAnalyzer final : public Analyzer {
 public:
  explicit DnsAnalyzer(AnalyzerContext& ctx) : Analyzer(ctx) {}

  void Deliver(Direction dir, std::span<const uint8_t> data) override {
    if (ctx().flow().transport == Transport::kTcp) {
      DeliverStream(dir, data);
    } else {
      HandleMessage(data);
    }
  }

  // UDP: the datagram was cut (snaplen) and is already handled. TCP: the length prefixes are
  // lost with the hole; there is no marker to resynchronise on.
  void Gap(Direction dir, uint64_t len) override {
    if (ctx().flow().transport == Transport::kTcp) Stop();
  }

  void Finish() override {
    for (const auto& [id, query] : pending_) {
      ReportPoolLookup(query, {query}, nlohmann::json::array(), false);
    }
    pending_.clear();
  }

 private:
  void DeliverStream(Direction dir, std::span<const uint8_t> data) {
    std::vector<uint8_t>& buf = stream_[Index(dir)];
    buf.insert(buf.end(), data.begin(), data.end());
    size_t used = 0;
    while (!stopped() && buf.size() - used >= 2) {
      size_t len = Be16(buf, used);
      if (len < kHeaderSize) {
        ctx().Anomaly("bad_length");
        Stop();
        return;
      }
      if (buf.size() - used < 2 + len) break;
      HandleMessage(std::span<const uint8_t>(buf).subspan(used + 2, len));
      used += 2 + len;
    }
    buf.erase(buf.begin(), buf.begin() + used);
    // A length prefix allows at most 65,537 buffered bytes per direction (< kMaxBuffer).
  }

  void HandleMessage(std::span<const uint8_t> data) {
    std::optional<Message> m = ParseMessage(data);
    if (!m) {
      ctx().Anomaly("malformed");
      if (!confirmed_ && ++malformed_ >= kMaxMalformedUnconfirmed) Stop();
      return;
    }
    if (!confirmed_) {
      ctx().ConfirmProtocol("dns");
      confirmed_ = true;
    }
    if (m->truncated) ctx().Anomaly("truncated_answers");
    if (m->query.empty()) return;
    const Watchlist& watchlist = ctx().intel().watchlist();
    if (!m->response) {
      if (pending_.size() < kMaxPending) pending_.emplace(m->id, m->query);
      if (watchlist.has_domains()) MatchWatchlist(watchlist, m->query, "dns query");
      return;
    }
    // A response whose query was not seen (the capture started late, or the query went by
    // another path) still names what was asked.
    const bool query_seen = pending_.erase(m->id) > 0;
    std::vector<std::string> chain = CnameChain(*m);
    if (watchlist.has_domains()) {
      if (!query_seen) MatchWatchlist(watchlist, m->query, "dns query");
      for (size_t i = 1; i < chain.size(); ++i) MatchWatchlist(watchlist, chain[i], "dns answer");
    }
    if (!m->answers.empty()) ReportAnswer(*m, chain);
    ReportPoolLookup(m->query, chain, Addresses(*m), true);
  }

  void ReportAnswer(const Message& m, const std::vector<std::string>& chain) {
    Finding f;
    f.kind = Finding::Kind::kObservation;
    f.rule = "dns.answer";
    f.category = Category::kPolicy;
    f.severity = Severity::kInfo;
    f.message = "DNS answer for " + Short(m.query);
    f.fields = {{"dns", AnswerFields(m, chain)}};
    ctx().Report(std::move(f));
  }

  void MatchWatchlist(const Watchlist& watchlist, const std::string& name, std::string_view seen) {
    ReportIocMatches(ctx(), watchlist.MatchDomain(name), Short(name), seen);
  }

  // Alerts once per queried name if the name or an alias in its chain is a pool.
  void ReportPoolLookup(const std::string& query, const std::vector<std::string>& chain,
                        const nlohmann::json& addresses, bool answered) {
    std::optional<std::string> pool;
    std::string matched;
    for (const std::string& name : chain) {
      pool = ctx().intel().MatchPoolDomain(name);
      if (pool) {
        matched = name;
        break;
      }
    }
    if (!pool || alerted_.size() >= kMaxAlerted || !alerted_.insert(Lower(query)).second) return;
    Finding f;
    f.rule = "dns.pool_lookup";
    f.category = Category::kMining;
    f.severity = Severity::kHigh;
    f.technique = "T1496";
    f.message = "DNS lookup of mining pool " + *pool + ": " + Short(query);
    if (matched != query) f.message += " is an alias of " + Short(matched);
    f.fields = {{"dns",
                 {{"query", Short(query)},
                  {"pool_domain", *pool},
                  {"matched", Short(matched)},
                  {"cname_chain", ShortNames(chain)},
                  {"addresses", addresses},
                  {"answered", answered}}}};
    ctx().Report(std::move(f));
  }

  std::vector<uint8_t> stream_[2];
  std::map<uint16_t, std::string> pending_;  // query id -> name, until its response
  std::set<std::string> alerted_;
  bool confirmed_ = false;
  int malformed_ = 0;
};

std::unique_ptr<Analyzer> Create(AnalyzerContext& ctx) {
  return std::make_unique<DnsAnalyzer>(ctx);
}

}  // namespace

std::optional<Message> ParseMessage(std::span<const uint8_t> msg) {
  if (msg.size() < kHeaderSize) return std::nullopt;
  Message m;
  m.id = Be16(msg, 0);
  uint16_t flags = Be16(msg, 2);
  m.response = flags & 0x8000;
  m.rcode = flags & 0x000F;
  if (((flags >> 11) & 0xF) > 6) return std::nullopt;  // opcodes 7-15 are unassigned
  size_t qdcount = Be16(msg, 4), ancount = Be16(msg, 6);
  size_t pos = kHeaderSize;
  for (size_t i = 0; i < qdcount; ++i) {
    size_t next = 0;
    auto name = ReadName(msg, pos, next);
    if (!name || next + 4 > msg.size()) return std::nullopt;
    if (i == 0) {
      m.query = std::move(*name);
      m.query_type = Be16(msg, next);
    }
    pos = next + 4;
  }
  for (size_t i = 0; i < ancount; ++i) {
    if (!ReadRecord(msg, pos, m.answers.size() < kMaxAnswers, m.answers)) {
      m.truncated = true;
      break;
    }
  }
  return m;
}

std::vector<std::string> CnameChain(const Message& m) {
  std::vector<std::string> chain = {m.query};
  std::string current = Lower(m.query);
  // Each step consumes one answer at most, so a CNAME cycle ends after answers.size() steps.
  for (size_t step = 0; step < m.answers.size(); ++step) {
    auto it = std::find_if(m.answers.begin(), m.answers.end(), [&](const Record& r) {
      return r.type == kTypeCname && Lower(r.name) == current;
    });
    if (it == m.answers.end()) break;
    chain.push_back(it->data);
    current = Lower(it->data);
  }
  return chain;
}

const AnalyzerInfo& Info() {
  static const AnalyzerInfo kInfo{"dns", Transport::kUdp, {53, 5353}, nullptr, &Create};
  return kInfo;
}

const AnalyzerInfo& TcpInfo() {
  static const AnalyzerInfo kInfo{"dns_tcp", Transport::kTcp, {53}, nullptr, &Create};
  return kInfo;
}

}  // namespace otguard::nba::analyzers::dns

// The registry calls <name>::Info() for every name this folder registers.
namespace otguard::nba::analyzers::dns_tcp {
const AnalyzerInfo& Info() { return dns::TcpInfo(); }
}  // namespace otguard::nba::analyzers::dns_tcp
