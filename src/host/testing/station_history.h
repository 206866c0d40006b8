// A generated, deterministic history of a DCS station for allowlist tests and benchmarks.
//
// The station (Windows): three signed vendor products with many files (a Yokogawa-style DCS
// under Program Files (x86), an OPC server with its Modbus and EtherNet/IP drivers, a historian
// buffer), unsigned plant tools, Windows system files (two patched mid-history), an OPC server
// polling 40 controllers (10.10.1.11-50) on TCP 502 and 44818 and serving OPC UA (4840) to five
// operator stations, historian peers, RDP from one engineering station, DNS and NTP. Several
// vendor files are upgraded mid-history (same signer, new hash). A few one-off items are
// planted (transients()). Anomalies() are what a compromised station would add; every one of
// them must be alerted by the allowlist learned from the history.
//
// Observations are spread evenly over `days` and picked at random (seeded, so every run is the
// same) with weights: with 20,000 observations or more every regular item is seen many times on
// many days, so none of them is transient.
#ifndef OTGUARD_HOST_TESTING_STATION_HISTORY_H_
#define OTGUARD_HOST_TESTING_STATION_HISTORY_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "otguard/host/allowlist.h"

namespace otguard::host::testing {

struct StationHistoryOptions {
  uint64_t observations = 100000;
  int days = 14;
  uint64_t seed = 13;
  int64_t start_ns = int64_t{1793491200} * 1000000000;  // 2026-11-01T00:00:00Z
};

class StationHistory {
 public:
  // What the learned allowlist should look like (see the rule-count reasoning in
  // allowlist_station_test.cc).
  static constexpr int kPublisherFolders = 3;  // CENTUM VP, Matrikon OPC, PIPC\bin
  static constexpr int kCidrRules = 4;         // 502 and 44818 to the controllers, OPC UA
                                               // clients, the control-bus stations

  explicit StationHistory(StationHistoryOptions options = {}) : options_(options) { Build(); }

  // Every observation in time order.
  void ForEach(const std::function<void(const Observation&)>& sink) const {
    Random random(options_.seed);
    const uint64_t n = options_.observations;
    const int64_t span = int64_t{options_.days} * 86400 * 1000000000;
    const int64_t step =
        std::max<int64_t>(1, span / static_cast<int64_t>(std::max<uint64_t>(n, 1)));
    std::map<uint64_t, const Observation*> planted;
    for (size_t k = 0; k < transients_.size(); ++k) {
      planted[n * transient_at_[k] / 1000] = &transients_[k];
    }
    for (uint64_t i = 0; i < n; ++i) {
      EventTime time = EventTime::FromNanos(options_.start_ns + static_cast<int64_t>(i) * step +
                                            static_cast<int64_t>(random.Next() % step));
      if (auto it = planted.find(i); it != planted.end()) {
        if (const auto* p = std::get_if<ProcessObservation>(it->second)) {
          ProcessObservation o = *p;
          o.time = time;
          sink(o);
        } else {
          ConnectionObservation o = std::get<ConnectionObservation>(*it->second);
          o.time = time;
          sink(o);
        }
        continue;
      }
      uint64_t pick = random.Next() % total_weight_;
      size_t index =
          std::upper_bound(cumulative_.begin(), cumulative_.end(), pick) - cumulative_.begin();
      const int day = static_cast<int>((static_cast<int64_t>(i) * step) / (86400LL * 1000000000));
      sink(Make(index, time, day, random));
    }
  }

  std::vector<Observation> All() const {
    std::vector<Observation> out;
    out.reserve(options_.observations);
    ForEach([&out](const Observation& o) { out.push_back(o); });
    return out;
  }

  // The planted one-off items (their times are set when they are emitted).
  const std::vector<Observation>& transients() const { return transients_; }

  // What an infected or misused station adds, after the history ends. Each must be alerted.
  std::vector<Observation> Anomalies() const {
    EventTime t = EventTime::FromNanos(options_.start_ns +
                                       int64_t{options_.days} * 86400 * 1000000000 + 3600000000000);
    std::vector<Observation> out;
    // An unknown process (MsraMiner's dropper folder and miner).
    out.push_back(Process(t, "C:\\Windows\\NetworkDistribution\\svchost.exe", Hash("nd-svchost"),
                          "", "C:\\Windows\\System32\\services.exe"));
    out.push_back(Process(t, "C:\\Windows\\System32\\dllhostex.exe", Hash("dllhostex"), "",
                          "C:\\Windows\\System32\\svchost.exe"));
    // Known paths with a new content and another (or no) signer.
    out.push_back(
        Process(t, kSvchost, Hash("svchost-trojan"), "", "C:\\Windows\\System32\\services.exe"));
    out.push_back(Process(t, kCentum + "Program\\BKHOdeq.exe", Hash("bkhodeq-fake"),
                          "Unknown Publisher Ltd", kExplorer));
    out.push_back(Process(t, "C:\\Windows\\System32\\cmd.exe", Hash("cmd-fake"),
                          "Microsoft Corporation (test)", kExplorer));
    // Outbound to a mining pool port on a public address, from a known process.
    out.push_back(Connection(t, kSvchost, "tcp", Direction::kOutbound, "10.10.2.5", 50123,
                             "45.76.102.45", 45560));
    // A known process, a known port, a peer outside the controllers' /24.
    out.push_back(
        Connection(t, kModbus, "tcp", Direction::kOutbound, "10.10.1.5", 50124, "10.10.9.7", 502));
    // A listen on a new port (the worm's web server) and an RDP login from an unknown peer.
    out.push_back(Connection(t, kSvchost, "tcp", Direction::kListen, "0.0.0.0", 26931, "", 0));
    out.push_back(Connection(t, kSvchost, "tcp", Direction::kInbound, "10.10.2.5", 3389,
                             "10.10.2.99", 51000));
    // SMB to an operator station (lateral movement) from a process that never used it.
    out.push_back(Connection(t, kOpcServer, "tcp", Direction::kOutbound, "10.10.2.5", 50125,
                             "10.10.2.21", 445));
    return out;
  }

  // A fake SHA-256 (64 lower-case hex digits) of a name: stable, distinct per name.
  static std::string Hash(const std::string& name) {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
    std::string out;
    char buf[17];
    for (int i = 0; i < 4; ++i) {
      h = Random::Mix(h + static_cast<uint64_t>(i));
      std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
      out += buf;
    }
    return out;
  }

  static inline const std::string kCentum = "C:\\Program Files (x86)\\YOKOGAWA\\CENTUM VP\\";
  static inline const std::string kMatrikon = "C:\\Program Files (x86)\\Matrikon\\OPC\\";
  static inline const std::string kPipc = "C:\\Program Files\\PIPC\\";
  static inline const std::string kSystem32 = "C:\\Windows\\System32\\";
  static inline const std::string kSvchost = "C:\\Windows\\System32\\svchost.exe";
  static inline const std::string kExplorer = "C:\\Windows\\explorer.exe";
  static inline const std::string kModbus = kMatrikon + "Modbus\\MatrikonOPCModbus.exe";
  static inline const std::string kEip = kMatrikon + "EtherNetIP\\MatrikonOPCEthernetIP.exe";
  static inline const std::string kOpcServer = kMatrikon + "UA\\MatrikonOPCUAServer.exe";

 private:
  struct Random {  // splitmix64: the same sequence on every platform and standard library
    explicit Random(uint64_t seed) : state(seed) {}
    static uint64_t Mix(uint64_t z) {
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      return z ^ (z >> 31);
    }
    uint64_t Next() { return Mix(state += 0x9e3779b97f4a7c15ULL); }
    uint64_t state;
  };

  struct FileSpec {
    std::string path;
    std::string signer;
    std::string parent;
    std::string user;
    int upgrade_day = -1;  // from this day on the file has its second content
  };
  struct PeerSpec {
    std::string executable;
    std::string protocol;
    Direction direction;
    std::string remote;  // "" when listening
    uint16_t port;
  };
  struct Item {
    bool process = true;
    size_t index = 0;
  };

  static ProcessObservation Process(EventTime t, const std::string& path, const std::string& sha,
                                    const std::string& signer, const std::string& parent) {
    ProcessObservation p;
    p.time = t;
    p.pid = 4242;
    p.ppid = 640;
    p.executable = path;
    p.sha256 = sha;
    p.signer = signer;
    p.parent_executable = parent;
    p.user = "NT AUTHORITY\\SYSTEM";
    p.source = "etw";
    return p;
  }

  static ConnectionObservation Connection(EventTime t, const std::string& exe,
                                          const std::string& protocol, Direction d,
                                          const std::string& local, uint16_t local_port,
                                          const std::string& remote, uint16_t remote_port) {
    ConnectionObservation c;
    c.time = t;
    c.pid = 1234;
    c.executable = exe;
    c.protocol = protocol;
    c.direction = d;
    c.local_address = local;
    c.local_port = local_port;
    c.remote_address = remote;
    c.remote_port = remote_port;
    return c;
  }

  void AddFile(const std::string& path, const std::string& signer, int weight, int upgrade_day = -1,
               const std::string& parent = kServices,
               const std::string& user = "NT AUTHORITY\\SYSTEM") {
    files_.push_back({path, signer, parent, user, upgrade_day});
    AddItem({true, files_.size() - 1}, weight);
  }

  void AddPeer(const std::string& exe, const std::string& protocol, Direction d,
               const std::string& remote, uint16_t port, int weight) {
    peers_.push_back({exe, protocol, d, remote, port});
    AddItem({false, peers_.size() - 1}, weight);
  }

  void AddItem(Item item, int weight) {
    items_.push_back(item);
    total_weight_ += static_cast<uint64_t>(weight);
    cumulative_.push_back(total_weight_);
  }

  Observation Make(size_t index, EventTime time, int day, Random& random) const {
    const Item& item = items_[index];
    if (item.process) {
      const FileSpec& f = files_[item.index];
      bool upgraded = f.upgrade_day >= 0 && day >= f.upgrade_day;
      ProcessObservation p =
          Process(time, f.path, Hash(f.path + (upgraded ? "#2" : "#1")), f.signer, f.parent);
      p.pid = static_cast<uint32_t>(1000 + random.Next() % 30000);
      p.user = f.user;
      p.duration_ns = static_cast<int64_t>(random.Next() % 3600) * 1000000000;
      return p;
    }
    const PeerSpec& s = peers_[item.index];
    const uint16_t ephemeral = static_cast<uint16_t>(49152 + random.Next() % 16384);
    switch (s.direction) {
      case Direction::kListen:
        return Connection(time, s.executable, s.protocol, s.direction, "0.0.0.0", s.port, "", 0);
      case Direction::kInbound:
        return Connection(time, s.executable, s.protocol, s.direction, kStationAddress, s.port,
                          s.remote, ephemeral);
      case Direction::kOutbound:
        break;
    }
    return Connection(time, s.executable, s.protocol, s.direction, kStationAddress, ephemeral,
                      s.remote, s.port);
  }

  void Build() {
    const std::string yokogawa = "Yokogawa Electric Corporation";
    const std::string matrikon = "Matrikon Inc.";
    const std::string osisoft = "OSIsoft, LLC";
    const std::string microsoft = "Microsoft Windows";
    const std::string op_user = "HIS0164\\CENTUM";
    // The DCS: many signed files in two folders, some upgraded on day 9.
    const char* program[] = {"BKHOdeq.exe",   "BKHLogger.exe", "BKHSysMsg.exe",  "BKHTrend.exe",
                             "BKHAlarm.exe",  "BKHBos.exe",    "BKHGraphic.exe", "BKHTuning.exe",
                             "BKHReport.exe", "BKHEvent.exe",  "BKHHistory.exe", "BKHPanel.exe",
                             "BKHWindow.exe", "BKHSound.exe",  "BKHPrint.exe",   "BKHOpeGuide.exe"};
    int n = 0;
    for (const char* name : program) {
      AddFile(kCentum + "Program\\" + name, yokogawa, 20 + 5 * (n % 4), n % 5 == 0 ? 9 : -1,
              kExplorer, op_user);
      ++n;
    }
    const char* tools[] = {"BKBTestFunc.exe", "BKBBuilder.exe", "BKBSysView.exe", "BKBDiag.exe"};
    for (const char* name : tools) AddFile(kCentum + "Tools\\" + name, yokogawa, 4, -1, kExplorer);
    // The OPC server and its drivers.
    AddFile(kModbus, matrikon, 6, 7);
    AddFile(kEip, matrikon, 6, 7);
    AddFile(kOpcServer, matrikon, 6);
    AddFile(kMatrikon + "Explorer\\OPCExplorer.exe", matrikon, 3, -1, kExplorer);
    AddFile(kMatrikon + "Common\\PSTCFGMatrikonOPC.exe", matrikon, 2, -1, kExplorer);
    // The historian buffer (PIPC\bin: a publisher folder) and its OPC interface (one file in
    // another folder: a rule of its own).
    for (const char* name : {"pibufss.exe", "bufutil.exe", "pisetupcfg.exe", "apisnap.exe"}) {
      AddFile(kPipc + "bin\\" + name, osisoft, 4);
    }
    AddFile(kPipc + "Interfaces\\OPCInt\\opcint.exe", osisoft, 8);
    // Plant tools, unsigned: one hash rule each (one of them with two versions).
    AddFile("D:\\Plant\\Tools\\shiftreport.exe", "", 5, 4, kExplorer, op_user);
    AddFile("D:\\Plant\\Tools\\alarmexport.exe", "", 5, -1, kExplorer, op_user);
    // Windows: svchost and lsass patched on day 6 (path+signer rules); the others by hash.
    const char* system[] = {"svchost.exe",      "lsass.exe",   "services.exe", "winlogon.exe",
                            "taskhost.exe",     "conhost.exe", "dllhost.exe",  "rundll32.exe",
                            "mmc.exe",          "cmd.exe",     "spoolsv.exe",  "mstsc.exe",
                            "SearchIndexer.exe"};
    n = 0;
    for (const char* name : system) {
      AddFile(kSystem32 + name, microsoft, n < 2 ? 60 : 10, n < 2 ? 6 : -1);
      ++n;
    }
    AddFile(kSystem32 + "wbem\\WmiPrvSE.exe", microsoft, 10);
    AddFile(kExplorer, microsoft, 5, -1, "C:\\Windows\\System32\\userinit.exe", op_user);

    // Network: the controllers, polled all the time.
    for (int host = 11; host <= 50; ++host) {
      std::string plc = "10.10.1." + std::to_string(host);
      AddPeer(kModbus, "tcp", Direction::kOutbound, plc, 502, 20);
      AddPeer(kEip, "tcp", Direction::kOutbound, plc, 44818, 20);
    }
    // OPC UA served to the five operator stations.
    AddPeer(kOpcServer, "tcp", Direction::kListen, "", 4840, 5);
    for (int host = 21; host <= 25; ++host) {
      AddPeer(kOpcServer, "tcp", Direction::kInbound, "10.10.2." + std::to_string(host), 4840, 15);
    }
    // The control bus: the DCS talks to eight field control stations.
    for (int host = 1; host <= 8; ++host) {
      AddPeer(kCentum + "Program\\BKHBos.exe", "udp", Direction::kOutbound,
              "10.10.3." + std::to_string(host), 20109, 10);
    }
    // Historian peers (two: too few for a CIDR rule).
    for (const char* historian : {"10.20.0.5", "10.20.0.6"}) {
      AddPeer(kPipc + "Interfaces\\OPCInt\\opcint.exe", "tcp", Direction::kOutbound, historian,
              5450, 15);
      AddPeer(kPipc + "bin\\pibufss.exe", "tcp", Direction::kOutbound, historian, 5450, 15);
    }
    // RDP from the engineering station; DNS and NTP.
    AddPeer(kSvchost, "tcp", Direction::kListen, "", 3389, 3);
    AddPeer(kSvchost, "tcp", Direction::kInbound, "10.30.0.20", 3389, 3);
    AddPeer(kSvchost, "udp", Direction::kOutbound, "10.0.0.1", 53, 10);
    AddPeer(kSvchost, "udp", Direction::kOutbound, "10.0.0.2", 53, 10);
    AddPeer(kSvchost, "udp", Direction::kOutbound, "10.0.0.1", 123, 3);

    // One-off items, at these thousandths of the history. (Reserved: GCC 12 warns, wrongly,
    // about moving the variants when the vector grows.)
    transients_.reserve(8);
    transients_.emplace_back(std::in_place_type<ProcessObservation>,
                             Process(EventTime(), "C:\\Users\\engineer\\Downloads\\usbview.exe",
                                     Hash("usbview"), "", kExplorer));
    transient_at_.push_back(200);
    for (int k = 0; k < 2; ++k) {  // twice, a thousandth of the history (20 min) apart
      transients_.emplace_back(std::in_place_type<ProcessObservation>,
                               Process(EventTime(), "C:\\Windows\\Temp\\4F2A\\DismHost.exe",
                                       Hash("dismhost"), microsoft, kSvchost));
      transient_at_.push_back(400 + k);
    }
    // A vendor diagnostic run once: transient, yet inside the vendor's publisher folder.
    transients_.emplace_back(std::in_place_type<ProcessObservation>,
                             Process(EventTime(), kCentum + "Tools\\BKBOnceDump.exe",
                                     Hash("oncedump"), yokogawa, kExplorer));
    transient_at_.push_back(500);
    transients_.emplace_back(std::in_place_type<ConnectionObservation>,
                             Connection(EventTime(), kSvchost, "tcp", Direction::kOutbound,
                                        kStationAddress, 50001, "10.40.0.9", 443));
    transient_at_.push_back(600);
    transients_.emplace_back(std::in_place_type<ConnectionObservation>,
                             Connection(EventTime(), kSvchost, "tcp", Direction::kInbound,
                                        kStationAddress, 3389, "10.30.0.21", 50002));
    transient_at_.push_back(700);
  }

  static inline const std::string kServices = "C:\\Windows\\System32\\services.exe";
  static inline const std::string kStationAddress = "10.10.2.5";

  StationHistoryOptions options_;
  std::vector<FileSpec> files_;
  std::vector<PeerSpec> peers_;
  std::vector<Item> items_;
  std::vector<uint64_t> cumulative_;
  uint64_t total_weight_ = 0;
  std::vector<Observation> transients_;
  std::vector<uint64_t> transient_at_;  // thousandths of the history
};

}  // namespace otguard::host::testing

#endif  // OTGUARD_HOST_TESTING_STATION_HISTORY_H_
