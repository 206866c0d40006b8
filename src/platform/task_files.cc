// Task Scheduler files without the Task Scheduler: a bounded tag scanner for the XML task
// definitions and a reader of the .job format of [MS-TSCH] 2.4. No OS calls: this file is
// compiled and tested on Linux as well.
#include "platform/task_files.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <utility>

#include "otguard/base/bytes.h"

namespace otguard::platform::internal {
namespace {

// Task files nest five levels; anything deeper than this is not one.
constexpr size_t kMaxDepth = 64;
// A task has at most 32 actions and 48 triggers (Task Scheduler schema); a file claiming
// more is still read, but what we keep of it is capped.
constexpr size_t kMaxActions = 64;
constexpr size_t kMaxTriggers = 64;
// The text kept of one element (a command line is at most 32767 characters).
constexpr size_t kMaxTextBytes = 64 * 1024;
// [MS-TSCH] 2.4.1: the fixed-length section, and where its fields are.
constexpr size_t kJobFixedBytes = 68;
constexpr size_t kJobFormatVersionOffset = 2;
constexpr size_t kJobAppNameOffsetOffset = 20;
constexpr size_t kJobTriggerOffsetOffset = 22;
constexpr size_t kJobFlagsOffset = 48;
constexpr uint32_t kJobFlagDisabled = 0x4;  // TASK_FLAG_DISABLED
// [MS-TSCH] 2.4.2.11: every trigger is 48 bytes; the type at 32, the start time at 16 and 18.
constexpr size_t kJobTriggerBytes = 48;

Status Malformed(std::string_view what) {
  return InvalidArgument("task XML: " + std::string(what));
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// UTF-16 code units to UTF-8; a lone surrogate becomes U+FFFD (a name is still shown). A
// trailing odd byte is dropped.
std::string Utf16ToUtf8(std::string_view bytes, bool big_endian) {
  std::string out;
  out.reserve(bytes.size() / 2);
  auto unit = [&](size_t i) -> uint32_t {
    const auto b0 = static_cast<uint8_t>(bytes[i]), b1 = static_cast<uint8_t>(bytes[i + 1]);
    return big_endian ? (b0 << 8 | b1) : (b1 << 8 | b0);
  };
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    uint32_t cp = unit(i);
    if (cp >= 0xD800 && cp < 0xDC00 && i + 3 < bytes.size()) {
      const uint32_t low = unit(i + 2);
      if (low >= 0xDC00 && low < 0xE000) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        i += 2;
      }
    }
    if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;
    AppendUtf8(cp, &out);
  }
  return out;
}

// The document as UTF-8. The Task Scheduler writes UTF-16LE with a byte order mark; files
// copied by hand or by tools may be UTF-8 or lack the mark ("<" then NUL gives it away).
std::string DecodeDocument(std::string_view bytes) {
  auto starts = [&](std::string_view prefix) { return bytes.substr(0, prefix.size()) == prefix; };
  if (starts("\xFF\xFE")) return Utf16ToUtf8(bytes.substr(2), false);
  if (starts("\xFE\xFF")) return Utf16ToUtf8(bytes.substr(2), true);
  if (starts("\xEF\xBB\xBF")) return std::string(bytes.substr(3));
  if (bytes.size() >= 2 && bytes[0] != '\0' && bytes[1] == '\0') {
    return Utf16ToUtf8(bytes, false);
  }
  if (bytes.size() >= 2 && bytes[0] == '\0' && bytes[1] != '\0') return Utf16ToUtf8(bytes, true);
  return std::string(bytes);
}

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsXmlSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsXmlSpace(s.back())) s.remove_suffix(1);
  return s;
}

// "task:Exec" -> "Exec": task files use the default namespace, but a prefix is legal XML.
std::string_view LocalName(std::string_view name) {
  const size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The code point of "#65", "#x41", "amp" ...; nullopt for anything else (a DTD's own
// entities are never expanded: the classic "billion laughs" has nothing to grow from).
std::optional<uint32_t> CharacterReference(std::string_view ref) {
  if (ref == "amp") return '&';
  if (ref == "lt") return '<';
  if (ref == "gt") return '>';
  if (ref == "quot") return '"';
  if (ref == "apos") return '\'';
  if (ref.size() < 2 || ref[0] != '#') return std::nullopt;
  const bool hex = ref[1] == 'x';
  std::string_view digits = ref.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 8) return std::nullopt;
  uint32_t cp = 0;
  for (char c : digits) {
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (hex && c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else if (hex && c >= 'A' && c <= 'F') {
      d = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    cp = cp * (hex ? 16 : 10) + d;
  }
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return std::nullopt;
  return cp;
}

// Character data with its references replaced, appended to `out` up to kMaxTextBytes.
Status AppendText(std::string_view raw, std::string* out) {
  while (!raw.empty()) {
    const size_t amp = raw.find('&');
    const std::string_view plain = raw.substr(0, amp);
    if (out->size() < kMaxTextBytes) out->append(plain.substr(0, kMaxTextBytes - out->size()));
    if (amp == std::string_view::npos) break;
    const size_t semi = raw.find(';', amp);
    if (semi == std::string_view::npos || semi - amp > 12) {
      return Malformed("'&' without a character reference");
    }
    const auto cp = CharacterReference(raw.substr(amp + 1, semi - amp - 1));
    if (!cp.has_value()) {
      return Malformed("unknown reference &" + std::string(raw.substr(amp + 1, semi - amp)));
    }
    if (out->size() < kMaxTextBytes) AppendUtf8(*cp, out);
    raw.remove_prefix(semi + 1);
  }
  return Status::Ok();
}

// Walks the elements of a task document, keeping the fields of a TaskDefinition.
class TaskXmlReader {
 public:
  explicit TaskXmlReader(std::string_view text) : text_(text) {}

  Result<TaskDefinition> Read() {
    while (pos_ < text_.size()) {
      OTGUARD_RETURN_IF_ERROR(text_[pos_] == '<' ? Markup() : CharacterData());
    }
    if (!root_done_) return Unexpected(Malformed(root_seen_ ? "truncated" : "no root element"));
    return std::move(task_);
  }

 private:
  bool At(std::string_view token) const { return text_.substr(pos_, token.size()) == token; }

  Status CharacterData() {
    const size_t end = std::min(text_.find('<', pos_), text_.size());
    const std::string_view raw = text_.substr(pos_, end - pos_);
    pos_ = end;
    if (open_.empty()) {
      return Trim(raw).empty() ? Status::Ok() : Malformed("text outside the root element");
    }
    return AppendText(raw, &value_);
  }

  // Skips from pos_ past `terminator`.
  Status SkipPast(std::string_view terminator, std::string_view what) {
    const size_t end = text_.find(terminator, pos_);
    if (end == std::string_view::npos) return Malformed("unterminated " + std::string(what));
    pos_ = end + terminator.size();
    return Status::Ok();
  }

  Status Markup() {
    if (At("<!--")) {
      pos_ += 4;
      return SkipPast("-->", "comment");
    }
    if (At("<![CDATA[")) {
      if (open_.empty()) return Malformed("CDATA outside the root element");
      const size_t start = pos_ + 9;
      const size_t end = text_.find("]]>", start);
      if (end == std::string_view::npos) return Malformed("unterminated CDATA section");
      const std::string_view raw = text_.substr(start, end - start);
      if (value_.size() < kMaxTextBytes)
        value_.append(raw.substr(0, kMaxTextBytes - value_.size()));
      pos_ = end + 3;
      return Status::Ok();
    }
    if (At("<?")) return SkipPast("?>", "processing instruction");
    if (At("<!DOCTYPE")) return Doctype();
    if (At("</")) return EndTag();
    return StartTag();
  }

  // <!DOCTYPE Task [ <!ENTITY ...> ]>: skipped, brackets and quotes respected.
  Status Doctype() {
    if (root_seen_) return Malformed("DOCTYPE after the root element");
    int brackets = 0;
    char quote = 0;
    for (size_t i = pos_ + 2; i < text_.size(); ++i) {
      const char c = text_[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[') {
        ++brackets;
      } else if (c == ']') {
        --brackets;
      } else if (c == '>' && brackets <= 0) {
        pos_ = i + 1;
        return Status::Ok();
      }
    }
    return Malformed("unterminated DOCTYPE");
  }

  Status StartTag() {
    if (root_done_) return Malformed("a second root element");
    size_t i = pos_ + 1;
    while (i < text_.size() && !IsXmlSpace(text_[i]) && text_[i] != '/' && text_[i] != '>' &&
           text_[i] != '<') {
      ++i;
    }
    const std::string_view name = text_.substr(pos_ + 1, i - pos_ - 1);
    if (name.empty()) return Malformed("'<' without an element name");
    // The attributes: only their quoting matters (a '>' may stand inside a value).
    char quote = 0;
    for (; i < text_.size(); ++i) {
      const char c = text_[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '<') {
        return Malformed("'<' inside a tag");
      } else if (c == '>') {
        break;
      }
    }
    if (i >= text_.size()) return Malformed("unterminated tag <" + std::string(name));
    const bool empty = text_[i - 1] == '/' && quote == 0 && i - 1 > pos_ + name.size();
    pos_ = i + 1;
    OTGUARD_RETURN_IF_ERROR(Open(name));
    return empty ? Close(name) : Status::Ok();
  }

  Status EndTag() {
    const size_t end = text_.find('>', pos_);
    if (end == std::string_view::npos) return Malformed("unterminated end tag");
    const std::string_view name = Trim(text_.substr(pos_ + 2, end - pos_ - 2));
    pos_ = end + 1;
    return Close(name);
  }

  Status Open(std::string_view name) {
    if (open_.size() >= kMaxDepth) return Malformed("elements nested too deeply");
    if (open_.empty()) {
      if (LocalName(name) != "Task") {
        return InvalidArgument("not a task definition: root element <" + std::string(name) + ">");
      }
      root_seen_ = true;
    }
    open_.emplace_back(name);
    value_.clear();
    OnOpen();
    return Status::Ok();
  }

  Status Close(std::string_view name) {
    if (open_.empty() || open_.back() != name) {
      return Malformed("</" + std::string(name) + "> does not close " +
                       (open_.empty() ? std::string("anything") : "<" + open_.back() + ">"));
    }
    OnClose(std::string(Trim(value_)));
    open_.pop_back();
    value_.clear();
    if (open_.empty()) root_done_ = true;
    return Status::Ok();
  }

  // Whether the open elements are Task/<a>/<b>/... (local names).
  bool Path(std::initializer_list<std::string_view> names) const {
    if (open_.size() != names.size() + 1) return false;
    size_t i = 1;
    for (std::string_view n : names) {
      if (LocalName(open_[i++]) != n) return false;
    }
    return true;
  }
  bool UnderTriggers() const { return open_.size() == 3 && LocalName(open_[1]) == "Triggers"; }

  void OnOpen() {
    if (Path({"Actions", "Exec"}) && task_.actions.size() < kMaxActions) {
      task_.actions.emplace_back();
      in_exec_ = true;
    } else if (UnderTriggers() && triggers_ < kMaxTriggers) {
      if (!task_.schedule.empty()) task_.schedule += ",";
      task_.schedule += LocalName(open_.back());
      ++triggers_;
    }
  }

  void OnClose(std::string value) {
    if (Path({"Actions", "Exec"})) {
      in_exec_ = false;
    } else if (in_exec_ && Path({"Actions", "Exec", "Command"})) {
      task_.actions.back().command = std::move(value);
    } else if (in_exec_ && Path({"Actions", "Exec", "Arguments"})) {
      task_.actions.back().arguments = std::move(value);
    } else if (Path({"Actions", "ComHandler", "ClassId"}) &&
               task_.com_handlers.size() < kMaxActions) {
      task_.com_handlers.push_back(std::move(value));
    } else if (Path({"Principals", "Principal", "UserId"})) {
      if (user_id_.empty()) user_id_ = std::move(value);
      task_.user = user_id_;
    } else if (Path({"Principals", "Principal", "GroupId"})) {
      if (group_id_.empty()) group_id_ = std::move(value);
      if (user_id_.empty()) task_.user = group_id_;
    } else if (Path({"Settings", "Enabled"})) {
      task_.enabled = !(value == "false" || value == "0");
    } else if (Path({"RegistrationInfo", "Author"})) {
      task_.author = std::move(value);
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::vector<std::string> open_;  // the open elements, as written (with any prefix)
  std::string value_;              // character data of the innermost open element
  bool root_seen_ = false;
  bool root_done_ = false;
  bool in_exec_ = false;  // an Exec action was opened and kept (not over kMaxActions)
  size_t triggers_ = 0;
  std::string user_id_;
  std::string group_id_;
  TaskDefinition task_;
};

// [MS-TSCH] 2.4.2.1: a count of UTF-16 characters (the terminating NUL included), then the
// characters. Advances *offset past it.
Result<std::string> ReadCountedString(ByteSpan data, size_t* offset, const char* field) {
  const auto count = ReadLe16(data, *offset);
  if (!count.has_value() || (data.size() - *offset - 2) / 2 < *count) {
    return Unexpected(InvalidArgument(std::string("job file: truncated in ") + field));
  }
  const std::string_view raw(reinterpret_cast<const char*>(data.data()) + *offset + 2,
                             size_t{*count} * 2);
  *offset += 2 + size_t{*count} * 2;
  std::string text = Utf16ToUtf8(raw, false);
  return text.substr(0, text.find('\0'));
}

std::string JobTriggerText(uint32_t type, uint16_t hour, uint16_t minute) {
  static constexpr const char* kNames[] = {"once",    "daily", "weekly", "monthly",
                                           "monthly", "idle",  "boot",   "logon"};
  if (type >= std::size(kNames)) return "trigger " + std::to_string(type);
  std::string text = kNames[type];
  if (type <= 4 && hour < 24 && minute < 60) {
    text += ' ';
    text += static_cast<char>('0' + hour / 10);
    text += static_cast<char>('0' + hour % 10);
    text += ':';
    text += static_cast<char>('0' + minute / 10);
    text += static_cast<char>('0' + minute % 10);
  }
  return text;
}

Result<std::string> ReadJobTriggers(ByteSpan data, size_t offset) {
  const auto count = ReadLe16(data, offset);
  if (!count.has_value()) return Unexpected(InvalidArgument("job file: truncated in Triggers"));
  std::string schedule;
  for (size_t i = 0; i < *count; ++i) {
    const size_t at = offset + 2 + i * kJobTriggerBytes;
    const auto type = ReadLe32(data, at + 32);
    const auto hour = ReadLe16(data, at + 16);
    const auto minute = ReadLe16(data, at + 18);
    if (!type.has_value() || !hour.has_value() || !minute.has_value() ||
        at + kJobTriggerBytes > data.size()) {
      return Unexpected(InvalidArgument("job file: truncated in trigger " + std::to_string(i)));
    }
    if (i >= kMaxTriggers) continue;
    if (!schedule.empty()) schedule += ',';
    schedule += JobTriggerText(*type, *hour, *minute);
  }
  return schedule;
}

}  // namespace

Result<TaskDefinition> ParseTaskXml(std::string_view bytes) {
  if (bytes.size() > kMaxTaskFileBytes) return Unexpected(Malformed("file too large"));
  const std::string text = DecodeDocument(bytes);
  if (text.find('\0') != std::string::npos) return Unexpected(Malformed("NUL character"));
  return TaskXmlReader(text).Read();
}

Result<TaskDefinition> ParseJobFile(std::string_view bytes) {
  if (bytes.size() > kMaxTaskFileBytes) {
    return Unexpected(InvalidArgument("job file: file too large"));
  }
  const ByteSpan data(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (data.size() < kJobFixedBytes) {
    return Unexpected(InvalidArgument("job file: shorter than its 68-byte header"));
  }
  if (ReadLe16(data, kJobFormatVersionOffset) != uint16_t{1}) {
    return Unexpected(InvalidArgument("job file: unknown format version"));
  }
  TaskDefinition task;
  task.enabled = (*ReadLe32(data, kJobFlagsOffset) & kJobFlagDisabled) == 0;
  // The strings follow one another from where the header says the application name is
  // (normally 70: after the running instance count).
  size_t offset = *ReadLe16(data, kJobAppNameOffsetOffset);
  TaskAction action;
  OTGUARD_ASSIGN_OR_RETURN(action.command, ReadCountedString(data, &offset, "Application Name"));
  OTGUARD_ASSIGN_OR_RETURN(action.arguments, ReadCountedString(data, &offset, "Parameters"));
  OTGUARD_ASSIGN_OR_RETURN(std::string working_dir,
                           ReadCountedString(data, &offset, "Working Directory"));
  OTGUARD_ASSIGN_OR_RETURN(task.author, ReadCountedString(data, &offset, "Author"));
  (void)working_dir;
  task.actions.push_back(std::move(action));
  OTGUARD_ASSIGN_OR_RETURN(task.schedule,
                           ReadJobTriggers(data, *ReadLe16(data, kJobTriggerOffsetOffset)));
  return task;
}

}  // namespace otguard::platform::internal
