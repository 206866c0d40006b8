// History: observations aggregated into items with how often, how long and when they were seen.
//
// Built for a million observations in well under a second: one hash lookup per observation
// with a reused key buffer (no allocation for a known item), days kept as a small sorted list
// per item with a fast path for the usual in-order case.
#include <algorithm>
#include <unordered_map>

#include "host/allowlist_internal.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

constexpr int64_t kNanosPerHour = int64_t{3600} * 1000000000;
constexpr int64_t kNanosPerDay = 24 * kNanosPerHour;
constexpr size_t kMaxDistinct = 16;  // parents and users kept per process item

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// The distinct UTC days of an item, sorted; SeenStats::days_seen is their number.
void AddDay(std::vector<int32_t>& days, int32_t day) {
  if (days.empty() || days.back() < day) {
    days.push_back(day);
    return;
  }
  auto it = std::lower_bound(days.begin(), days.end(), day);
  if (it == days.end() || *it != day) days.insert(it, day);
}

void See(SeenStats& seen, std::vector<int32_t>& days, EventTime time, int64_t duration_ns) {
  if (seen.count == 0 || time < seen.first_seen) seen.first_seen = time;
  if (seen.count == 0 || time > seen.last_seen) seen.last_seen = time;
  ++seen.count;
  int64_t ns = time.nanos();
  AddDay(days, static_cast<int32_t>(FloorDiv(ns, kNanosPerDay)));
  seen.days_seen = days.size();
  int64_t hour = FloorDiv(ns, kNanosPerHour) - FloorDiv(ns, kNanosPerDay) * 24;
  seen.hours_mask |= uint32_t{1} << hour;
  if (duration_ns >= 0) {
    seen.total_duration_ns += duration_ns;
    ++seen.durations_known;
  }
}

void MergeSeen(SeenStats& into, std::vector<int32_t>& into_days, const SeenStats& from,
               const std::vector<int32_t>& from_days) {
  if (from.count == 0) return;
  if (into.count == 0 || from.first_seen < into.first_seen) into.first_seen = from.first_seen;
  if (into.count == 0 || from.last_seen > into.last_seen) into.last_seen = from.last_seen;
  into.count += from.count;
  std::vector<int32_t> days;
  days.reserve(into_days.size() + from_days.size());
  std::set_union(into_days.begin(), into_days.end(), from_days.begin(), from_days.end(),
                 std::back_inserter(days));
  into_days = std::move(days);
  into.days_seen = into_days.size();
  into.hours_mask |= from.hours_mask;
  into.total_duration_ns += from.total_duration_ns;
  into.durations_known += from.durations_known;
}

void AddDistinct(std::vector<std::string>& values, const std::string& value) {
  if (value.empty()) return;
  auto it = std::lower_bound(values.begin(), values.end(), value);
  if (it != values.end() && *it == value) return;
  if (values.size() >= kMaxDistinct) return;
  values.insert(it, value);
}

}  // namespace

struct History::Impl {
  struct Process {
    ProcessItem item;
    std::vector<int32_t> days;
  };
  struct Network {
    NetworkItem item;
    std::vector<int32_t> days;
  };
  std::unordered_map<std::string, size_t> process_index;
  std::vector<Process> processes;
  std::unordered_map<std::string, size_t> network_index;
  std::vector<Network> network;
  std::string key;  // reused lookup buffer

  Process& ProcessFor(const std::string& executable, const std::string& sha256) {
    key.clear();
    key.append(executable).push_back('\0');
    key.append(sha256);
    auto [it, inserted] = process_index.try_emplace(key, processes.size());
    if (inserted) {
      processes.emplace_back();
      processes.back().item.executable = executable;
      processes.back().item.sha256 = sha256;
    }
    return processes[it->second];
  }

  Network& NetworkFor(const std::string& executable, const std::string& protocol, Direction d,
                      const std::string& remote, uint16_t port) {
    key = internal::NetworkKey(executable, protocol, d, remote, port);
    auto [it, inserted] = network_index.try_emplace(key, network.size());
    if (inserted) {
      network.emplace_back();
      NetworkItem& item = network.back().item;
      item.executable = executable;
      item.protocol = protocol;
      item.direction = d;
      item.remote_address = remote;
      item.port = port;
    }
    return network[it->second];
  }

  void Add(const ProcessObservation& p) {
    Process& entry = ProcessFor(p.executable, p.sha256);
    ProcessItem& item = entry.item;
    if (item.signer.empty()) item.signer = p.signer;
    if (item.package.empty()) item.package = p.package;
    AddDistinct(item.parents, p.parent_executable);
    AddDistinct(item.users, p.user);
    See(item.seen, entry.days, p.time, p.duration_ns);
  }

  void Add(const ConnectionObservation& c) {
    static const std::string kNone;
    const std::string& remote = c.direction == Direction::kListen ? kNone : c.remote_address;
    Network& entry =
        NetworkFor(c.executable, c.protocol, c.direction, remote, internal::ServicePort(c));
    See(entry.item.seen, entry.days, c.time, -1);
  }

  void Merge(const Impl& other) {
    for (const Process& from : other.processes) {
      Process& into = ProcessFor(from.item.executable, from.item.sha256);
      if (into.item.signer.empty()) into.item.signer = from.item.signer;
      if (into.item.package.empty()) into.item.package = from.item.package;
      for (const std::string& p : from.item.parents) AddDistinct(into.item.parents, p);
      for (const std::string& u : from.item.users) AddDistinct(into.item.users, u);
      MergeSeen(into.item.seen, into.days, from.item.seen, from.days);
    }
    for (const Network& from : other.network) {
      const NetworkItem& n = from.item;
      Network& into = NetworkFor(n.executable, n.protocol, n.direction, n.remote_address, n.port);
      MergeSeen(into.item.seen, into.days, n.seen, from.days);
    }
  }
};

namespace {

// Copy-on-write: a History shared by copies is cloned before its first change.
template <typename Impl>
Impl& Writable(std::shared_ptr<Impl>& impl) {
  if (!impl) {
    impl = std::make_shared<Impl>();
  } else if (impl.use_count() > 1) {
    impl = std::make_shared<Impl>(*impl);
  }
  return *impl;
}

}  // namespace

void History::Add(const Observation& observation) {
  Impl& impl = Writable(impl_);
  std::visit([&impl](const auto& o) { impl.Add(o); }, observation);
  ++observations_;
}

void History::Merge(const History& other) {
  if (!other.impl_ || other.observations_ == 0) return;
  if (!impl_ || observations_ == 0) {  // nothing here yet: share theirs until a change
    impl_ = other.impl_;
    observations_ = other.observations_;
    return;
  }
  if (other.impl_ == impl_) {  // h.Merge(h): every count doubles
    Impl copy = *impl_;
    Writable(impl_).Merge(copy);
  } else {
    Writable(impl_).Merge(*other.impl_);
  }
  observations_ += other.observations_;
}

std::vector<ProcessItem> History::processes() const {
  std::vector<ProcessItem> out;
  if (!impl_) return out;
  out.reserve(impl_->processes.size());
  for (const Impl::Process& p : impl_->processes) out.push_back(p.item);
  std::sort(out.begin(), out.end(), [](const ProcessItem& a, const ProcessItem& b) {
    return std::tie(a.executable, a.sha256) < std::tie(b.executable, b.sha256);
  });
  return out;
}

std::vector<NetworkItem> History::network() const {
  std::vector<NetworkItem> out;
  if (!impl_) return out;
  out.reserve(impl_->network.size());
  for (const Impl::Network& n : impl_->network) out.push_back(n.item);
  std::sort(out.begin(), out.end(), [](const NetworkItem& a, const NetworkItem& b) {
    return std::tie(a.executable, a.protocol, a.direction, a.remote_address, a.port) <
           std::tie(b.executable, b.protocol, b.direction, b.remote_address, b.port);
  });
  return out;
}

}  // namespace otguard::host
