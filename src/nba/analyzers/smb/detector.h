// MS17-010 (EternalBlue) and DoublePulsar detection from SMB protocol fields.
//
// Every rule reads what the specifications say a client or server may do (MS-CIFS, MS-SMB2)
// and fires on the violations the exploit needs; no byte patterns of a particular sample.
// Ideas credited: 0xl3x1/zeek-EternalSafety (BSD-3: "NT_TRANSACT and TRANS2_SECONDARY must not
// be interleaved", "the server must not invent a MID", unused TRANS2 subcommands) and the
// Suricata ET Open MS17-010 rules (SIDs 2024216-2024220, 2024297: DoublePulsar beacon and its
// shifted multiplex ID, heap spray, the NT Trans with an oversized data count). Code is ours.
//
// Rules (category exploit, ATT&CK for ICS T0866 Exploitation of Remote Services, actor: the
// client acts on the server; each at most once per flow):
//
//  smb.eternalblue.nt_trans_trans2_secondary  critical
//      A TRANSACTION2_SECONDARY request continues a transaction (same PID/MID/TID/UID, MS-CIFS
//      3.2.4.1.5) that an NT_TRANSACT request opened. The transaction types must match; the
//      mismatch is the type confusion CVE-2017-0144 uses to overflow SrvOs2FeaListToNt.
//  smb.eternalblue.nt_trans_overflow  critical
//      NT_TRANSACT request announcing ≥ 64 KiB of data with an undefined function code
//      (MS-CIFS 2.2.4.62: 1..8 are defined) or whose data opens with an OS/2 FEALIST of
//      ≥ 64 KiB: the size the vulnerable 16-bit arithmetic truncates.
//  smb.eternalblue.trans2_secondary_spray  high
//      kSprayThreshold or more TRANSACTION2_SECONDARY requests that continue no TRANSACTION2
//      request seen in the flow: heap grooming, and the exploit's data even when the capture
//      missed its NT_TRANSACT.
//  smb.eternalblue.srvnet_groom  high
//      A client packet of ≥ kGroomMinLength bytes that starts with the SMB2 protocol id but
//      whose header is invalid (StructureSize ≠ 64, MS-SMB2 2.2.1): srvnet buffers allocated
//      for the pool grooming, never an SMB2 request.
//  smb.doublepulsar.ping / smb.doublepulsar.payload_upload  high / critical
//      TRANSACTION2 request with subcommand TRANS2_SESSION_SETUP (0x000E), which MS-CIFS
//      2.2.6 lists as reserved and not implemented: nothing but the implant's protocol uses
//      it. With data it carries the implant's encrypted payload.
//  smb.doublepulsar.implant_reply  critical
//      The server answers an outstanding TRANS2_SESSION_SETUP with STATUS_NOT_IMPLEMENTED and
//      a MID that is not the request's (MS-CIFS 2.2.3.1: a response carries the request's
//      MID) nor any other recent request's: the implant encodes its state in the MID
//      (+0x10 present, +0x11 payload ran, ...). The server is compromised.
//  smb.ms17_010.vuln_probe  high
//      TRANSACTION request with subcommand TRANS_PEEK_NMPIPE on FID 0, a handle no server
//      issued: the public MS17-010 check. Alerted when the server answers
//      STATUS_INSUFF_SERVER_RESOURCES (unpatched: the attacker now knows) or the answer was
//      not captured. A patched server's error answer makes it a failed probe: observation
//      "smb.ms17_010.vuln_probe_refused" (category scan), not an exploit alert.
//  smb.exploit_kit.unissued_uid  high
//      In a flow seen from its NEGOTIATE, a standalone TREE_CONNECT_ANDX with a UID that no
//      SESSION_SETUP_ANDX response issued (for example after the server refused the session).
//      Real clients use the UID the server gave them; exploit kits replay canned packets
//      (the EternalBlue tools hard-code UID 2048) without reading the answers.
//
// What is not an exploit: a client that only negotiates SMB1, a refused session followed by a
// new SESSION_SETUP, the MS17-010 check refused by a patched server (see above), errors from a
// patched server to ordinary requests, an ECHO (the exploit
// uses ECHO as a keep-alive, but no field distinguishes it from any client's: it is counted as
// evidence, not alerted on).
#ifndef OTGUARD_SRC_NBA_ANALYZERS_SMB_DETECTOR_H_
#define OTGUARD_SRC_NBA_ANALYZERS_SMB_DETECTOR_H_

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nba/analyzers/smb/smb1.h"
#include "nba/analyzers/smb/smb2.h"
#include "otguard/nba/finding.h"

namespace otguard::nba::analyzers::smb {

// NT status values (MS-ERREF 2.3.1) the rules read.
namespace status {
inline constexpr uint32_t kSuccess = 0, kNotImplemented = 0xc0000002,
                          kMoreProcessingRequired = 0xc0000016, kInsuffServerResources = 0xc0000205;
}

class ExploitDetector {
 public:
  static constexpr uint32_t kSprayThreshold = 3;
  static constexpr uint32_t kGroomMinLength = 4096;

  // Receives alerts (rule, severity, message, the "smb" fields). Deduplication per flow is
  // the sink's job.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void Alert(std::string_view rule, Severity severity, std::string message,
                       nlohmann::json fields) = 0;
    // False once `rule` was reported in this flow: lets the detector skip building evidence
    // for a repeat (DoublePulsar uploads answer with thousands of replies).
    virtual bool Wants(std::string_view rule) const = 0;
    // A fact for other detectors, not an alert (category scan).
    virtual void Observe(std::string_view rule, std::string message, nlohmann::json fields) = 0;
  };

  // `sink` must outlive the detector. `server_ip` (dotted quad or empty) is compared with the
  // host in tree-connect paths for evidence.
  ExploitDetector(Sink& sink, std::string server_ip);

  void OnSmb1Request(const smb1::Message& m);
  void OnSmb1Response(const smb1::Message& m);
  // A client packet with the SMB2 protocol id; `header` is nullopt if it is too short.
  void OnSmb2Request(const std::optional<smb2::Header>& header, uint32_t length);
  // The first SMB message of the flow was the client's NEGOTIATE: the session is seen whole.
  void SawFlowStart() { seen_start_ = true; }
  // The flow ended: reports probes whose answer never came.
  void Finish();

 private:
  struct Transaction {
    uint16_t pid_low = 0, mid = 0, tid = 0, uid = 0;
    uint8_t command = 0;  // the primary: transaction, transaction2 or nt_transact
    uint16_t subcommand = 0;
    uint32_t total_data = 0;
    bool used = false;
  };

  void OnTransaction(const smb1::Message& m);
  void OnTransaction2(const smb1::Message& m);
  void OnTrans2Secondary(const smb1::Message& m);
  void OnNtTransact(const smb1::Message& m);
  void OnTreeConnect(const smb1::Message& m);
  void OnTrans2Response(const smb1::Message& m);
  void ReportVulnProbe(std::optional<uint32_t> server_status);
  Transaction* FindTransaction(const smb1::Header& h);
  void Remember(const smb1::Header& h, uint16_t subcommand, uint32_t total_data);
  bool RecentRequestMid(uint16_t mid) const;
  nlohmann::json Evidence(const smb1::Message& m) const;

  Sink& sink_;
  std::string server_ip_;
  bool seen_start_ = false;
  std::array<Transaction, 32> transactions_{};  // recent primaries, replaced round robin
  size_t next_transaction_ = 0;
  std::array<uint16_t, 32> recent_mids_{};  // MIDs of recent client requests
  size_t recent_mid_count_ = 0;
  std::vector<uint16_t> issued_uids_;  // from SESSION_SETUP_ANDX responses (bounded)
  bool saw_session_response_ = false;
  std::optional<uint32_t> last_session_status_;
  std::string last_tree_path_;
  uint32_t stray_secondaries_ = 0;  // TRANS2_SECONDARY continuing no TRANS2
  uint32_t echo_requests_ = 0;
  std::optional<uint16_t> session_setup_mid_;  // last TRANS2_SESSION_SETUP request
  std::optional<uint16_t> vuln_probe_mid_;     // PEEK_NMPIPE on FID 0 awaiting its answer
  nlohmann::json vuln_probe_fields_;
};

}  // namespace otguard::nba::analyzers::smb

#endif  // OTGUARD_SRC_NBA_ANALYZERS_SMB_DETECTOR_H_
