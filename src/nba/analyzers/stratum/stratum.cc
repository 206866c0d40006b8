#include "nba/analyzers/stratum/stratum.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "nba/wire.h"

namespace otguard::nba::analyzers::stratum {
namespace {

using nlohmann::json;

// Pool messages are short (a CryptoNote job is ~300 bytes, a Zcash submit ~3 KiB); a longer
// line is not Stratum.
constexpr size_t kMaxLine = 64 * 1024;
constexpr size_t kMaxText = 128;
// Invalid lines tolerated before giving up: few before the protocol is confirmed (the probe may
// have claimed some other JSON), more after (a capture cut mid-line, a gap).
constexpr int kMaxInvalidUnconfirmed = 3, kMaxInvalidConfirmed = 8;
// Valid JSON-RPC lines without a single mining method: some other JSON protocol.
constexpr int kMaxLinesUnconfirmed = 16;

bool IsJsonSpace(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Wire text for a finding: printable ASCII, bounded (a truncated Monero wallet still
// identifies it).
std::string Text(std::string_view s) {
  return wire::Shorten(wire::PrintableText(s, s.size()), kMaxText);
}

std::string StringAt(const json& j, std::string_view key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? Text(it->get_ref<const std::string&>()) : "";
}

std::string StringAt(const json& array, size_t index) {
  if (!array.is_array() || array.size() <= index || !array[index].is_string()) return "";
  return Text(array[index].get_ref<const std::string&>());
}

// A JSON object line that names JSON-RPC members, nothing but text.
bool Probe(Direction, std::span<const uint8_t> head) {
  size_t i = 0;
  while (i < head.size() && IsJsonSpace(head[i])) ++i;
  if (i >= head.size() || head[i] != '{') return false;
  size_t j = i + 1;
  while (j < head.size() && IsJsonSpace(head[j])) ++j;
  if (j >= head.size() || head[j] != '"') return false;
  for (uint8_t c : head) {
    if (c < 0x20 && !IsJsonSpace(c)) return false;
  }
  std::string_view text(reinterpret_cast<const char*>(head.data()), head.size());
  return text.find("\"method\"") != text.npos || text.find("\"jsonrpc\"") != text.npos ||
         text.find("\"id\"") != text.npos;
}

class StratumAnalyzer final : public Analyzer {
 public:
  explicit StratumAnalyzer(AnalyzerContext& ctx) : Analyzer(ctx) {}

  void Deliver(Direction dir, std::span<const uint8_t> data) override {
    // The session is reported once; parsing every later share would only cost time. (Not
    // Stop(): the engine would attach a fresh analyser when the other direction is probed.)
    if (alerted_) return;
    int d = Index(dir);
    while (!data.empty() && !stopped()) {
      auto nl = std::find(data.begin(), data.end(), uint8_t{'\n'});
      size_t take = static_cast<size_t>(nl - data.begin());
      bool complete = nl != data.end();
      if (skipping_[d]) {
        skipping_[d] = !complete;
      } else if (line_[d].size() + take > kMaxLine) {
        ctx().Anomaly("line_too_long");
        Stop();
        return;
      } else {
        line_[d].append(reinterpret_cast<const char*>(data.data()), take);
        if (complete) HandleLine(dir, line_[d]);
        if (complete) line_[d].clear();
      }
      data = data.subspan(complete ? take + 1 : take);
    }
  }

  // Resynchronise on the next newline: a line is the unit of the protocol.
  void Gap(Direction dir, uint64_t) override {
    line_[Index(dir)].clear();
    skipping_[Index(dir)] = true;
  }

  // A subscribe never followed by authorize or work is still a miner's request.
  void Finish() override {
    if (subscribed_ && !alerted_) Alert();
  }

 private:
  void HandleLine(Direction dir, std::string_view line) {
    while (!line.empty() && IsJsonSpace(line.back())) line.remove_suffix(1);
    while (!line.empty() && IsJsonSpace(line.front())) line.remove_prefix(1);
    if (line.empty()) return;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      ctx().Anomaly("invalid_json");
      if (++invalid_ >= (confirmed_ ? kMaxInvalidConfirmed : kMaxInvalidUnconfirmed)) Stop();
      return;
    }
    std::string method = StringAt(j, "method");
    if (dir == Direction::kToServer) {
      ClientRequest(method, j);
    } else {
      ServerMessage(method, j);
    }
    if (!confirmed_ && ++lines_ >= kMaxLinesUnconfirmed) Stop();
  }

  void ClientRequest(const std::string& method, const json& j) {
    const json empty;
    auto p = j.find("params");
    const json& params = p != j.end() ? *p : empty;
    if (method == "login" && params.is_object() && !StringAt(params, "login").empty()) {
      Session("cryptonote-login", method);
      user_ = StringAt(params, "login");
      agent_ = StringAt(params, "agent");
      Alert();
    } else if (method == "mining.subscribe") {
      bool eth = StringAt(params, 1).starts_with("EthereumStratum/");
      Session(eth ? "ethereum-stratum" : "stratum-v1", method);
      agent_ = StringAt(params, 0);
      pool_host_ = StringAt(params, 2);
      subscribed_ = true;
    } else if (method == "mining.authorize") {
      Session("stratum-v1", method);
      user_ = StringAt(params, 0);
      Alert();
    } else if (method == "eth_submitLogin" || method == "eth_login") {
      Session("ethereum-stratum", method);
      user_ = StringAt(params, 0);
      worker_ = StringAt(j, "worker");
      Alert();
    } else if (IsShare(method, params)) {
      ++shares_;
      Session(method == "submit"          ? "cryptonote-login"
              : method == "mining.submit" ? "stratum-v1"
                                          : "ethereum-stratum",
              method);
      Alert();  // a capture that starts inside the session still shows the miner
    }
  }

  static bool IsShare(const std::string& method, const json& params) {
    if (method == "submit") {
      return params.is_object() && params.contains("job_id") && params.contains("nonce");
    }
    return method == "mining.submit" || method == "eth_submitWork" || method == "eth_getWork";
  }

  // Work the pool pushes to the miner.
  void ServerMessage(const std::string& method, const json& j) {
    auto p = j.find("params");
    bool cryptonote_job = method == "job" && p != j.end() && p->is_object() &&
                          (p->contains("blob") || p->contains("job_id"));
    bool v1_work = method == "mining.notify" || method == "mining.set_difficulty" ||
                   method == "mining.set_target";
    if (!cryptonote_job && !v1_work) return;
    Session(cryptonote_job ? "cryptonote-login" : "stratum-v1", method);
    Alert();
  }

  // Records what the session is; the first recognised method decides the variant.
  void Session(std::string_view variant, const std::string& method) {
    if (!confirmed_) {
      ctx().ConfirmProtocol("stratum");
      confirmed_ = true;
    }
    if (variant_.empty()) variant_ = variant;
    if (!alerted_) method_ = method;
  }

  void Alert() {
    if (alerted_) return;
    alerted_ = true;
    uint16_t port = ctx().flow().server.port;
    Finding f;
    f.rule = "stratum.session";
    f.category = Category::kMining;
    f.severity = Severity::kHigh;
    f.technique = "T1496";
    f.message = "Stratum mining session (" + variant_ + ") to port " + std::to_string(port);
    if (!agent_.empty()) f.message += " by " + agent_;
    json s = {{"variant", variant_}, {"method", method_},
              {"agent", agent_},     {"user", user_},
              {"server_port", port}, {"pool_port_known", ctx().intel().IsPoolPort(port)}};
    if (!pool_host_.empty()) s["pool_host"] = pool_host_;
    if (!worker_.empty()) s["worker"] = worker_;
    if (shares_ > 0) s["shares"] = shares_;
    f.fields = {{"stratum", std::move(s)}};
    ctx().Report(std::move(f));
  }

  std::string line_[2];
  bool skipping_[2] = {false, false};
  bool confirmed_ = false, subscribed_ = false, alerted_ = false;
  int invalid_ = 0, lines_ = 0;
  uint64_t shares_ = 0;
  std::string variant_, method_, agent_, user_, worker_, pool_host_;
};

std::unique_ptr<Analyzer> Create(AnalyzerContext& ctx) {
  return std::make_unique<StratumAnalyzer>(ctx);
}

}  // namespace

const AnalyzerInfo& Info() {
  // Ports only pools use; pools on any other port are found by the probe.
  static const AnalyzerInfo kInfo{
      "stratum", Transport::kTcp, {3333, 14444, 45560, 45700}, &Probe, &Create};
  return kInfo;
}

}  // namespace otguard::nba::analyzers::stratum
