// Running an analysis: one engine on one core, or one engine per core each reading the input
// and keeping its share of the flows, with their events merged back into packet order for the
// correlator (so the result does not depend on the number of threads).
#include "otguard/nba/analysis.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "correlator.h"

namespace otguard::nba {
namespace {

// One engine event, kept for the merge.
struct Event {
  enum class Type : uint8_t { kStart, kAnswered, kFinding, kEnd };
  Type type = Type::kStart;
  uint64_t key = 0;  // packet index that caused it; at the final flush kFlushBase + first packet
  FlowInfo flow;
  Finding finding;
  uint64_t packet_index = 0;
  Micros ts = 0;
  FlowEndReason reason = FlowEndReason::kClosed;
};

constexpr uint64_t kFlushBase = UINT64_MAX / 2;
constexpr uint64_t kBatchFrames = 2048;
constexpr size_t kQueueBatches = 16;

struct Batch {
  std::vector<Event> events;
  uint64_t watermark = 0;  // every later event of this shard has a larger key
  bool last = false;
};

class BatchQueue {
 public:
  void Push(Batch b) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < kQueueBatches; });
    q_.push_back(std::move(b));
    not_empty_.notify_one();
  }
  Batch Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty(); });
    Batch b = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return b;
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Batch> q_;
};

class Recorder final : public FlowObserver {
 public:
  void OnFlowStart(const FlowInfo& f) override { Add(Event::Type::kStart, f); }
  void OnFlowAnswered(const FlowInfo& f) override { Add(Event::Type::kAnswered, f); }
  void OnFinding(const FlowInfo& f, const Finding& finding, uint64_t index, Micros ts) override {
    Event& e = Add(Event::Type::kFinding, f);
    e.finding = finding;
    e.packet_index = index;
    e.ts = ts;
  }
  void OnFlowEnd(const FlowInfo& f, FlowEndReason r) override {
    Add(Event::Type::kEnd, f).reason = r;
  }
  uint64_t current = 0;
  bool flushing = false;
  std::vector<Event> events;

 private:
  Event& Add(Event::Type type, const FlowInfo& f) {
    Event& e = events.emplace_back();
    e.type = type;
    e.key = flushing ? kFlushBase + f.first_packet_index : current;
    e.flow = f;
    return e;
  }
};

void Replay(Event& e, internal::Correlator& c) {
  switch (e.type) {
    case Event::Type::kStart:
      c.OnFlowStart(e.flow);
      break;
    case Event::Type::kAnswered:
      c.OnFlowAnswered(e.flow);
      break;
    case Event::Type::kFinding:
      c.OnFinding(e.flow, e.finding, e.packet_index, e.ts);
      break;
    case Event::Type::kEnd:
      c.OnFlowEnd(e.flow, e.reason);
      break;
  }
}

void RunShard(PacketSource& source, Engine& engine, Recorder& rec, BatchQueue& out) {
  Frame f;
  uint64_t n = 0;
  while (source.Next(f)) {
    rec.current = f.index;
    engine.ProcessFrame(f.link_type, f.data, f.wire_len, f.ts, f.index);
    if (++n % kBatchFrames == 0) {
      out.Push({std::move(rec.events), f.index, false});
      rec.events = {};
    }
  }
  rec.flushing = true;
  engine.Flush();
  out.Push({std::move(rec.events), UINT64_MAX, true});
  rec.events = {};
}

struct ShardState {
  std::deque<Event> pending;
  uint64_t watermark = 0;
  bool done = false;
};

// K-way merge of the shards' event streams by key; blocks only on a shard that could still
// produce an earlier event.
void Merge(std::vector<BatchQueue>& queues, internal::Correlator& c) {
  std::vector<ShardState> s(queues.size());
  auto pull = [&](size_t i) {
    Batch b = queues[i].Pop();
    for (Event& e : b.events) s[i].pending.push_back(std::move(e));
    s[i].watermark = b.watermark;
    s[i].done = b.last;
  };
  for (;;) {
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < s.size(); ++i) {
      if (!s[i].pending.empty() &&
          (best == SIZE_MAX || s[i].pending.front().key < s[best].pending.front().key)) {
        best = i;
      }
    }
    size_t blocker = SIZE_MAX;
    for (size_t i = 0; i < s.size(); ++i) {
      if (i == best || !s[i].pending.empty() || s[i].done) continue;
      if (best == SIZE_MAX || s[i].watermark < s[best].pending.front().key) blocker = i;
    }
    if (blocker != SIZE_MAX) {
      pull(blocker);
      continue;
    }
    if (best == SIZE_MAX) return;  // every shard done and drained
    Replay(s[best].pending.front(), c);
    s[best].pending.pop_front();
  }
}

Status RunSharded(const SourceFactory& open, const AnalysisOptions& options, const Intel& intel,
                  internal::Correlator& correlator, AnalysisResult& result) {
  size_t n = static_cast<size_t>(options.threads);
  std::vector<std::unique_ptr<PacketSource>> sources;
  for (size_t i = 0; i < n; ++i) {
    OTGUARD_ASSIGN_OR_RETURN(auto src, open());
    sources.push_back(std::move(src));
  }
  std::vector<BatchQueue> queues(n);
  std::vector<std::unique_ptr<Recorder>> recorders;
  std::vector<std::unique_ptr<Engine>> engines;
  for (size_t i = 0; i < n; ++i) {
    EngineOptions eo = options.engine;
    eo.shard = static_cast<uint32_t>(i);
    eo.shard_count = static_cast<uint32_t>(n);
    recorders.push_back(std::make_unique<Recorder>());
    engines.push_back(std::make_unique<Engine>(eo, intel, *recorders.back()));
  }
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] { RunShard(*sources[i], *engines[i], *recorders[i], queues[i]); });
  }
  Merge(queues, correlator);
  for (auto& t : threads) t.join();
  // Every shard decodes every frame: frame-level counts come from one of them.
  for (size_t i = 0; i < n; ++i) result.counters.Add(engines[i]->counters());
  const EngineCounters& first = engines[0]->counters();
  result.counters.packets = first.packets;
  result.counters.bytes = first.bytes;
  result.counters.anomalies = first.anomalies;
  result.capture = sources[0]->counters();
  return Status::Ok();
}

}  // namespace

Result<AnalysisResult> Analyze(const SourceFactory& open, const AnalysisOptions& options,
                               const Intel& intel) {
  auto start = std::chrono::steady_clock::now();
  AnalysisResult result;
  internal::Correlator correlator(options, intel, result);
  if (options.threads <= 1) {
    OTGUARD_ASSIGN_OR_RETURN(auto source, open());
    Engine engine(options.engine, intel, correlator);
    Frame f;
    while (source->Next(f)) engine.ProcessFrame(f.link_type, f.data, f.wire_len, f.ts, f.index);
    engine.Flush();
    result.counters = engine.counters();
    result.capture = source->counters();
  } else {
    OTGUARD_RETURN_IF_ERROR(RunSharded(open, options, intel, correlator, result));
  }
  correlator.Finish();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace otguard::nba
