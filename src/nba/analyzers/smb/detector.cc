#include "nba/analyzers/smb/detector.h"

#include <algorithm>
#include <cstdio>

namespace otguard::nba::analyzers::smb {
namespace {

// MS-CIFS 2.2.6 / 2.2.5 subcommand codes.
constexpr uint16_t kTrans2SessionSetup = 0x000e;
constexpr uint16_t kTransPeekNamedPipe = 0x0023;

std::string Hex32(uint32_t v) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// The host part of "\\host\share", if it is a dotted quad.
std::string PathHost(const std::string& path) {
  size_t start = path.find_first_not_of('\\');
  if (start == std::string::npos || start == 0) return "";
  size_t end = path.find('\\', start);
  std::string host = path.substr(start, end == std::string::npos ? end : end - start);
  bool dotted = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.';
  });
  return dotted ? host : "";
}

}  // namespace

ExploitDetector::ExploitDetector(Sink& sink, std::string server_ip)
    : sink_(sink), server_ip_(std::move(server_ip)) {}

nlohmann::json ExploitDetector::Evidence(const smb1::Message& m) const {
  const smb1::Header& h = m.header;
  return {{"command", smb1::CommandName(h.command)},
          {"mid", h.mid},
          {"pid", uint32_t{h.pid_high} << 16 | h.pid_low},
          {"tid", h.tid},
          {"uid", h.uid},
          {"status", Hex32(h.status)}};
}

void ExploitDetector::OnSmb1Request(const smb1::Message& m) {
  recent_mids_[recent_mid_count_++ % recent_mids_.size()] = m.header.mid;
  switch (m.header.command) {
    case smb1::cmd::kTransaction:
      OnTransaction(m);
      break;
    case smb1::cmd::kTransaction2:
      OnTransaction2(m);
      break;
    case smb1::cmd::kTransaction2Secondary:
      OnTrans2Secondary(m);
      break;
    case smb1::cmd::kNtTransact:
      OnNtTransact(m);
      break;
    case smb1::cmd::kTreeConnectAndX:
      OnTreeConnect(m);
      break;
    case smb1::cmd::kEcho:
      ++echo_requests_;
      break;
    default:
      break;
  }
}

void ExploitDetector::OnSmb1Response(const smb1::Message& m) {
  const smb1::Header& h = m.header;
  switch (h.command) {
    case smb1::cmd::kSessionSetupAndX:
      saw_session_response_ = true;
      last_session_status_ = h.status;
      // A UID handed out with MORE_PROCESSING_REQUIRED is the one the next leg uses.
      if ((h.status == status::kSuccess || h.status == status::kMoreProcessingRequired) &&
          std::find(issued_uids_.begin(), issued_uids_.end(), h.uid) == issued_uids_.end() &&
          issued_uids_.size() < 16) {
        issued_uids_.push_back(h.uid);
      }
      break;
    case smb1::cmd::kTransaction2:
      OnTrans2Response(m);
      break;
    case smb1::cmd::kTransaction:
      if (vuln_probe_mid_ && *vuln_probe_mid_ == h.mid) ReportVulnProbe(h.status);
      break;
    default:
      break;
  }
}

ExploitDetector::Transaction* ExploitDetector::FindTransaction(const smb1::Header& h) {
  for (Transaction& t : transactions_) {
    if (t.used && t.pid_low == h.pid_low && t.mid == h.mid && t.tid == h.tid && t.uid == h.uid) {
      return &t;
    }
  }
  return nullptr;
}

void ExploitDetector::Remember(const smb1::Header& h, uint16_t subcommand, uint32_t total_data) {
  // A new primary with the same identifiers replaces the old transaction (MS-CIFS 3.3.5.2.2).
  Transaction* t = FindTransaction(h);
  if (t == nullptr) t = &transactions_[next_transaction_++ % transactions_.size()];
  *t = {h.pid_low, h.mid, h.tid, h.uid, h.command, subcommand, total_data, true};
}

bool ExploitDetector::RecentRequestMid(uint16_t mid) const {
  size_t n = std::min(recent_mid_count_, recent_mids_.size());
  return std::find(recent_mids_.begin(), recent_mids_.begin() + n, mid) != recent_mids_.begin() + n;
}

void ExploitDetector::OnTransaction(const smb1::Message& m) {
  auto t = smb1::ParseTransRequest(m);
  if (!t) return;
  Remember(m.header, t->setup.empty() ? 0 : t->setup[0], t->total_data_count);
  if (t->setup.size() >= 2 && t->setup[0] == kTransPeekNamedPipe && t->setup[1] == 0) {
    vuln_probe_mid_ = m.header.mid;
    vuln_probe_fields_ = Evidence(m);
    vuln_probe_fields_["subcommand"] = "peek_nmpipe";
    vuln_probe_fields_["fid"] = 0;
    if (!last_tree_path_.empty()) vuln_probe_fields_["tree_path"] = last_tree_path_;
  }
}

void ExploitDetector::ReportVulnProbe(std::optional<uint32_t> server_status) {
  nlohmann::json f = std::move(vuln_probe_fields_);
  vuln_probe_mid_.reset();
  bool vulnerable = server_status && *server_status == status::kInsuffServerResources;
  if (server_status) f["server_status"] = Hex32(*server_status);
  f["server_vulnerable"] = vulnerable;
  if (server_status && !vulnerable) {
    sink_.Observe("smb.ms17_010.vuln_probe_refused",
                  "MS17-010 vulnerability check refused by the server (patched)", std::move(f));
    return;
  }
  sink_.Alert("smb.ms17_010.vuln_probe", Severity::kHigh,
              std::string("MS17-010 vulnerability check (PeekNamedPipe on FID 0)") +
                  (vulnerable ? ": the server answered as an unpatched host" : ""),
              std::move(f));
}

void ExploitDetector::OnTransaction2(const smb1::Message& m) {
  auto t = smb1::ParseTransRequest(m);
  if (!t) return;
  uint16_t sub = t->setup.empty() ? 0xffff : t->setup[0];
  Remember(m.header, sub, t->total_data_count);
  if (sub != kTrans2SessionSetup) return;
  session_setup_mid_ = m.header.mid;
  nlohmann::json f = Evidence(m);
  f["subcommand"] = "trans2_session_setup";
  f["timeout"] = Hex32(t->timeout);
  f["total_data_count"] = t->total_data_count;
  f["data_count"] = t->data_count;
  if (t->total_data_count > 0) {
    sink_.Alert("smb.doublepulsar.payload_upload", Severity::kCritical,
                "DoublePulsar payload upload: TRANS2_SESSION_SETUP carrying data", std::move(f));
  } else {
    sink_.Alert("smb.doublepulsar.ping", Severity::kHigh,
                "DoublePulsar implant check: TRANS2_SESSION_SETUP (reserved subcommand)",
                std::move(f));
  }
}

void ExploitDetector::OnTrans2Response(const smb1::Message& m) {
  const smb1::Header& h = m.header;
  if (!session_setup_mid_ || h.status != status::kNotImplemented) return;
  if (h.mid == *session_setup_mid_ || RecentRequestMid(h.mid)) return;
  if (!sink_.Wants("smb.doublepulsar.implant_reply")) return;
  nlohmann::json f = Evidence(m);
  f["request_mid"] = *session_setup_mid_;
  f["reply_mid"] = h.mid;
  f["mid_delta"] = static_cast<uint16_t>(h.mid - *session_setup_mid_);
  f["server_compromised"] = true;
  sink_.Alert("smb.doublepulsar.implant_reply", Severity::kCritical,
              "DoublePulsar implant answered: TRANS2 reply with a shifted multiplex ID",
              std::move(f));
}

void ExploitDetector::OnTrans2Secondary(const smb1::Message& m) {
  auto s = smb1::ParseTrans2Secondary(m);
  Transaction* t = FindTransaction(m.header);
  if (t != nullptr && t->command == smb1::cmd::kNtTransact &&
      sink_.Wants("smb.eternalblue.nt_trans_trans2_secondary")) {
    nlohmann::json f = Evidence(m);
    f["primary"] = "nt_transact";
    f["primary_total_data_count"] = t->total_data;
    if (s) {
      f["data_count"] = s->data_count;
      f["data_displacement"] = s->data_displacement;
    }
    sink_.Alert("smb.eternalblue.nt_trans_trans2_secondary", Severity::kCritical,
                "EternalBlue (MS17-010): TRANS2_SECONDARY continues an NT_TRANSACT", std::move(f));
  }
  if (t != nullptr && t->command == smb1::cmd::kTransaction2) return;
  if (++stray_secondaries_ < kSprayThreshold) return;
  if (!sink_.Wants("smb.eternalblue.trans2_secondary_spray")) return;
  nlohmann::json f = Evidence(m);
  f["secondary_requests"] = stray_secondaries_;
  f["echo_requests"] = echo_requests_;
  if (s) f["fid"] = s->fid;
  sink_.Alert("smb.eternalblue.trans2_secondary_spray", Severity::kHigh,
              "EternalBlue (MS17-010) heap spray: TRANS2_SECONDARY requests without a "
              "TRANS2 transaction",
              std::move(f));
}

void ExploitDetector::OnNtTransact(const smb1::Message& m) {
  auto t = smb1::ParseNtTransRequest(m);
  if (!t) return;
  Remember(m.header, t->function, t->total_data_count);
  constexpr uint32_t k64K = 0x10000;
  bool undefined_function = t->function == 0 || t->function > 8;
  bool big_fealist = t->data_first_ulong && *t->data_first_ulong >= k64K;
  if (t->total_data_count < k64K || !(undefined_function || big_fealist)) return;
  if (!sink_.Wants("smb.eternalblue.nt_trans_overflow")) return;
  nlohmann::json f = Evidence(m);
  f["function"] = t->function;
  f["total_data_count"] = t->total_data_count;
  f["data_count"] = t->data_count;
  if (t->data_first_ulong) f["fealist_size"] = *t->data_first_ulong;
  sink_.Alert("smb.eternalblue.nt_trans_overflow", Severity::kCritical,
              "EternalBlue (MS17-010): NT_TRANSACT with an oversized FEA list / data count",
              std::move(f));
}

void ExploitDetector::OnTreeConnect(const smb1::Message& m) {
  auto path = smb1::TreeConnectPath(m);
  if (path) last_tree_path_ = *path;
  if (!seen_start_ || !saw_session_response_) return;
  uint16_t uid = m.header.uid;
  if (std::find(issued_uids_.begin(), issued_uids_.end(), uid) != issued_uids_.end()) return;
  if (!sink_.Wants("smb.exploit_kit.unissued_uid")) return;
  nlohmann::json f = Evidence(m);
  f["issued_uids"] = issued_uids_;
  if (last_session_status_) f["session_status"] = Hex32(*last_session_status_);
  if (path) {
    f["path"] = *path;
    std::string host = PathHost(*path);
    if (!host.empty() && !server_ip_.empty()) f["path_host_is_server"] = host == server_ip_;
  }
  sink_.Alert("smb.exploit_kit.unissued_uid", Severity::kHigh,
              "SMB client used a UID the server never issued (canned exploit-kit packets)",
              std::move(f));
}

void ExploitDetector::OnSmb2Request(const std::optional<smb2::Header>& header, uint32_t length) {
  if (length < kGroomMinLength) return;
  if (header && header->structure_size == 64) return;
  if (!sink_.Wants("smb.eternalblue.srvnet_groom")) return;
  nlohmann::json f = {{"length", length}};
  if (header) f["structure_size"] = header->structure_size;
  sink_.Alert("smb.eternalblue.srvnet_groom", Severity::kHigh,
              "EternalBlue (MS17-010) pool grooming: large packet with an invalid SMB2 header",
              std::move(f));
}

void ExploitDetector::Finish() {
  if (vuln_probe_mid_) ReportVulnProbe(std::nullopt);
}

}  // namespace otguard::nba::analyzers::smb
