// The learned picture of normal traffic: which client talks to which server on which service,
// which services listen where, and which ICS operations each client performs on each device.
// `otguard nba learn` writes it; `otguard nba analyze --baseline` alerts on what it lacks.
#ifndef OTGUARD_NBA_BASELINE_H_
#define OTGUARD_NBA_BASELINE_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "otguard/base/status.h"
#include "otguard/nba/flow.h"

namespace otguard::nba {

class Baseline {
 public:
  struct Service {
    IpAddress host;
    Transport transport;
    uint16_t port;
    auto operator<=>(const Service&) const = default;
  };
  struct Talk {
    IpAddress client, server;
    Transport transport;
    uint16_t port;
    auto operator<=>(const Talk&) const = default;
  };
  struct Operation {
    IpAddress client, server;
    std::string operation;
    auto operator<=>(const Operation&) const = default;
  };

  // A JSON file written by Save(). Errors: kNotFound, kInvalidArgument (with what is wrong).
  static Result<Baseline> Load(const std::filesystem::path& file);
  static Result<Baseline> Parse(std::string_view json_text);
  // Written atomically; sorted, so that two learns of the same traffic give the same file.
  Status Save(const std::filesystem::path& file) const;
  std::string ToJson() const;

  void AddTalk(const Talk& t, uint64_t flows = 1);
  void AddService(const Service& s) { services_.insert(s); }
  void AddOperation(const Operation& o, uint64_t count = 1) { operations_[o] += count; }
  void Merge(const Baseline& other);

  bool HasPair(const IpAddress& client, const IpAddress& server) const;
  bool HasTalk(const Talk& t) const { return talks_.contains(t); }
  bool HasService(const Service& s) const { return services_.contains(s); }
  bool HasOutboundPort(const IpAddress& client, Transport t, uint16_t port) const;
  bool HasClient(const IpAddress& ip) const { return clients_.contains(ip); }
  bool HasOperation(const Operation& o) const { return operations_.contains(o); }

  size_t talk_count() const { return talks_.size(); }
  size_t service_count() const { return services_.size(); }
  size_t operation_count() const { return operations_.size(); }
  size_t pair_count() const { return pairs_.size(); }
  size_t host_count() const;  // distinct clients and servers of the learned talks
  bool empty() const { return talks_.empty() && services_.empty() && operations_.empty(); }

 private:
  std::map<Talk, uint64_t> talks_;
  std::set<Service> services_;
  std::map<Operation, uint64_t> operations_;
  std::set<std::pair<IpAddress, IpAddress>> pairs_;
  std::set<std::tuple<IpAddress, Transport, uint16_t>> outbound_;
  std::set<IpAddress> clients_;
};

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_BASELINE_H_
