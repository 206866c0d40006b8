// Observations as JSON lines (docs/allowlist.md "Observation history files"): the agent writes
// one per process start or connection, the learner and the replay read them back. Reading is
// strict about what it needs and lenient about what it does not know: a newer agent may add
// fields, an older reader ignores them.
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "host/allowlist_text.h"
#include "otguard/base/event.h"
#include "otguard/base/ip_text.h"
#include "otguard/host/allowlist.h"

namespace otguard::host {
namespace {

using Json = nlohmann::json;
using allowlist_internal::kMaxObservationLineBytes;
using allowlist_internal::TimeText;

// The longest any one string field may be when read; a writer cuts command lines to fit.
constexpr size_t kMaxFieldBytes = 32 * 1024;

Status FieldError(std::string_view field, std::string_view what) {
  return InvalidArgument("field '" + std::string(field) + "': " + std::string(what));
}

// Reads the fields of one line's object; every error names the field.
class FieldReader {
 public:
  explicit FieldReader(const Json& object) : object_(object) {}

  const Json* Find(std::string_view field) const {
    auto it = object_.find(field);
    return it == object_.end() ? nullptr : &*it;
  }

  Result<std::string> String(std::string_view field, bool required) const {
    const Json* v = Find(field);
    if (v == nullptr) {
      if (required) return Unexpected(FieldError(field, "missing"));
      return std::string();
    }
    if (!v->is_string()) return Unexpected(FieldError(field, "must be a string"));
    const std::string& s = v->get_ref<const std::string&>();
    if (s.size() > kMaxFieldBytes) return Unexpected(FieldError(field, "longer than 32 KiB"));
    if (s.find('\0') != std::string::npos) {
      return Unexpected(FieldError(field, "has a NUL character"));
    }
    if (required && s.empty()) return Unexpected(FieldError(field, "is empty"));
    return s;
  }

  // An integer in [min, max]; `fallback` when absent and not required.
  Result<int64_t> Integer(std::string_view field, bool required, int64_t min, int64_t max,
                          int64_t fallback) const {
    const Json* v = Find(field);
    if (v == nullptr) {
      if (required) return Unexpected(FieldError(field, "missing"));
      return fallback;
    }
    std::string range = std::to_string(min) + ".." + std::to_string(max);
    if (v->is_number_unsigned()) {
      uint64_t u = v->get<uint64_t>();
      if (u <= static_cast<uint64_t>(max)) return static_cast<int64_t>(u);
    } else if (v->is_number_integer()) {
      int64_t i = v->get<int64_t>();
      if (i >= min && i <= max) return i;
    } else {
      return Unexpected(FieldError(field, "must be an integer " + range));
    }
    return Unexpected(FieldError(field, "out of range " + range));
  }

  Result<EventTime> Time() const {
    OTGUARD_ASSIGN_OR_RETURN(std::string text, String("time", true));
    auto time = EventTime::ParseRfc3339(text);
    if (!time) return Unexpected(FieldError("time", time.error().message()));
    return *time;
  }

 private:
  const Json& object_;
};

constexpr int64_t kMaxU32 = std::numeric_limits<uint32_t>::max();

Result<std::string> Sha256Field(const FieldReader& in) {
  OTGUARD_ASSIGN_OR_RETURN(std::string sha256, in.String("sha256", false));
  if (sha256.empty()) return sha256;
  auto normal = allowlist_internal::NormalizeSha256(sha256);
  if (!normal) return Unexpected(FieldError("sha256", normal.error().message()));
  return *normal;
}

Result<Observation> ReadProcess(const FieldReader& in) {
  ProcessObservation p;
  OTGUARD_ASSIGN_OR_RETURN(p.time, in.Time());
  OTGUARD_ASSIGN_OR_RETURN(int64_t pid, in.Integer("pid", true, 0, kMaxU32, 0));
  OTGUARD_ASSIGN_OR_RETURN(int64_t ppid, in.Integer("ppid", false, 0, kMaxU32, 0));
  p.pid = static_cast<uint32_t>(pid);
  p.ppid = static_cast<uint32_t>(ppid);
  OTGUARD_ASSIGN_OR_RETURN(p.executable, in.String("executable", true));
  OTGUARD_ASSIGN_OR_RETURN(p.sha256, Sha256Field(in));
  OTGUARD_ASSIGN_OR_RETURN(p.signer, in.String("signer", false));
  OTGUARD_ASSIGN_OR_RETURN(p.package, in.String("package", false));
  OTGUARD_ASSIGN_OR_RETURN(p.parent_executable, in.String("parent_executable", false));
  OTGUARD_ASSIGN_OR_RETURN(p.user, in.String("user", false));
  OTGUARD_ASSIGN_OR_RETURN(p.command_line, in.String("command_line", false));
  OTGUARD_ASSIGN_OR_RETURN(
      p.duration_ns, in.Integer("duration_ns", false, -1, std::numeric_limits<int64_t>::max(), -1));
  OTGUARD_ASSIGN_OR_RETURN(p.source, in.String("source", false));
  return p;
}

Result<std::string> AddressField(const FieldReader& in, std::string_view field, bool required) {
  OTGUARD_ASSIGN_OR_RETURN(std::string address, in.String(field, required));
  if (!address.empty() && !ParseIpAddress(address)) {
    return Unexpected(
        FieldError(field, "'" + address.substr(0, 80) + "' is not an IPv4 or IPv6 address"));
  }
  return address;
}

Result<Observation> ReadConnection(const FieldReader& in) {
  ConnectionObservation c;
  OTGUARD_ASSIGN_OR_RETURN(c.time, in.Time());
  OTGUARD_ASSIGN_OR_RETURN(int64_t pid, in.Integer("pid", false, 0, kMaxU32, 0));
  c.pid = static_cast<uint32_t>(pid);
  OTGUARD_ASSIGN_OR_RETURN(c.executable, in.String("executable", false));
  OTGUARD_ASSIGN_OR_RETURN(c.protocol, in.String("protocol", true));
  if (c.protocol != "tcp" && c.protocol != "udp") {
    return Unexpected(FieldError("protocol", "must be \"tcp\" or \"udp\""));
  }
  OTGUARD_ASSIGN_OR_RETURN(std::string direction, in.String("direction", true));
  auto d = allowlist_internal::ParseDirection(direction);
  if (!d) return Unexpected(FieldError("direction", d.error().message()));
  c.direction = *d;
  OTGUARD_ASSIGN_OR_RETURN(c.local_address, AddressField(in, "local_address", false));
  const bool listen = c.direction == Direction::kListen;
  OTGUARD_ASSIGN_OR_RETURN(int64_t local_port, in.Integer("local_port", listen, 0, 65535, 0));
  c.local_port = static_cast<uint16_t>(local_port);
  OTGUARD_ASSIGN_OR_RETURN(c.remote_address, AddressField(in, "remote_address", !listen));
  OTGUARD_ASSIGN_OR_RETURN(int64_t remote_port, in.Integer("remote_port", !listen, 0, 65535, 0));
  c.remote_port = static_cast<uint16_t>(remote_port);
  if (listen && (!c.remote_address.empty() || c.remote_port != 0)) {
    return Unexpected(FieldError("remote_address", "a listening socket has no remote end"));
  }
  return c;
}

void SetIf(Json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

Json ProcessJson(const ProcessObservation& p) {
  Json j = {{"type", "process"}, {"time", TimeText(p.time)}, {"pid", p.pid}, {"ppid", p.ppid}};
  j["executable"] = p.executable;
  SetIf(j, "sha256", p.sha256);
  SetIf(j, "signer", p.signer);
  SetIf(j, "package", p.package);
  SetIf(j, "parent_executable", p.parent_executable);
  SetIf(j, "user", p.user);
  SetIf(j, "command_line", p.command_line);
  if (p.duration_ns >= 0) j["duration_ns"] = p.duration_ns;
  SetIf(j, "source", p.source);
  return j;
}

Json ConnectionJson(const ConnectionObservation& c) {
  Json j = {{"type", "connection"}, {"time", TimeText(c.time)}, {"pid", c.pid}};
  SetIf(j, "executable", c.executable);
  j["protocol"] = c.protocol;
  j["direction"] = DirectionName(c.direction);
  SetIf(j, "local_address", c.local_address);
  j["local_port"] = c.local_port;
  if (c.direction != Direction::kListen) {
    j["remote_address"] = c.remote_address;
    j["remote_port"] = c.remote_port;
  }
  return j;
}

// Cuts `s` to at most `bytes`, not inside a UTF-8 sequence.
void CutUtf8(std::string& s, size_t bytes) {
  if (s.size() <= bytes) return;
  size_t cut = bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
}

}  // namespace

std::string ObservationToJson(const Observation& observation) {
  if (const auto* p = std::get_if<ProcessObservation>(&observation)) {
    std::string line = JsonLine(ProcessJson(*p));
    if (line.size() <= kMaxObservationLineBytes) return line;
    // A line a reader would refuse: cut the command line (the one field without a natural
    // bound), then every text, so the observation itself is never lost.
    ProcessObservation cut = *p;
    for (size_t limit : {size_t{8192}, size_t{1024}}) {
      CutUtf8(cut.command_line, limit);
      if (limit == 1024) {
        for (std::string* s : {&cut.executable, &cut.signer, &cut.package, &cut.parent_executable,
                               &cut.user, &cut.source}) {
          CutUtf8(*s, limit);
        }
      }
      line = JsonLine(ProcessJson(cut));
      if (line.size() <= kMaxObservationLineBytes) break;
    }
    return line;
  }
  const auto& c = std::get<ConnectionObservation>(observation);
  std::string line = JsonLine(ConnectionJson(c));
  if (line.size() <= kMaxObservationLineBytes) return line;
  ConnectionObservation cut = c;
  CutUtf8(cut.executable, 1024);
  return JsonLine(ConnectionJson(cut));
}

Result<Observation> ParseObservation(std::string_view json_line) {
  if (json_line.size() > kMaxObservationLineBytes) {
    return Unexpected(InvalidArgument("line longer than 64 KiB"));
  }
  // nlohmann reads a NUL as the end of its input: "{...}\0garbage" would pass.
  if (json_line.find('\0') != std::string_view::npos) {
    return Unexpected(InvalidArgument("line has a NUL byte"));
  }
  Json j;
  try {
    j = Json::parse(json_line);
  } catch (const Json::exception& e) {  // only a bad line pays for an exception
    std::string what = e.what();
    size_t cut = what.find("] ");  // "[json.exception.parse_error.101] parse error at ..."
    return Unexpected(
        InvalidArgument("not JSON: " + (cut == std::string::npos ? what : what.substr(cut + 2))));
  }
  if (!j.is_object()) return Unexpected(InvalidArgument("not a JSON object"));
  FieldReader in(j);
  OTGUARD_ASSIGN_OR_RETURN(std::string type, in.String("type", true));
  if (type == "process") return ReadProcess(in);
  if (type == "connection") return ReadConnection(in);
  return Unexpected(
      FieldError("type", "unknown type '" + type.substr(0, 64) + "' (process, connection)"));
}

}  // namespace otguard::host
