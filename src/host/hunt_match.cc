// MatchIndicators: every indicator of every pack against the objects of its kind. An indicator
// matches an object when each condition it sets holds (ioc.h); the evidence names which value
// of each condition matched, so a person can see why without reading the pack.
#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <tuple>

#include "host/hunt_internal.h"
#include "host/inventory_internal.h"
#include "host/ioc_values.h"
#include "otguard/base/ip_text.h"

namespace otguard::host {
namespace {

using internal::AsciiLower;
using internal::BaseName;
using internal::PathGlobMatch;
using internal::TextGlobMatch;

using Evidence = std::vector<std::string>;

// Holds the state of one object's evaluation: false once a condition fails.
class Check {
 public:
  Check(const HuntSnapshot& snapshot) : snapshot_(snapshot) {}

  bool windows() const { return snapshot_.os == TargetOs::kWindows; }

  // A text condition: `what` (e.g. "name") of value `text` matches one of `globs`.
  void Text(const std::vector<std::string>& globs, const char* what, std::string_view text) {
    if (globs.empty() || !ok_) return;
    for (const std::string& g : globs) {
      if (TextGlobMatch(g, text)) {
        evidence_.push_back(std::string(what) + " '" + std::string(text) + "' matches '" + g + "'");
        return;
      }
    }
    ok_ = false;
  }
  // The same for several candidate texts of one object (a name and an image's file name).
  void TextAny(const std::vector<std::string>& globs, const char* what,
               std::initializer_list<std::string_view> texts) {
    if (globs.empty() || !ok_) return;
    for (std::string_view t : texts) {
      if (t.empty()) continue;
      for (const std::string& g : globs) {
        if (TextGlobMatch(g, t)) {
          evidence_.push_back(std::string(what) + " '" + std::string(t) + "' matches '" + g + "'");
          return;
        }
      }
    }
    ok_ = false;
  }
  void Path(const std::vector<std::string>& globs, const char* what, std::string_view path) {
    if (globs.empty() || !ok_) return;
    if (!path.empty()) {
      for (const std::string& g : globs) {
        if (PathGlobMatch(Expand(g), path, windows())) {
          evidence_.push_back(std::string(what) + " " + std::string(path) + " matches '" + g + "'");
          return;
        }
      }
    }
    ok_ = false;
  }
  // The path must be known and outside all of `globs`.
  void NotPath(const std::vector<std::string>& globs, const char* what, std::string_view path) {
    if (globs.empty() || !ok_) return;
    if (path.empty()) {
      ok_ = false;
      return;
    }
    for (const std::string& g : globs) {
      if (PathGlobMatch(Expand(g), path, windows())) {
        ok_ = false;
        return;
      }
    }
    std::string list;
    for (const std::string& g : globs) list += (list.empty() ? "" : ", ") + g;
    evidence_.push_back(std::string(what) + " " + std::string(path) + " is outside " + list);
  }
  void Words(const std::vector<std::vector<std::string>>& lists, const char* what,
             std::string_view name) {
    if (lists.empty() || !ok_) return;
    std::string n = AsciiLower(name);
    for (const char* ext : {".exe", ".dll", ".service"}) {
      size_t len = std::char_traits<char>::length(ext);
      if (n.size() > len && n.compare(n.size() - len, len, ext) == 0) {
        n.resize(n.size() - len);
        break;
      }
    }
    std::vector<std::string> parts;
    if (lists.size() <= 16 && SplitWords(lists, 0, n, parts)) {
      std::string joined;
      for (const std::string& p : parts) joined += (joined.empty() ? "" : " + ") + p;
      evidence_.push_back(std::string(what) + " '" + std::string(name) +
                          "' is built from the word lists (" + joined + ")");
      return;
    }
    ok_ = false;
  }
  // Hash conditions: any of the digests of `image` is listed.
  void Hashes(const Indicator& ind, std::string_view md5, std::string_view sha1,
              std::string_view sha256, const char* what) {
    if ((ind.md5.empty() && ind.sha1.empty() && ind.sha256.empty()) || !ok_) return;
    auto listed = [](const std::vector<std::string>& list, std::string_view digest) {
      return !digest.empty() && std::find(list.begin(), list.end(), digest) != list.end();
    };
    if (listed(ind.md5, md5)) {
      evidence_.push_back(std::string(what) + " MD5 " + std::string(md5) + " is listed");
    } else if (listed(ind.sha1, sha1)) {
      evidence_.push_back(std::string(what) + " SHA-1 " + std::string(sha1) + " is listed");
    } else if (listed(ind.sha256, sha256)) {
      evidence_.push_back(std::string(what) + " SHA-256 " + std::string(sha256) + " is listed");
    } else {
      ok_ = false;
    }
  }
  void Require(bool holds, std::string evidence) {
    if (!ok_) return;
    if (holds) {
      evidence_.push_back(std::move(evidence));
    } else {
      ok_ = false;
    }
  }

  bool ok() const { return ok_ && !evidence_.empty(); }
  Evidence take() { return std::move(evidence_); }

 private:
  std::string Expand(const std::string& glob) const {
    return windows() ? internal::ExpandVariables(glob, snapshot_.environment) : glob;
  }
  static bool SplitWords(const std::vector<std::vector<std::string>>& lists, size_t at,
                         std::string_view rest, std::vector<std::string>& parts) {
    if (at == lists.size()) return rest.empty();
    for (const std::string& w : lists[at]) {
      std::string lw = AsciiLower(w);
      if (!lw.empty() && rest.substr(0, lw.size()) == lw) {
        parts.push_back(w);
        if (SplitWords(lists, at + 1, rest.substr(lw.size()), parts)) return true;
        parts.pop_back();
      }
    }
    return false;
  }

  const HuntSnapshot& snapshot_;
  bool ok_ = true;
  Evidence evidence_;
};

struct Matcher {
  const HuntSnapshot& snap;
  const Pack& pack;
  std::vector<Finding>& out;

  bool windows() const { return snap.os == TargetOs::kWindows; }

  void Add(const Indicator& ind, std::string type, std::string object,
           std::map<std::string, std::string> fields, Evidence evidence) {
    Finding f;
    f.pack_id = pack.id;
    f.pack_version = pack.version;
    f.indicator = ind;
    f.object_type = std::move(type);
    f.object = std::move(object);
    f.fields = std::move(fields);
    f.evidence = std::move(evidence);
    out.push_back(std::move(f));
  }

  const ImageInfo* Image(const std::string& path) const {
    return path.empty() ? nullptr : FindImage(snap.inventory, path);
  }

  void HashesOf(Check& c, const Indicator& ind, const std::string& path, const char* what) {
    const ImageInfo* img = Image(path);
    if (img) {
      c.Hashes(ind, img->md5, img->sha1, img->sha256, what);
    } else {
      c.Hashes(ind, "", "", "", what);
    }
  }

  const platform::ProcessInfo* Parent(const platform::ProcessInfo& p) const {
    if (p.ppid == 0 || p.ppid == p.pid) return nullptr;
    for (const auto& q : snap.inventory.processes) {
      if (q.pid != p.ppid) continue;
      // A parent that started after its child is a reused pid, not the parent.
      if (q.start_time_ns && p.start_time_ns && q.start_time_ns > p.start_time_ns) return nullptr;
      return &q;
    }
    return nullptr;
  }

  void Processes(const Indicator& ind) {
    for (const auto& p : snap.inventory.processes) {
      Check c(snap);
      std::string_view image_name = BaseName(p.executable, windows());
      c.TextAny(ind.names, "process name", {p.name, image_name});
      c.Words(ind.name_words, "process name", p.name);
      c.Path(ind.paths, "image", p.executable);
      c.NotPath(ind.not_paths, "image", p.executable);
      const platform::ProcessInfo* parent = Parent(p);
      if (!ind.parents.empty() || !ind.not_parents.empty()) {
        if (!parent) {
          c.Require(false, "");
        } else {
          c.Text(ind.parents, "parent", parent->name);
          if (!ind.not_parents.empty()) {
            bool listed =
                std::any_of(ind.not_parents.begin(), ind.not_parents.end(),
                            [&](const std::string& g) { return TextGlobMatch(g, parent->name); });
            c.Require(!listed, "parent " + parent->name + " (pid " + std::to_string(parent->pid) +
                                   ") is not one of the expected parents");
          }
        }
      }
      if (!ind.command_lines.empty()) {
        c.Text(ind.command_lines, "command line", p.command_line.value_or(""));
      }
      HashesOf(c, ind, p.executable, "image");
      if (!c.ok()) continue;
      std::map<std::string, std::string> fields = {{"pid", std::to_string(p.pid)},
                                                   {"ppid", std::to_string(p.ppid)},
                                                   {"name", p.name},
                                                   {"executable", p.executable},
                                                   {"user", p.user}};
      if (p.command_line) fields["command_line"] = *p.command_line;
      if (parent) {
        fields["parent_name"] = parent->name;
        fields["parent_executable"] = parent->executable;
      }
      Add(ind, "process", "pid " + std::to_string(p.pid) + " " + p.name, std::move(fields),
          c.take());
    }
  }

  void Services(const Indicator& ind) {
    for (const auto& s : snap.inventory.services) {
      Check c(snap);
      std::string program = internal::ProgramOf(s.binary_path);
      c.Text(ind.names, "service name", s.name);
      c.Words(ind.name_words, "service name", s.name);
      c.Text(ind.display_names, "display name", s.display_name);
      c.Text(ind.descriptions, "description", s.description);
      c.Path(ind.paths, "binary", program);
      c.Text(ind.command_lines, "command line", s.binary_path);
      c.Path(ind.service_dlls, "ServiceDll", s.service_dll);
      if (ind.dll_named_like_service) {
        std::string dir = AsciiLower(internal::DirPart(s.service_dll, windows()));
        std::string stem = AsciiLower(BaseName(s.service_dll, windows()));
        bool in_system =
            dir.size() >= 9 && (dir.ends_with("\\system32") || dir.ends_with("/system32") ||
                                dir.ends_with("\\syswow64") || dir.ends_with("/syswow64"));
        c.Require(!s.service_dll.empty() && stem == AsciiLower(s.name) + ".dll" && in_system,
                  "ServiceDll " + s.service_dll + " carries the service's own name");
      }
      if (!ind.md5.empty() || !ind.sha1.empty() || !ind.sha256.empty()) {
        const ImageInfo* img = Image(s.service_dll.empty() ? program : s.service_dll);
        c.Hashes(ind, img ? img->md5 : "", img ? img->sha1 : "", img ? img->sha256 : "",
                 s.service_dll.empty() ? "binary" : "ServiceDll");
      }
      if (!c.ok()) continue;
      Add(ind, "service", "service " + s.name,
          {{"name", s.name},
           {"display_name", s.display_name},
           {"state", platform::ServiceStateName(s.state)},
           {"start_type", platform::ServiceStartTypeName(s.start_type)},
           {"binary_path", s.binary_path},
           {"service_dll", s.service_dll},
           {"config_path", s.config_path},
           {"pid", std::to_string(s.pid)}},
          c.take());
    }
  }

  void Files(const Indicator& ind) {
    // The files globs named plus every program file the inventory hashed, once per path.
    std::set<std::string> seen;
    auto consider = [&](const std::string& path, bool directory, std::string_view md5,
                        std::string_view sha1, std::string_view sha256,
                        const std::vector<std::string>* yara) {
      std::string key = windows() ? AsciiLower(path) : path;
      if (!seen.insert(key).second) return;
      Check c(snap);
      // "dir\**" names the folder itself too: the plan deletes it after its files.
      std::string sep = windows() ? "\\" : "/";
      c.Path(ind.paths, directory ? "directory" : "file", directory ? path + sep : path);
      c.Text(ind.names, "file name", BaseName(path, windows()));
      c.Hashes(ind, md5, sha1, sha256, "file");
      if (!ind.yara.empty()) {
        std::string rule_id = pack.id + "/" + ind.id;
        bool hit = yara && std::find(yara->begin(), yara->end(), rule_id) != yara->end();
        c.Require(hit, "YARA rules of " + rule_id + " match");
      }
      if (!c.ok()) return;
      Add(ind, directory ? "directory" : "file", path,
          {{"path", path}, {"sha256", std::string(sha256)}, {"md5", std::string(md5)}}, c.take());
    };
    for (const HuntFile& f : snap.files) {
      consider(f.path, f.directory, f.md5, f.sha1, f.sha256, &f.yara);
    }
    for (const ImageInfo& img : snap.inventory.images) {
      consider(img.path, false, img.md5, img.sha1, img.sha256, nullptr);
    }
  }

  void Registry(const Indicator& ind) {
    std::string wanted = AsciiLower(ind.registry_key);
    for (const HuntRegistryKey& k : snap.registry) {
      if (AsciiLower(k.key) != wanted || !k.exists) continue;
      if (ind.value_names.empty()) {
        Add(ind, "registry-key", k.key, {{"key", k.key}}, {"registry key " + k.key + " exists"});
        continue;
      }
      for (const auto& v : k.values) {
        Check c(snap);
        c.Text(ind.value_names, "value", v.name);
        c.Text(ind.value_data, "data", v.data);
        if (!c.ok()) continue;
        Add(ind, "registry-value", k.key + "\\" + v.name,
            {{"key", k.key}, {"value", v.name}, {"data", v.data.substr(0, 256)}}, c.take());
      }
    }
  }

  bool ProtocolOk(const Indicator& ind, platform::SocketProtocol p) const {
    return ind.protocol.empty() || ind.protocol == platform::SocketProtocolName(p);
  }

  std::map<std::string, std::string> SocketFields(const platform::SocketEndpoint& e) const {
    std::map<std::string, std::string> f = {{"protocol", platform::SocketProtocolName(e.protocol)},
                                            {"local_address", e.local_address},
                                            {"local_port", std::to_string(e.local_port)},
                                            {"remote_address", e.remote_address},
                                            {"remote_port", std::to_string(e.remote_port)},
                                            {"state", e.state},
                                            {"pid", std::to_string(e.pid)}};
    for (const auto& p : snap.inventory.processes) {
      if (e.pid != 0 && p.pid == e.pid) {
        f["process_name"] = p.name;
        f["executable"] = p.executable;
      }
    }
    return f;
  }

  static std::string Owner(const platform::SocketEndpoint& e) {
    return e.pid ? " (pid " + std::to_string(e.pid) + ")" : " (owner unknown)";
  }

  void ListeningPorts(const Indicator& ind) {
    for (const auto& e : snap.inventory.sockets) {
      bool listening = e.protocol == platform::SocketProtocol::kTcp
                           ? e.state == "LISTEN"
                           : (e.remote_address.empty() || e.remote_port == 0);
      if (!listening || !ProtocolOk(ind, e.protocol)) continue;
      if (std::find(ind.ports.begin(), ind.ports.end(), e.local_port) == ind.ports.end()) continue;
      std::string name = std::string(platform::SocketProtocolName(e.protocol)) + " " +
                         e.local_address + ":" + std::to_string(e.local_port);
      Add(ind, "socket", "listening " + name + Owner(e), SocketFields(e),
          {"listening on " + name + Owner(e)});
    }
  }

  void RemoteEndpoints(const Indicator& ind) {
    std::vector<IpPrefix> prefixes;
    for (const std::string& a : ind.addresses) {
      if (auto p = ParseIpPrefix(a)) prefixes.push_back(*p);
    }
    if (!ind.ports.empty() || !ind.addresses.empty()) {
      for (const auto& e : snap.inventory.sockets) {
        if (e.remote_address.empty() || e.remote_port == 0 || e.state == "LISTEN") continue;
        if (!ProtocolOk(ind, e.protocol)) continue;
        Check c(snap);
        if (!ind.ports.empty()) {
          bool port =
              std::find(ind.ports.begin(), ind.ports.end(), e.remote_port) != ind.ports.end();
          c.Require(port, "remote port " + std::to_string(e.remote_port) + " is listed");
        }
        if (!prefixes.empty()) {
          auto hit = std::find_if(prefixes.begin(), prefixes.end(), [&](const IpPrefix& p) {
            return IpPrefixContains(p, e.remote_address);
          });
          c.Require(hit != prefixes.end(),
                    "remote address " + e.remote_address + " is listed" +
                        (hit != prefixes.end() ? " (" + IpPrefixText(*hit) + ")" : ""));
        }
        if (!c.ok()) continue;
        std::string name = std::string(platform::SocketProtocolName(e.protocol)) + " " +
                           e.local_address + ":" + std::to_string(e.local_port) + " -> " +
                           e.remote_address + ":" + std::to_string(e.remote_port);
        Add(ind, "socket", "connection " + name + Owner(e), SocketFields(e), c.take());
      }
    }
    if (!ind.domains.empty() || !ind.urls.empty()) Texts(ind);
  }

  // Domains and URLs in the texts a host keeps: command lines, autoruns, service commands;
  // domains also in the hosts file. A URL matches only as the whole URL (ioc.h).
  void Texts(const Indicator& ind) {
    std::vector<std::string> url_keys;
    for (const std::string& u : ind.urls) url_keys.push_back(ioc_internal::UrlMatchKey(u));
    auto found = [&](std::string_view text) -> std::optional<std::string> {
      for (const std::string& token : internal::DomainTokens(text)) {
        for (const std::string& d : ind.domains) {
          if (internal::DomainMatches(d, token))
            return "'" + token + "' matches domain '" + d + "'";
        }
      }
      if (url_keys.empty()) return std::nullopt;
      for (const std::string& key : internal::UrlKeys(text)) {
        for (size_t i = 0; i < url_keys.size(); ++i) {
          if (key == url_keys[i]) return "URL '" + ind.urls[i] + "' is in it";
        }
      }
      return std::nullopt;
    };
    for (const auto& p : snap.inventory.processes) {
      if (!p.command_line) continue;
      if (auto why = found(*p.command_line)) {
        Add(ind, "process", "pid " + std::to_string(p.pid) + " " + p.name,
            {{"pid", std::to_string(p.pid)},
             {"ppid", std::to_string(p.ppid)},
             {"name", p.name},
             {"executable", p.executable},
             {"command_line", *p.command_line}},
            {"command line: " + *why});
      }
    }
    for (const auto& a : snap.inventory.autoruns) {
      if (auto why = found(a.command)) {
        Add(ind, a.kind == platform::AutorunKind::kScheduledTask ? "scheduled-task" : "autorun",
            std::string(platform::AutorunKindName(a.kind)) + " " + a.name, AutorunFields(a),
            {"command: " + *why});
      }
    }
    for (const auto& s : snap.inventory.services) {
      if (auto why = found(s.binary_path)) {
        Add(ind, "service", "service " + s.name,
            {{"name", s.name},
             {"binary_path", s.binary_path},
             {"service_dll", s.service_dll},
             {"state", platform::ServiceStateName(s.state)}},
            {"command line: " + *why});
      }
    }
    for (const HuntScript& script : snap.scripts) {
      if (auto why = found(script.text)) {
        Add(ind, "script", "script " + script.path,
            {{"path", script.path}, {"used_by", script.used_by}},
            {"script run by " + script.used_by + ": " + *why});
      }
    }
    size_t line_no = 0, start = 0;
    // The hosts file names hosts, not URLs.
    std::string_view hosts = ind.domains.empty() ? std::string_view() : snap.hosts_file;
    while (start < hosts.size()) {
      size_t end = hosts.find('\n', start);
      std::string_view line = hosts.substr(start, end == hosts.npos ? hosts.npos : end - start);
      start = end == hosts.npos ? hosts.size() : end + 1;
      ++line_no;
      line = line.substr(0, line.find('#'));
      if (auto why = found(line)) {
        Add(ind, "hosts-entry", "hosts file line " + std::to_string(line_no),
            {{"line", std::to_string(line_no)}, {"text", std::string(line)}},
            {"hosts file: " + *why});
      }
    }
  }

  static std::map<std::string, std::string> AutorunFields(const platform::Autorun& a) {
    return {{"kind", platform::AutorunKindName(a.kind)},
            {"location", a.location},
            {"name", a.name},
            {"command", a.command},
            {"image", a.image},
            {"user", a.user}};
  }

  void Autoruns(const Indicator& ind, bool tasks_only) {
    for (const auto& a : snap.inventory.autoruns) {
      bool task = a.kind == platform::AutorunKind::kScheduledTask ||
                  a.kind == platform::AutorunKind::kCron ||
                  a.kind == platform::AutorunKind::kSystemdTimer;
      if (tasks_only && !task) continue;
      Check c(snap);
      c.TextAny(ind.names, tasks_only ? "task" : "autorun",
                {a.name, BaseName(a.name, /*windows=*/true)});
      c.Text(ind.command_lines, "command", a.command);
      c.Path(ind.paths, "image", a.image);
      HashesOf(c, ind, a.image, "image");
      if (!c.ok()) continue;
      Add(ind, a.kind == platform::AutorunKind::kScheduledTask ? "scheduled-task" : "autorun",
          std::string(platform::AutorunKindName(a.kind)) + " " + a.name, AutorunFields(a),
          c.take());
    }
  }

  void Run(const Indicator& ind) {
    switch (ind.kind) {
      case IndicatorKind::kFile:
        return Files(ind);
      case IndicatorKind::kProcess:
        return Processes(ind);
      case IndicatorKind::kService:
        return Services(ind);
      case IndicatorKind::kRegistry:
        return Registry(ind);
      case IndicatorKind::kListeningPort:
        return ListeningPorts(ind);
      case IndicatorKind::kRemoteEndpoint:
        return RemoteEndpoints(ind);
      case IndicatorKind::kScheduledTask:
        return Autoruns(ind, /*tasks_only=*/true);
      case IndicatorKind::kAutorun:
        return Autoruns(ind, /*tasks_only=*/false);
    }
  }
};

}  // namespace

std::vector<Finding> MatchIndicators(const std::vector<Pack>& packs, const HuntSnapshot& snapshot) {
  std::vector<Finding> findings;
  for (const Pack& pack : packs) {
    Matcher m{snapshot, pack, findings};
    for (const Indicator& ind : pack.indicators) {
      if (ind.os != TargetOs::kAny && ind.os != snapshot.os) continue;
      m.Run(ind);
    }
  }
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::make_tuple(static_cast<int>(b.indicator.severity), a.pack_id, a.indicator.id,
                           a.object) < std::make_tuple(static_cast<int>(a.indicator.severity),
                                                       b.pack_id, b.indicator.id, b.object);
  });
  return findings;
}

}  // namespace otguard::host
