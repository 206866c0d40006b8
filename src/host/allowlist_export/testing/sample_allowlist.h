// The allowlists the export targets' tests share: a Windows operator station and a Linux
// historian, each with every rule kind the learner makes, in memory (no TOML parser needed).
#ifndef OTGUARD_SRC_HOST_ALLOWLIST_EXPORT_TESTING_SAMPLE_ALLOWLIST_H_
#define OTGUARD_SRC_HOST_ALLOWLIST_EXPORT_TESTING_SAMPLE_ALLOWLIST_H_

#include <string>
#include <utility>
#include <vector>

#include "otguard/host/allowlist.h"
#include "otguard/host/allowlist_export.h"

namespace otguard::host::testing {

inline constexpr char kOpcSha256[] =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
inline constexpr char kOpcOldSha256[] =
    "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
inline constexpr char kHistorianSha256[] =
    "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

// Rule builders (GCC 12 warns about designated initializers that leave members out).
inline ProcessRule PRule(std::string id, ProcessRuleKind kind, std::string path,
                         std::vector<std::string> sha256 = {}, std::string signer = "",
                         std::string package = "", std::string comment = "") {
  ProcessRule r;
  r.id = std::move(id);
  r.kind = kind;
  r.path = std::move(path);
  r.sha256 = std::move(sha256);
  r.signer = std::move(signer);
  r.package = std::move(package);
  r.comment = std::move(comment);
  return r;
}

inline NetworkRule NRule(std::string id, std::string executable, std::string protocol,
                         Direction direction, std::string remote, uint16_t port,
                         std::string comment = "") {
  NetworkRule r;
  r.id = std::move(id);
  r.executable = std::move(executable);
  r.protocol = std::move(protocol);
  r.direction = direction;
  r.remote = std::move(remote);
  r.port = port;
  r.comment = std::move(comment);
  return r;
}

inline ExportOptions Enforce(bool windows_defaults = false) {
  ExportOptions o;
  o.enforce = true;
  o.windows_defaults = windows_defaults;
  return o;
}

inline Allowlist WindowsStation() {
  Allowlist a;
  a.version = 3;
  a.host = "OPS-01";
  const std::string centum = "C:\\Program Files\\Yokogawa\\CENTUM\\";
  a.processes = {
      PRule("p-0a1b2c3d4e5f", ProcessRuleKind::kHash, centum + "opc.exe",
            {kOpcOldSha256, kOpcSha256}, "", "", "1 file, 2 hashes, seen 14 days"),
      PRule("p-111111111111", ProcessRuleKind::kPath, "C:\\Tools\\R&D <test>\\trend.exe", {}, "",
            "", "by hand"),
      PRule("p-222222222222", ProcessRuleKind::kPathSigner, centum + "hmi.exe", {},
            "Yokogawa Electric Corporation", "", "3 hashes under one signer"),
      PRule("p-333333333333", ProcessRuleKind::kPublisherPath, "C:\\Program Files\\Yokogawa\\", {},
            "Yokogawa Electric Corporation", "", "7 files"),
      PRule("p-444444444444", ProcessRuleKind::kPublisherPath, "C:\\Program Files\\Historian\\", {},
            "Historian Vendor GmbH", "", "4 files"),
  };
  a.network = {
      NRule("n-aaaaaaaaaaaa", centum + "opc.exe", "tcp", Direction::kOutbound, "10.1.2.0/24", 502,
            "5 peers"),
      NRule("n-bbbbbbbbbbbb", centum + "opc.exe", "tcp", Direction::kListen, "any", 4840),
      NRule("n-cccccccccccc", centum + "hmi.exe", "udp", Direction::kInbound, "10.1.3.7", 161),
      NRule("n-dddddddddddd", centum + "hmi.exe", "tcp", Direction::kOutbound, "fd00:1::/64", 102),
  };
  return a;
}

// Facts for the current opc.exe only: the old hash has none, so it cannot be a hash rule.
inline ExportOptions WindowsFacts() {
  ExportOptions o;
  o.files[kOpcSha256] = ExportFileFacts{
      .file_name = "opc.exe",
      .size = 1234567,
      .authenticode_sha256 = "3a0f1ea1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d",
      .md5 = "0123456789abcdef0123456789abcdef"};
  o.publishers["Yokogawa Electric Corporation"] =
      "O=YOKOGAWA ELECTRIC CORPORATION, L=MUSASHINO-SHI, S=TOKYO, C=JP";
  return o;
}

inline Allowlist LinuxHistorian() {
  Allowlist a;
  a.version = 7;
  a.host = "hist-01";
  const std::string historiand = "/opt/historian/bin/historiand";
  a.processes = {
      PRule("p-555555555555", ProcessRuleKind::kHash, historiand, {kHistorianSha256}),
      PRule("p-666666666666", ProcessRuleKind::kHash, "", {kOpcSha256}, "", "",
            "one content wherever it lies"),
      PRule("p-777777777777", ProcessRuleKind::kPath, "/usr/local/bin/plant tool"),
      PRule("p-888888888888", ProcessRuleKind::kPackage, "", {}, "", "openssh-server"),
      PRule("p-999999999999", ProcessRuleKind::kPackage, "", {}, "", "coreutils"),
  };
  a.network = {
      NRule("n-111111111111", historiand, "tcp", Direction::kListen, "any", 5450),
      NRule("n-222222222222", historiand, "tcp", Direction::kInbound, "10.1.2.0/24", 22),
      NRule("n-333333333333", historiand, "tcp", Direction::kInbound, "10.1.2.9", 22),
      NRule("n-444444444444", historiand, "tcp", Direction::kOutbound, "10.1.2.0/24", 502),
      NRule("n-555555555555", "/usr/sbin/chronyd", "udp", Direction::kOutbound, "2001:db8::123",
            123),
      NRule("n-666666666666", "/usr/bin/backup", "tcp", Direction::kOutbound, "any", 0,
            "by hand: any port"),
  };
  return a;
}

}  // namespace otguard::host::testing

#endif  // OTGUARD_SRC_HOST_ALLOWLIST_EXPORT_TESTING_SAMPLE_ALLOWLIST_H_
