// Running an analysis: one engine on one core, or a reader thread that hands each flow's frames
// to the engine thread owning the flow, with the engines' events merged back into packet order
// for the correlator (so the result does not depend on the number of threads).
#include "otguard/nba/analysis.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
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
constexpr size_t kFlushSlice = 4096;

struct Batch {
  std::vector<Event> events;
  uint64_t watermark = 0;  // every later event of this shard has a larger key
  bool last = false;
};

// A bounded single-producer single-consumer queue: a full queue makes the producer wait, so
// memory stays bounded however far one side runs ahead.
template <typename T>
class BoundedQueue {
 public:
  void Push(T b) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < kQueueBatches; });
    q_.push_back(std::move(b));
    not_empty_.notify_one();
  }
  T Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty(); });
    T b = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return b;
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> q_;
};
using BatchQueue = BoundedQueue<Batch>;

// Frames the reader hands to one engine thread: copied into one buffer per batch.
struct FrameBatch {
  struct Record {
    size_t offset = 0;
    uint32_t caplen = 0, wire_len = 0;
    int link_type = 0;
    Micros ts = 0;
    uint64_t index = 0;
  };
  std::vector<uint8_t> bytes;
  std::vector<Record> frames;
  uint64_t upto = 0;  // every frame up to this index has been dispatched
  bool last = false;
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
  // Where the end-of-input flush sends its events in slices (every open flow ends then; one
  // batch of them all would hold a copy of the whole flow table). Null: keep them.
  BoundedQueue<Batch>* out = nullptr;

 private:
  Event& Add(Event::Type type, const FlowInfo& f) {
    uint64_t key = flushing ? kFlushBase + f.first_packet_index : current;
    if (flushing && out != nullptr && events.size() >= kFlushSlice && events.back().key < key) {
      // Flush keys grow with the flows' first packets: everything later has a larger key.
      out->Push({std::move(events), key - 1, false});
      events = {};
    }
    Event& e = events.emplace_back();
    e.type = type;
    e.key = key;
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

// The reader: reads each frame once, decodes just enough to find its flow, and hands it to
// the engine thread that owns the flow. Every batch boundary goes to every engine, so each
// can tell the merger how far it has got even when it received nothing.
void Dispatch(PacketSource& source, std::vector<BoundedQueue<FrameBatch>>& engines) {
  size_t n = engines.size();
  std::vector<FrameBatch> pending(n);
  Frame f;
  uint64_t count = 0, last_index = 0;
  while (source.Next(f)) {
    Packet p;
    auto data = f.data.first(std::min<size_t>(f.data.size(), f.wire_len));
    std::optional<Anomaly> anomaly = Decode(f.link_type, data, f.wire_len, p);
    // Frames that are not analysed go to engine 0, which counts them.
    size_t k = !anomaly || *anomaly == Anomaly::kSnaplenCut ? FlowHash(p) % n : 0;
    FrameBatch& b = pending[k];
    b.frames.push_back({b.bytes.size(), static_cast<uint32_t>(f.data.size()), f.wire_len,
                        f.link_type, f.ts, f.index});
    b.bytes.insert(b.bytes.end(), f.data.begin(), f.data.end());
    last_index = f.index;
    if (++count % kBatchFrames == 0) {
      for (size_t i = 0; i < n; ++i) {
        pending[i].upto = f.index;
        engines[i].Push(std::move(pending[i]));
        pending[i] = FrameBatch();
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    pending[i].upto = last_index;
    pending[i].last = true;
    engines[i].Push(std::move(pending[i]));
  }
}

void RunEngine(BoundedQueue<FrameBatch>& in, Engine& engine, Recorder& rec, BatchQueue& out) {
  for (;;) {
    FrameBatch b = in.Pop();
    for (const auto& r : b.frames) {
      rec.current = r.index;
      engine.ProcessFrame(r.link_type, std::span(b.bytes).subspan(r.offset, r.caplen), r.wire_len,
                          r.ts, r.index);
    }
    if (b.last) break;
    out.Push({std::move(rec.events), b.upto, false});
    rec.events = {};
  }
  rec.flushing = true;
  rec.out = &out;
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
  OTGUARD_ASSIGN_OR_RETURN(auto source, open());
  std::vector<BoundedQueue<FrameBatch>> frames(n);
  std::vector<BatchQueue> events(n);
  std::vector<std::unique_ptr<Recorder>> recorders;
  std::vector<std::unique_ptr<Engine>> engines;
  for (size_t i = 0; i < n; ++i) {
    recorders.push_back(std::make_unique<Recorder>());
    engines.push_back(std::make_unique<Engine>(options.engine, intel, *recorders.back()));
  }
  std::vector<std::thread> threads;
  threads.emplace_back([&] { Dispatch(*source, frames); });
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] { RunEngine(frames[i], *engines[i], *recorders[i], events[i]); });
  }
  Merge(events, correlator);
  for (auto& t : threads) t.join();
  // Each frame went to exactly one engine: the counts add up.
  for (size_t i = 0; i < n; ++i) result.counters.Add(engines[i]->counters());
  result.capture = source->counters();
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
