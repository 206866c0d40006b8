#include "nba/analyzers/http/http.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nba/analyzers/http/message.h"
#include "otguard/base/url.h"

namespace otguard::nba::analyzers::http {
namespace {

constexpr size_t kMaxHead = 32 * 1024;  // request/status line and headers
constexpr size_t kMaxLine = 8 * 1024;   // chunk-size lines, trailers, lines skipped to resync
constexpr size_t kSniffBytes = 8;
constexpr size_t kMaxPending = 32;  // pipelined requests awaiting their responses
constexpr size_t kMaxAlerts = 16;

bool Probe(Direction dir, std::span<const uint8_t> head) {
  return dir == Direction::kToServer ? ProbeRequest(View(head)) : ProbeResponse(View(head));
}

struct Request {
  std::string method, uri, host, user_agent;
};

enum class State {
  kHead,        // collecting the start line and header fields
  kBody,        // `remaining` bytes of a Content-Length body
  kChunkSize,   // a chunk-size line
  kChunkData,   // `remaining` bytes of chunk data
  kChunkEnd,    // the CRLF after chunk data
  kTrailers,    // trailer fields up to an empty line
  kUntilClose,  // a response body delimited by the end of the connection
  kLost,        // out of sync: skipping lines until a start line
};

struct Stream {
  State state = State::kHead;
  std::string buf;          // the head, or the current line
  bool discarding = false;  // kLost: the current line was too long and is being dropped
  uint64_t remaining = 0;
};

class HttpAnalyzer final : public Analyzer {
 public:
  explicit HttpAnalyzer(AnalyzerContext& ctx) : Analyzer(ctx) {}

  void Deliver(Direction dir, std::span<const uint8_t> data) override {
    Stream& s = streams_[Index(dir)];
    while (!data.empty() && !stopped()) {
      size_t used = Step(dir, s, data);
      data = data.subspan(used);
    }
  }

  // A hole inside a body of known length keeps the framing; anywhere else, resynchronise on
  // the next start line.
  void Gap(Direction dir, uint64_t len) override {
    Stream& s = streams_[Index(dir)];
    bool response = dir == Direction::kToClient;
    if (response && sniffing_) sniffing_ = false;  // the body's first bytes are gone
    if ((s.state == State::kBody || s.state == State::kChunkData) && len <= s.remaining) {
      s.remaining -= len;
      if (s.remaining == 0 && s.state == State::kBody) MessageDone(dir, s);
      if (s.remaining == 0 && s.state == State::kChunkData) s.state = State::kChunkEnd;
      return;
    }
    if (s.state == State::kUntilClose) return;
    Lose(s);
    if (response) pending_.clear();  // responses were lost: pairing is unknown
  }

  void Finish() override {
    if (sniffing_) Classify();
  }

 private:
  // Consumes a prefix of `data` (at least one byte) in the current state.
  size_t Step(Direction dir, Stream& s, std::span<const uint8_t> data) {
    switch (s.state) {
      case State::kHead:
        return CollectHead(dir, s, data);
      case State::kBody:
      case State::kChunkData:
        return BodyBytes(dir, s, data);
      case State::kUntilClose:
        if (dir == Direction::kToClient) Sniff(data);
        return data.size();
      default:
        return CollectLine(dir, s, data);
    }
  }

  size_t CollectHead(Direction dir, Stream& s, std::span<const uint8_t> data) {
    // Empty lines before a start line are ignored (RFC 9112 §2.2).
    if (s.buf.empty() && (data[0] == '\r' || data[0] == '\n')) return 1;
    size_t old = s.buf.size();
    size_t appended = std::min(data.size(), kMaxHead + 4 - old);
    s.buf.append(View(data.first(appended)));
    // Search only where the terminator can newly appear: the match then ends in the new bytes.
    size_t from = old >= 3 ? old - 3 : 0;
    size_t crlf = s.buf.find("\r\n\r\n", from), lf = s.buf.find("\n\n", from);
    size_t end = std::min(crlf == s.buf.npos ? s.buf.npos : crlf + 4,
                          lf == s.buf.npos ? s.buf.npos : lf + 2);
    if (end == s.buf.npos) {
      if (s.buf.size() > kMaxHead) {
        ctx().Anomaly("header_too_long");
        if (!confirmed_) Stop();  // no HTTP message seen yet: some other protocol
        Lose(s);
      }
      return appended;
    }
    std::string head = s.buf.substr(0, end);
    s.buf.clear();
    HeadDone(dir, s, head);
    return end - old;
  }

  void HeadDone(Direction dir, Stream& s, std::string_view text) {
    bool response = dir == Direction::kToClient;
    size_t nl = text.find('\n');
    Head head;
    auto start = ParseStartLine(text.substr(0, nl), response);
    if (!start) {
      ctx().Anomaly(response ? "bad_status_line" : "bad_request_line");
      if (!confirmed_) return Stop();  // not HTTP after all
      return Lose(s);
    }
    head.start = *start;
    ParseFields(text.substr(nl + 1), head);
    if (head.bad_length) {
      ctx().Anomaly("bad_content_length");
      return Lose(s);
    }
    if (!confirmed_) {
      ctx().ConfirmProtocol("http");
      confirmed_ = true;
    }
    response ? ResponseHead(s, head) : RequestHead(s, head);
  }

  void RequestHead(Stream& s, const Head& head) {
    const Watchlist& watchlist = ctx().intel().watchlist();
    if (watchlist.has_urls() || watchlist.has_domains()) MatchWatchlist(watchlist, head);
    if (pending_.size() >= kMaxPending) pending_.pop_front();
    pending_.push_back({Text(head.start.method), Text(head.start.uri), head.host, head.user_agent});
    // A request without Content-Length or chunked coding has no body (RFC 9112 §6.3 item 7).
    BeginBody(s, head, head.content_length.value_or(0));
  }

  // The request's whole URL against URL indicators (never its host alone), and its host name
  // against domain indicators.
  void MatchWatchlist(const Watchlist& watchlist, const Head& head) {
    std::string url = RequestUrl(head.start.uri, head.host, ctx().flow().server);
    if (url.empty()) return;
    if (watchlist.has_urls()) {
      std::vector<WireMatch> matches = watchlist.MatchUrl(url);
      // Shown in its normal form (no default port ...); normalized again only on a match.
      if (!matches.empty()) {
        ReportIocMatches(ctx(), matches, Text(NormalizeUrl(url).value_or(url)), "http request");
      }
    }
    std::string_view host = UrlHost(url);
    if (watchlist.has_domains() && !host.empty()) {
      ReportIocMatches(ctx(), watchlist.MatchDomain(host), Text(host), "http host");
    }
  }

  void ResponseHead(Stream& s, const Head& head) {
    int status = head.start.status;
    if (status < 200) {
      if (status == 101) Stop();  // switched protocols (WebSocket ...): no longer HTTP
      return;                     // interim response: the final one follows
    }
    current_ = Request{};
    if (!pending_.empty()) {
      current_ = std::move(pending_.front());
      pending_.pop_front();
    }
    if (current_.method == "CONNECT" && status < 300) return Stop();  // a tunnel follows
    response_ = head;
    response_.start.method = response_.start.uri = {};  // views into the consumed head
    sniff_.clear();
    // Encoded bodies (gzip, br ...) hide the file's own bytes.
    sniffing_ = head.content_encoding.empty() || head.content_encoding == "identity";
    // RFC 9112 §6.3: HEAD, 204 and 304 responses have no content.
    if (current_.method == "HEAD" || status == 204 || status == 304) return MessageDone(kResp, s);
    if (!head.chunked && !head.content_length) {
      s.state = State::kUntilClose;
      return;
    }
    BeginBody(s, head, *head.content_length);
  }

  void BeginBody(Stream& s, const Head& head, uint64_t length) {
    Direction dir = &s == &streams_[1] ? kResp : kReq;
    if (head.chunked) {
      s.state = State::kChunkSize;
    } else if (length > 0) {
      s.state = State::kBody;
      s.remaining = length;
    } else {
      MessageDone(dir, s);
    }
  }

  size_t BodyBytes(Direction dir, Stream& s, std::span<const uint8_t> data) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(s.remaining, data.size()));
    if (dir == kResp) Sniff(data.first(n));
    s.remaining -= n;
    if (s.remaining == 0) {
      if (s.state == State::kBody) {
        MessageDone(dir, s);
      } else {
        s.state = State::kChunkEnd;
      }
    }
    return n;
  }

  // Line-oriented states: chunk sizes, the CRLF after chunk data, trailers, resync.
  size_t CollectLine(Direction dir, Stream& s, std::span<const uint8_t> data) {
    auto nl = std::find(data.begin(), data.end(), uint8_t{'\n'});
    size_t take = static_cast<size_t>(nl - data.begin());
    if (!s.discarding) s.buf.append(View(data.first(std::min(take, kMaxLine + 1))));
    if (s.buf.size() > kMaxLine) {
      if (s.state != State::kLost) ctx().Anomaly("line_too_long");
      Lose(s);
      s.discarding = true;
    }
    if (nl == data.end()) return take;
    std::string line = std::move(s.buf);
    s.buf.clear();
    bool dropped = s.discarding;
    s.discarding = false;
    if (!dropped) LineDone(dir, s, Trim(line));
    return take + 1;
  }

  void LineDone(Direction dir, Stream& s, std::string_view line) {
    switch (s.state) {
      case State::kChunkSize:
        return ChunkSize(dir, s, line);
      case State::kChunkEnd:
        if (line.empty()) {
          s.state = State::kChunkSize;
        } else {
          ctx().Anomaly("bad_chunk_end");
          Lose(s);
        }
        return;
      case State::kTrailers:
        if (line.empty()) MessageDone(dir, s);
        return;
      default:  // kLost: a start line puts the stream back in sync
        if (ParseStartLine(line, dir == kResp)) {
          s.state = State::kHead;
          s.buf = std::string(line) + "\r\n";
        }
        return;
    }
  }

  // chunk-size [; extensions] (RFC 9112 §7.1).
  void ChunkSize(Direction dir, Stream& s, std::string_view line) {
    std::string_view hex = Trim(line.substr(0, line.find(';')));
    if (hex.size() > 15) hex = "x";  // beyond any real chunk; also bounds the value
    auto bytes = hex.empty() ? std::nullopt : HexValue(hex);
    if (!bytes) {
      ctx().Anomaly("bad_chunk_size");
      return Lose(s);
    }
    if (*bytes == 0) {
      s.state = State::kTrailers;
      if (dir == kResp && sniffing_) Classify();
      return;
    }
    s.state = State::kChunkData;
    s.remaining = *bytes;
  }

  static std::optional<uint64_t> HexValue(std::string_view hex) {
    uint64_t v = 0;
    for (char c : hex) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
      int lower = std::tolower(static_cast<unsigned char>(c));
      v = v * 16 + static_cast<uint64_t>(lower <= '9' ? lower - '0' : lower - 'a' + 10);
    }
    return v;
  }

  void MessageDone(Direction dir, Stream& s) {
    s.state = State::kHead;
    s.buf.clear();
    if (dir == kResp && sniffing_) Classify();
  }

  void Lose(Stream& s) {
    s.state = State::kLost;
    s.buf.clear();
    s.discarding = false;
    s.remaining = 0;
    if (&s == &streams_[1]) sniffing_ = false;
  }

  void Sniff(std::span<const uint8_t> body) {
    if (!sniffing_) return;
    size_t n = std::min(body.size(), kSniffBytes - sniff_.size());
    sniff_.insert(sniff_.end(), body.begin(), body.begin() + n);
    if (sniff_.size() >= kSniffBytes) Classify();
  }

  void Classify() {
    sniffing_ = false;
    std::string_view magic = SniffMagic(sniff_);
    if (magic.empty()) return;
    std::string ext = Extension(current_.uri);
    const std::string& type = response_.content_type;
    uint16_t port = ctx().flow().server.port;
    bool web = ctx().intel().IsWebPort(port);
    if (web && magic == "zip" && IsDocument(ext, type)) return;
    if (alerted_uris_.size() >= kMaxAlerts || !alerted_uris_.insert(current_.uri).second) return;
    nlohmann::json reasons = nlohmann::json::array();
    if (!web) reasons.push_back("non_web_port");
    if (!ExtensionFits(magic, ext)) reasons.push_back("extension_mismatch");
    if (TypeContradicts(type)) reasons.push_back("content_type_mismatch");
    Report(magic, ext, reasons);
  }

  void Report(std::string_view magic, const std::string& ext, const nlohmann::json& reasons) {
    uint16_t port = ctx().flow().server.port;
    Finding f;
    f.rule = "http.executable_download";
    f.category = Category::kDownload;
    f.severity = reasons.empty() ? Severity::kMedium : Severity::kHigh;
    f.technique = "T0867";
    // The side that served the file acts on the one that fetched it.
    f.actor = Direction::kToClient;
    f.message = std::string(magic) + " file downloaded over HTTP from port " +
                std::to_string(port) + ": " + current_.method + " " + current_.uri;
    if (!reasons.empty()) f.message += " (" + reasons[0].get<std::string>() + ")";
    nlohmann::json h = {{"method", current_.method},
                        {"host", current_.host},
                        {"uri", current_.uri},
                        {"user_agent", current_.user_agent},
                        {"status", response_.start.status},
                        {"content_type", Text(response_.content_type)},
                        {"body_magic", magic},
                        {"extension", Text(ext)},
                        {"server_port", port},
                        {"reasons", reasons}};
    if (response_.content_length) h["content_length"] = *response_.content_length;
    f.fields = {{"http", std::move(h)}};
    ctx().Report(std::move(f));
  }

  static constexpr Direction kReq = Direction::kToServer, kResp = Direction::kToClient;

  Stream streams_[2];
  std::deque<Request> pending_;
  Request current_;  // the request the current response answers
  Head response_;
  std::vector<uint8_t> sniff_;
  bool sniffing_ = false;
  bool confirmed_ = false;
  std::set<std::string> alerted_uris_;
};

std::unique_ptr<Analyzer> Create(AnalyzerContext& ctx) {
  return std::make_unique<HttpAnalyzer>(ctx);
}

}  // namespace

const AnalyzerInfo& Info() {
  static const AnalyzerInfo kInfo{
      "http", Transport::kTcp, {80, 8000, 8008, 8080, 8081, 8088, 8888}, &Probe, &Create};
  return kInfo;
}

}  // namespace otguard::nba::analyzers::http
