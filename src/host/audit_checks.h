// Private to the audit: the helpers the check files share, and one entry point per OS family.
// Every function here is pure (facts in, findings out).
#ifndef OTGUARD_SRC_HOST_AUDIT_CHECKS_H_
#define OTGUARD_SRC_HOST_AUDIT_CHECKS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "otguard/host/audit.h"

namespace otguard::host::audit_internal {

// A finding in the unknown state until one of Pass/Fail/Unknown says otherwise.
AuditFinding NewFinding(const char* id, const char* title, Severity severity,
                        std::vector<std::string> references = {});
// Each sets the status and returns `f` (so a check can `return Pass(f, ...);`).
AuditFinding& Pass(AuditFinding& f, std::string evidence);
AuditFinding& Fail(AuditFinding& f, std::string evidence, std::string fix);
AuditFinding& Unknown(AuditFinding& f, std::string why);

// "ListSockets: not yet (Unimplemented)": a Status as a reason a reader understands.
std::string Reason(const Status& status);

// The collected HKLM value, or nullptr when it was not collected.
const Result<platform::RegistryValue>* FindRegistry(const AuditFacts& facts, const std::string& key,
                                                    const std::string& name);
// A DWORD/QWORD value: the number; nullopt when absent or of another type. `error` gets the
// reason when the value could not be read at all (not collected, access denied), else "".
std::optional<uint64_t> RegistryNumber(const AuditFacts& facts, const std::string& key,
                                       const std::string& name, std::string* error);

// `s` in ASCII lower case.
std::string Lower(std::string s);

// The service named `name` (case-insensitive), nullptr when not listed.
const platform::ServiceInfo* FindService(const AuditFacts& facts, const std::string& name);

// "LanmanServer running, start auto" / "MpsSvc not installed" / "service state unknown".
std::string ServiceWord(const AuditFacts& facts, const char* name);

// "a.b.c.d" (fewer parts are zero-filled); nullopt when not numeric.
using FileVersion = std::array<uint32_t, 4>;
std::optional<FileVersion> ParseFileVersion(const std::string& text);
int CompareFileVersions(const FileVersion& a, const FileVersion& b);

// What GetOsVersion says of a Windows host, as numbers.
struct WindowsVersion {
  int major = 0, minor = 0, build = 0;
  bool server = false;  // "Server" in the product name
};
std::optional<WindowsVersion> ParseWindowsVersion(const platform::OsVersion& os);

bool IsLoopbackAddress(const std::string& address);
bool IsWildcardAddress(const std::string& address);  // 0.0.0.0, ::
// "tcp 0.0.0.0:445 (System, pid 4)".
std::string DescribeSocket(const AuditFacts& facts, const platform::SocketEndpoint& e);
bool IsListening(const platform::SocketEndpoint& e);

// "a, b and c"; with `limit` > 0 at most that many, then " and N more".
std::string JoinList(const std::vector<std::string>& items, size_t limit = 0);

void EvaluateWindowsChecks(const AuditFacts& facts, std::vector<AuditFinding>& out);
// audit_windows_access.cc: RDP, the host firewall, AutoRun, the Guest account.
void EvaluateWindowsAccessChecks(const AuditFacts& facts, const std::optional<WindowsVersion>& w,
                                 std::vector<AuditFinding>& out);
void EvaluateLinuxChecks(const AuditFacts& facts, std::vector<AuditFinding>& out);
// Checks that apply on both: risky ports listening, accounts without a password.
void EvaluateCommonChecks(const AuditFacts& facts, std::vector<AuditFinding>& out);

}  // namespace otguard::host::audit_internal

#endif  // OTGUARD_SRC_HOST_AUDIT_CHECKS_H_
