// PlanRemediation and the plan's three forms. The order follows what the MsraMiner responders
// learned (docs/msraminer.md): take away what restarts the malware before ending it, stop
// before delete, end a parent before its child (svchost.exe restarts the miner otherwise), and
// remove files only once nothing runs them. On a DCS host each step is an operator's decision,
// so every step says what to check first; the script asks before each one.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "host/hunt_internal.h"
#include "host/inventory_internal.h"

namespace otguard::host {
namespace {

using internal::AsciiLower;

// The phase of each action: steps are sorted by phase, then by the order within one.
int Phase(StepAction a) {
  switch (a) {
    case StepAction::kBlockTraffic:
      return 1;
    case StepAction::kDisableTask:
    case StepAction::kRemoveAutorun:
    case StepAction::kDisableService:
      return 2;
    case StepAction::kStopService:
      return 3;
    case StepAction::kEndProcess:
      return 4;
    case StepAction::kDeleteService:
      return 5;
    case StepAction::kDeleteFile:
      return 6;
    case StepAction::kDeleteDirectory:
      return 7;
    case StepAction::kDeleteRegistryValue:
    case StepAction::kDeleteRegistryKey:
    case StepAction::kDeleteTask:
    case StepAction::kRemoveHostsEntry:
      return 8;
    case StepAction::kPrevent:
      return 9;
    case StepAction::kVerify:
      return 10;
  }
  return 10;
}

// Processes a plan never ends: ending them stops or crashes the whole station.
bool CriticalProcess(const std::string& name) {
  static const std::set<std::string> kCritical = {
      "system",       "smss.exe",  "csrss.exe", "wininit.exe",  "winlogon.exe",
      "services.exe", "lsass.exe", "lsm.exe",   "explorer.exe", "systemd",
      "init",         "kthreadd",  "registry",  "dwm.exe"};
  return kCritical.count(AsciiLower(name)) > 0;
}

// Text safe inside a double-quoted cmd.exe argument: no quote, no variable expansion, no control
// characters, no trailing backslash (it would escape the closing quote for most programs).
bool SafeForCmd(const std::string& s) {
  if (s.empty() || s.back() == '\\') return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == '"' || c == '%' || c == '!') return false;
  }
  return true;
}

// Text safe in a single-quoted POSIX sh word once quotes are escaped: no control characters.
bool SafeForSh(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::string ShQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string Get(const Finding& f, const char* key) {
  auto it = f.fields.find(key);
  return it == f.fields.end() ? "" : it->second;
}

class Planner {
 public:
  Planner(const HuntSnapshot& snap) : snap_(snap), windows_(snap.os == TargetOs::kWindows) {}

  void Add(const Finding& f) {
    const std::string why = f.indicator.title + " (" + f.pack_id + "/" + f.indicator.id + ")";
    const std::string& note = f.indicator.remediation;
    if (f.object_type == "process") {
      Process(f, why, note);
    } else if (f.object_type == "service") {
      Service(f, why, note);
    } else if (f.object_type == "file" || f.object_type == "script") {
      DeleteFile(Get(f, "path"), why, note);
    } else if (f.object_type == "directory") {
      DeleteDirectory(Get(f, "path"), why, note);
    } else if (f.object_type == "registry-value") {
      std::string key = Get(f, "key"), value = Get(f, "value");
      PlanStep& s = Step(StepAction::kDeleteRegistryValue, key + "\\" + value, why, note);
      s.what = "Delete registry value " + value + " under " + key;
      s.check_first = {
          "Export the key first (reg export) so the change can be undone and the data "
          "kept as evidence (it may hold the pool, account and C2 settings)."};
      if (SafeForCmd(key) && SafeForCmd(value)) {
        s.command = "reg delete \"" + key + "\" /v \"" + value + "\" /f";
      }
    } else if (f.object_type == "registry-key") {
      std::string key = Get(f, "key");
      PlanStep& s = Step(StepAction::kDeleteRegistryKey, key, why, note);
      s.what = "Delete registry key " + key;
      s.check_first = {"Export the key first (reg export) so the change can be undone."};
      if (SafeForCmd(key)) s.command = "reg delete \"" + key + "\" /f";
    } else if (f.object_type == "socket") {
      Socket(f, why, note);
    } else if (f.object_type == "scheduled-task" || f.object_type == "autorun") {
      Autorun(f, why, note);
    } else if (f.object_type == "hosts-entry") {
      PlanStep& s = Step(StepAction::kRemoveHostsEntry, "hosts:" + Get(f, "line"), why, note);
      s.what = "Remove line " + Get(f, "line") + " of the hosts file (" + Get(f, "text") + ")";
      s.check_first = {"Keep a copy of the hosts file; other entries may be needed by the DCS."};
    }
  }

  void Prevention(const std::vector<Pack>& packs, const std::set<std::string>& packs_found) {
    for (const Pack& p : packs) {
      if (!packs_found.count(p.id)) continue;
      for (const std::string& advice : p.prevention) {
        PlanStep& s = Step(StepAction::kPrevent, p.id + ":" + advice, p.name, "");
        s.what = advice;
        s.check_first = {
            "Plan it with the DCS vendor and the operations team (approved patches, "
            "a maintenance window, a tested way back)."};
      }
    }
  }

  Plan Finish(bool any) {
    if (any) {
      PlanStep& s = Step(StepAction::kVerify, "verify", "the plan's steps are done", "");
      s.what =
          "Hunt again (otguard hunt) and scan the affected folders (otguard scan); both must "
          "come back clean. Check the other stations: the worm spreads over SMB (TCP 445).";
      s.command = windows_ ? "otguard.exe hunt" : "otguard hunt";
    }
    Order();
    Plan plan;
    plan.os = snap_.os;
    plan.steps = std::move(sorted_);
    return plan;
  }

 private:
  PlanStep& Step(StepAction action, const std::string& target, const std::string& why,
                 const std::string& note) {
    std::string key =
        std::string(StepActionName(action)) + "|" + (windows_ ? AsciiLower(target) : target);
    auto it = index_.find(key);
    if (it == index_.end()) {
      PlanStep s;
      s.action = action;
      s.target = target;
      it = index_.emplace(key, steps_.size()).first;
      steps_.push_back(std::move(s));
    }
    PlanStep& s = steps_[it->second];
    if (!why.empty() && s.why.find(why) == std::string::npos) {
      s.why += (s.why.empty() ? "" : "; ") + why;
    }
    if (!note.empty() && std::find(s.notes.begin(), s.notes.end(), note) == s.notes.end()) {
      s.notes.push_back(note);
    }
    return s;
  }

  const platform::ProcessInfo* FindProcess(uint32_t pid) const {
    for (const auto& p : snap_.inventory.processes) {
      if (p.pid == pid) return &p;
    }
    return nullptr;
  }

  // Depth of a process in the tree (for "parent before child").
  int Depth(uint32_t pid) const {
    int depth = 0;
    std::set<uint32_t> seen;
    for (const platform::ProcessInfo* p = FindProcess(pid); p && depth < 64;
         p = FindProcess(p->ppid)) {
      if (!seen.insert(p->pid).second || p->ppid == p->pid) break;
      ++depth;
    }
    return depth;
  }

  void EndProcess(uint32_t pid, const std::string& name, const std::string& why,
                  const std::string& note, bool as_parent) {
    if (pid == 0) return;
    if (CriticalProcess(name)) {
      PlanStep& s = Step(StepAction::kEndProcess, "pid " + std::to_string(pid), why, note);
      s.what = "Do NOT end " + name + " (pid " + std::to_string(pid) +
               "): the station depends on it. Remove the malware's service and files instead; "
               "restart the station in a maintenance window if it keeps running.";
      s.command.clear();
      return;
    }
    PlanStep& s = Step(StepAction::kEndProcess, "pid " + std::to_string(pid), why, note);
    s.what = "End process " + name + " (pid " + std::to_string(pid) + ")" +
             (as_parent ? ", the parent that would restart it" : "");
    s.check_first = {"Confirm pid " + std::to_string(pid) + " is still " + name +
                     " (pids are reused) and is not a DCS component."};
    std::vector<std::string> hosted;
    for (const auto& svc : snap_.inventory.services) {
      if (svc.pid == pid && svc.state == platform::ServiceState::kRunning)
        hosted.push_back(svc.name);
    }
    if (!hosted.empty()) {
      std::string list;
      for (const std::string& h : hosted) list += (list.empty() ? "" : ", ") + h;
      s.check_first.push_back("This process hosts the services " + list +
                              "; ending it stops them all. Check with the DCS vendor that none is "
                              "needed now, or do it in a maintenance window.");
    }
    s.command = windows_ ? "taskkill /PID " + std::to_string(pid) + " /F"
                         : "kill -TERM " + std::to_string(pid);
    order_[&s] = Depth(pid);
  }

  void Process(const Finding& f, const std::string& why, const std::string& note) {
    uint32_t pid = static_cast<uint32_t>(std::strtoul(Get(f, "pid").c_str(), nullptr, 10));
    uint32_t ppid = static_cast<uint32_t>(std::strtoul(Get(f, "ppid").c_str(), nullptr, 10));
    if (f.indicator.end_parent && !Get(f, "parent_name").empty()) {
      EndProcess(ppid, Get(f, "parent_name"), why, note, /*as_parent=*/true);
    }
    EndProcess(pid, Get(f, "name"), why, note, /*as_parent=*/false);
    std::string exe = Get(f, "executable");
    // A system binary that the malware started (svchost.exe) stays; its own file goes.
    if (!exe.empty() && !SystemBinary(exe)) DeleteFile(exe, why, note);
  }

  // A file of the OS itself, never deleted by a plan (spoolsv.exe in System32, /usr/bin/...).
  bool SystemBinary(const std::string& path) const {
    if (!windows_) {
      for (const char* dir : {"/usr/", "/bin/", "/sbin/", "/lib"}) {
        if (path.rfind(dir, 0) == 0) return true;
      }
      return false;
    }
    auto root = snap_.environment.find("SYSTEMROOT");
    if (root == snap_.environment.end()) return false;
    std::string lower = AsciiLower(path), sys = AsciiLower(root->second);
    std::string name = AsciiLower(internal::BaseName(path, true));
    for (const char* dir : {"\\system32\\", "\\syswow64\\"}) {
      if (lower == sys + dir + name) {
        // Known OS programs in System32 are kept; a dropped file there is not.
        static const std::set<std::string> kOs = {"svchost.exe",  "spoolsv.exe",  "services.exe",
                                                  "rundll32.exe", "dllhost.exe",  "cmd.exe",
                                                  "lsass.exe",    "winlogon.exe", "explorer.exe"};
        return kOs.count(name) > 0;
      }
    }
    return false;
  }

  void Service(const Finding& f, const std::string& why, const std::string& note) {
    std::string name = Get(f, "name");
    bool cmd_ok = SafeForCmd(name);
    bool sh_ok = SafeForSh(name);
    PlanStep& disable = Step(StepAction::kDisableService, name, why, note);
    disable.what = "Disable service " + name + " so that nothing starts it again";
    disable.check_first = {"Confirm with the DCS vendor that " + name + " is not part of the DCS."};
    if (windows_ && cmd_ok) disable.command = "sc config \"" + name + "\" start= disabled";
    if (!windows_ && sh_ok) disable.command = "systemctl disable " + ShQuote(name);

    PlanStep& stop = Step(StepAction::kStopService, name, why, note);
    stop.what = "Stop service " + name + (Get(f, "state") == "running" ? " (running)" : "");
    stop.check_first = {
        "Stopping a service is visible to operators only if the DCS uses it; "
        "it does not delete anything yet."};
    if (windows_ && cmd_ok) stop.command = "sc stop \"" + name + "\"";
    if (!windows_ && sh_ok) stop.command = "systemctl stop " + ShQuote(name);

    PlanStep& del = Step(StepAction::kDeleteService, name, why, note);
    del.what = "Delete service " + name;
    del.check_first = {"Export its registry key or unit file first, as evidence and to undo."};
    if (windows_ && cmd_ok) del.command = "sc delete \"" + name + "\"";
    std::string unit = Get(f, "config_path");
    if (!windows_ && SafeForSh(unit)) {
      del.command = "rm -f -- " + ShQuote(unit) + " && systemctl daemon-reload";
    }

    std::string dll = Get(f, "service_dll");
    if (!dll.empty()) {
      DeleteFile(dll, why + ": the DLL service " + name + " loads", note);
    } else {
      std::string program = internal::ProgramOf(Get(f, "binary_path"));
      if (!program.empty() && !SystemBinary(program)) DeleteFile(program, why, note);
    }
    std::string pid = Get(f, "pid");
    if (!pid.empty() && pid != "0") {
      stop.check_first.push_back("It runs as pid " + pid +
                                 "; if it does not stop, end that "
                                 "process only if it hosts no other service.");
    }
  }

  void DeleteFile(const std::string& path, const std::string& why, const std::string& note) {
    if (path.empty()) return;
    PlanStep& s = Step(StepAction::kDeleteFile, path, why, note);
    s.what = "Delete file " + path;
    s.check_first = {
        "Keep a copy for analysis (otguard's sample lab, or a USB stick marked as "
        "infected), and confirm no DCS program uses the file."};
    if (windows_ && SafeForCmd(path)) s.command = "del /F /A \"" + path + "\"";
    if (!windows_ && SafeForSh(path)) s.command = "rm -f -- " + ShQuote(path);
  }

  void DeleteDirectory(std::string path, const std::string& why, const std::string& note) {
    while (path.size() > 1 && (path.back() == '\\' || path.back() == '/')) path.pop_back();
    PlanStep& s = Step(StepAction::kDeleteDirectory, path, why, note);
    s.what = "Delete folder " + path + " and everything in it";
    s.check_first = {"List its content first and keep a copy for analysis."};
    if (windows_ && SafeForCmd(path)) s.command = "rmdir /S /Q \"" + path + "\"";
    if (!windows_ && SafeForSh(path)) s.command = "rm -rf -- " + ShQuote(path);
    order_[&s] = -static_cast<int>(path.size());  // deepest first
  }

  void Socket(const Finding& f, const std::string& why, const std::string& note) {
    std::string proto = Get(f, "protocol");
    std::string pid = Get(f, "pid");
    bool listening = Get(f, "remote_address").empty() || Get(f, "state") == "LISTEN";
    std::string upper = proto == "udp" ? "UDP" : "TCP";
    if (listening) {
      std::string port = Get(f, "local_port");
      PlanStep& s = Step(StepAction::kBlockTraffic, "in " + proto + " " + port, why, note);
      s.what = "Block inbound " + upper + " " + port + " on this station (or at its switch)";
      s.check_first = {"Confirm with the DCS vendor that no DCS component uses " + upper + " " +
                       port + "."};
      s.command = windows_ ? "netsh advfirewall firewall add rule name=\"otguard block " + upper +
                                 " " + port + " in\" dir=in action=block protocol=" + upper +
                                 " localport=" + port
                           : "iptables -I INPUT -p " + proto + " --dport " + port + " -j DROP";
      if (windows_) {
        s.notes.push_back(
            "Windows XP's firewall cannot block a port that a program opened; "
            "filter it at the switch there.");
      }
      if (pid == "0" || pid.empty()) {
        s.check_first.push_back(std::string("The owning process is unknown to otguard: find it "
                                            "with ") +
                                (windows_ ? "netstat -ano" : "ss -ltnp") + ".");
      }
    } else {
      std::string addr = Get(f, "remote_address"), port = Get(f, "remote_port");
      PlanStep& s = Step(StepAction::kBlockTraffic, "out " + addr + " " + port, why, note);
      s.what = "Block outbound " + upper + " to " + addr + ":" + port +
               " at the plant's perimeter firewall";
      s.check_first = {"Check the firewall logs for other stations talking to " + addr +
                       ": they are infected too."};
    }
    if (!pid.empty() && pid != "0") {
      uint32_t p = static_cast<uint32_t>(std::strtoul(pid.c_str(), nullptr, 10));
      EndProcess(p, Get(f, "process_name").empty() ? "pid " + pid : Get(f, "process_name"), why,
                 note, false);
    }
  }

  void Autorun(const Finding& f, const std::string& why, const std::string& note) {
    std::string kind = Get(f, "kind"), name = Get(f, "name"), location = Get(f, "location");
    if (kind == "service") return;  // the service's own steps cover it
    if (kind == "scheduled-task") {
      PlanStep& d = Step(StepAction::kDisableTask, name, why, note);
      d.what = "Disable scheduled task " + name;
      d.check_first = {
          "Confirm the task is not part of the DCS (its command: " + Get(f, "command") + ")."};
      if (SafeForCmd(name)) d.command = "schtasks /Change /TN \"" + name + "\" /DISABLE";
      PlanStep& del = Step(StepAction::kDeleteTask, name, why, note);
      del.what = "Delete scheduled task " + name;
      del.check_first = {"Keep a copy of " + location + " as evidence."};
      if (SafeForCmd(name)) del.command = "schtasks /Delete /TN \"" + name + "\" /F";
    } else if (kind == "run-key") {
      PlanStep& s = Step(StepAction::kRemoveAutorun, location + "\\" + name, why, note);
      s.what = "Remove the autorun value " + name + " from " + location;
      s.check_first = {"Export the key first (reg export)."};
      if (SafeForCmd(location) && SafeForCmd(name)) {
        s.command = "reg delete \"" + location + "\" /v \"" + name + "\" /f";
      }
    } else if (kind == "systemd-timer") {
      PlanStep& s = Step(StepAction::kDisableTask, name, why, note);
      s.what = "Disable and stop timer " + name;
      s.check_first = {"Confirm the timer is not part of the DCS."};
      if (SafeForSh(name)) s.command = "systemctl disable --now " + ShQuote(name);
    } else {
      // Cron lines, rc scripts, startup folders, Winlogon values: edited by hand.
      PlanStep& s = Step(StepAction::kRemoveAutorun, location + "|" + name, why, note);
      s.what = "Remove the " + kind + " entry " + name + " from " + location +
               " (runs: " + Get(f, "command") + ")";
      s.check_first = {"Keep a copy of " + location + " first; edit it by hand."};
    }
    std::string image = Get(f, "image");
    if (!image.empty() && !SystemBinary(image)) DeleteFile(image, why, note);
  }

  void Order() {
    std::vector<size_t> idx(steps_.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      int pa = Phase(steps_[a].action), pb = Phase(steps_[b].action);
      if (pa != pb) return pa < pb;
      auto oa = order_.find(&steps_[a]), ob = order_.find(&steps_[b]);
      return (oa == order_.end() ? 0 : oa->second) < (ob == order_.end() ? 0 : ob->second);
    });
    for (size_t i : idx) sorted_.push_back(steps_[i]);
    for (size_t i = 0; i < sorted_.size(); ++i) sorted_[i].number = static_cast<int>(i + 1);
    Dependencies(sorted_);
  }

  // The steps each one must follow: a stop before its delete, a parent before its child, a
  // process before its file, files before their folder.
  void Dependencies(std::vector<PlanStep>& steps) const {
    auto sep = [&](const std::string& s) { return windows_ ? AsciiLower(s) : s; };
    for (PlanStep& s : steps) {
      for (const PlanStep& t : steps) {
        if (t.number >= s.number) break;
        bool same = sep(t.target) == sep(s.target);
        bool dep = false;
        if (same && Phase(t.action) < Phase(s.action)) dep = true;
        if (s.action == StepAction::kEndProcess && t.action == StepAction::kEndProcess) {
          uint32_t pid = static_cast<uint32_t>(std::strtoul(s.target.c_str() + 4, nullptr, 10));
          const platform::ProcessInfo* p = FindProcess(pid);
          dep = p && t.target == "pid " + std::to_string(p->ppid);
        }
        if (s.action == StepAction::kDeleteDirectory &&
            (t.action == StepAction::kDeleteFile || t.action == StepAction::kDeleteDirectory)) {
          std::string dir = sep(s.target);
          dep = sep(t.target).rfind(dir + (windows_ ? "\\" : "/"), 0) == 0;
        }
        if (s.action == StepAction::kDeleteFile && t.action == StepAction::kEndProcess) {
          uint32_t pid = static_cast<uint32_t>(std::strtoul(t.target.c_str() + 4, nullptr, 10));
          const platform::ProcessInfo* p = FindProcess(pid);
          dep = p && sep(p->executable) == sep(s.target);
        }
        if (s.action == StepAction::kDeleteFile && t.action == StepAction::kDeleteService) {
          for (const auto& svc : snap_.inventory.services) {
            if (svc.name == t.target && sep(svc.service_dll) == sep(s.target)) dep = true;
          }
        }
        if (s.action == StepAction::kVerify) dep = false;
        if (dep) s.after.push_back(t.number);
      }
    }
  }

  const HuntSnapshot& snap_;
  bool windows_;
  std::deque<PlanStep> steps_;  // a deque: references stay valid while steps are added
  std::vector<PlanStep> sorted_;
  std::map<std::string, size_t> index_;
  std::map<const PlanStep*, int> order_;  // the order within a phase (process or folder depth)
};

// Text for an `echo` line of a batch file: only characters that cmd.exe prints as they are.
std::string CmdEcho(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c >= 0x80 ||
                 std::string_view(" .,:;\\/_-+=@#'[]{}~$*?").find(c) != std::string_view::npos;
    out += plain ? static_cast<char>(c) : '_';
  }
  return out;
}

}  // namespace

const char* StepActionName(StepAction action) {
  switch (action) {
    case StepAction::kBlockTraffic:
      return "block-traffic";
    case StepAction::kDisableTask:
      return "disable-task";
    case StepAction::kDisableService:
      return "disable-service";
    case StepAction::kStopService:
      return "stop-service";
    case StepAction::kEndProcess:
      return "end-process";
    case StepAction::kDeleteService:
      return "delete-service";
    case StepAction::kDeleteFile:
      return "delete-file";
    case StepAction::kDeleteDirectory:
      return "delete-directory";
    case StepAction::kDeleteRegistryValue:
      return "delete-registry-value";
    case StepAction::kDeleteRegistryKey:
      return "delete-registry-key";
    case StepAction::kDeleteTask:
      return "delete-task";
    case StepAction::kRemoveAutorun:
      return "remove-autorun";
    case StepAction::kRemoveHostsEntry:
      return "remove-hosts-entry";
    case StepAction::kPrevent:
      return "prevent";
    case StepAction::kVerify:
      return "verify";
  }
  return "unknown";
}

Plan PlanRemediation(const std::vector<Finding>& findings, const std::vector<Pack>& packs,
                     const HuntSnapshot& snapshot) {
  Planner planner(snapshot);
  std::set<std::string> packs_found;
  for (const Finding& f : findings) {
    planner.Add(f);
    packs_found.insert(f.pack_id);
  }
  planner.Prevention(packs, packs_found);
  return planner.Finish(!findings.empty());
}

std::string PlanText(const Plan& plan) {
  if (plan.steps.empty()) return "Nothing to do: the hunt found nothing.\n";
  std::string out = "Remediation plan (" + std::to_string(plan.steps.size()) +
                    " steps). otguard performs none of them; each is an operator's decision.\n";
  std::map<std::string, int> noted;  // an indicator's advice, printed with its first step only
  for (const PlanStep& s : plan.steps) {
    out +=
        "\n" + std::to_string(s.number) + ". [" + StepActionName(s.action) + "] " + s.what + "\n";
    if (!s.why.empty()) out += "   why: " + s.why + "\n";
    for (const std::string& c : s.check_first) out += "   check first: " + c + "\n";
    for (const std::string& n : s.notes) {
      auto [it, first] = noted.emplace(n, s.number);
      out += first ? "   note: " + n + "\n"
                   : "   note: as in step " + std::to_string(it->second) + "\n";
    }
    if (!s.after.empty()) {
      std::string list;
      for (int a : s.after) list += (list.empty() ? "" : ", ") + std::to_string(a);
      out += "   after step " + list + "\n";
    }
    out += s.command.empty() ? "   command: (by hand)\n" : "   command: " + s.command + "\n";
  }
  return out;
}

std::string PlanJson(const Plan& plan) {
  nlohmann::json steps = nlohmann::json::array();
  for (const PlanStep& s : plan.steps) {
    steps.push_back({{"number", s.number},
                     {"action", StepActionName(s.action)},
                     {"target", s.target},
                     {"what", s.what},
                     {"why", s.why},
                     {"check_first", s.check_first},
                     {"notes", s.notes},
                     {"command", s.command},
                     {"after", s.after}});
  }
  nlohmann::json doc = {{"os", plan.os == TargetOs::kWindows ? "windows" : "linux"},
                        {"steps", steps}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Lines end in "\n": Windows' C runtime writes them to stdout as CRLF, which batch files need
// (cmd.exe mis-reads labels in files with bare LF).
std::string PlanScript(const Plan& plan) {
  std::string out;
  if (plan.os == TargetOs::kWindows) {
    out += "@echo off\nsetlocal DisableDelayedExpansion\n";
    out += "rem otguard remediation plan. Review every step before running this file.\n";
    out += "rem Each step runs only after you answer y. Run it as Administrator.\n";
    for (const PlanStep& s : plan.steps) {
      std::string n = std::to_string(s.number);
      out += "\necho.\necho Step " + n + " [" + StepActionName(s.action) + "]: " + CmdEcho(s.what) +
             "\n";
      for (const std::string& c : s.check_first) out += "echo   Check first: " + CmdEcho(c) + "\n";
      if (s.command.empty()) {
        out += "echo   This step is done by hand.\npause\n";
        continue;
      }
      out += "set \"ANSWER=\"\nset /p ANSWER=Run step " + n + "? [y/N] \n";
      out += "if /I not \"%ANSWER%\"==\"y\" goto skip_" + n + "\n" + s.command + "\n";
      out += ":skip_" + n + "\n";
    }
    out += "\necho.\necho Done. Run otguard hunt again.\n";
    return out;
  }
  out += "#!/bin/sh\n# otguard remediation plan. Review every step before running this file.\n";
  out += "# Each step runs only after you answer y. Run it as root.\nset -u\n";
  out +=
      "ask() { printf '%s [y/N] ' \"$1\"; read -r answer || return 1; "
      "[ \"$answer\" = y ] || [ \"$answer\" = Y ]; }\n";
  for (const PlanStep& s : plan.steps) {
    std::string n = std::to_string(s.number);
    out += "\nprintf '\\n%s\\n' " +
           ShQuote("Step " + n + " [" + StepActionName(s.action) + "]: " + s.what) + "\n";
    for (const std::string& c : s.check_first) {
      out += "printf '%s\\n' " + ShQuote("  Check first: " + c) + "\n";
    }
    if (s.command.empty()) {
      out += "printf '%s\\n' '  This step is done by hand.'\n";
      continue;
    }
    out += "if ask 'Run step " + n + "?'; then\n  " + s.command + "\nfi\n";
  }
  out += "\nprintf '\\n%s\\n' 'Done. Run otguard hunt again.'\n";
  return out;
}

}  // namespace otguard::host
