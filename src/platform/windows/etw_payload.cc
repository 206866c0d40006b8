// Microsoft-Windows-Kernel-Process event payloads (ParseKernelProcessEvent): pure, no OS call,
// so that it is tested without ETW (Wine has none) and bad input cannot crash the agent.
//
// The fields, per event version, from the provider's manifest (public facts, as listed e.g.
// by the OSSEM project's data dictionaries). Every field is packed, little-endian:
//   ProcessStart (1)  v0:     ProcessID u32, CreateTime FILETIME, ParentProcessID u32,
//                             SessionID u32, ImageName UTF-16 NUL-terminated
//                     v1, v2: as v0 with Flags u32 before ImageName (v2 appends fields after)
//                     v3:     ProcessID u32, ProcessSequenceNumber u64, CreateTime FILETIME,
//                             ParentProcessID u32, ParentProcessSequenceNumber u64,
//                             SessionID u32, Flags u32, ProcessTokenElevationType u32,
//                             ProcessTokenIsElevated u32, MandatoryLabel SID, ImageName ...
//   ProcessStop (2)   v0, v1: ProcessID u32, CreateTime FILETIME, ExitTime FILETIME,
//                             ExitCode u32, ...
//                     v2:     ProcessID u32, ProcessSequenceNumber u64, CreateTime, ExitTime,
//                             ExitCode u32, ...
// Later versions are read with the latest known layout (versions so far only appended fields
// or inserted them near the start, which a new version number announces).
//
// The NT Kernel Logger's Process events (MOF class Process, ParseKernelLoggerProcessEvent),
// from Microsoft's MOF class documentation (Process_V1_TypeGroup1 ... Process_TypeGroup1):
//   v1 (XP, 2003):  PageDirectoryBase ptr, ProcessId u32, ParentId u32, SessionId u32,
//                   ExitStatus s32, UserSID, ImageFileName (8-bit, NUL-terminated)
//   v2 (Vista):     UniqueProcessKey ptr, then as v1, then CommandLine (UTF-16, NUL-terminated)
//   v3 (7):         as v2 with DirectoryTableBase ptr after ExitStatus
//   v4 (8 and later): as v3 with Flags u32 after DirectoryTableBase (fields appended after)
// "ptr" is the logging kernel's pointer size (4 or 8), whatever the consumer's. UserSID is a
// TOKEN_USER (two pointers) followed by the SID, or a single u32 0 when there is none (the rule
// of Microsoft's "Retrieving Event Data Using MOF" sample). ImageFileName is the image's base
// name only, at most 15 characters on XP.
#include <cstring>

#include "platform/windows/process_events_internal.h"

namespace otguard::platform::windows_internal {

namespace {

class PayloadReader {
 public:
  PayloadReader(const unsigned char* data, size_t size) : data_(data), size_(size) {}

  bool ok() const { return ok_; }

  void Skip(size_t n) {
    if (n > size_ - pos_) {
      ok_ = false;
      pos_ = size_;
      return;
    }
    pos_ += n;
  }

  uint32_t U32() {
    uint32_t v = 0;
    Copy(&v, sizeof v);
    return v;
  }

  uint64_t U64() {
    uint64_t v = 0;
    Copy(&v, sizeof v);
    return v;
  }

  // FILETIME (100 ns ticks since 1601) to ns since the Unix epoch; 0 stays 0.
  int64_t FileTimeNs() {
    uint64_t ticks = U64();
    constexpr uint64_t kEpochDelta = 116444736000000000ULL;  // 1601 to 1970, in 100 ns
    if (ticks < kEpochDelta) return 0;
    uint64_t since = ticks - kEpochDelta;
    if (since > static_cast<uint64_t>(INT64_MAX) / 100) return 0;
    return static_cast<int64_t>(since * 100);
  }

  // ETW's "Sid" extension: a u32 0 for none, else a TOKEN_USER of two pointers, then the SID.
  void SkipTokenUserSid(size_t pointer_size) {
    if (size_ - pos_ >= 4 && data_[pos_] == 0 && data_[pos_ + 1] == 0 && data_[pos_ + 2] == 0 &&
        data_[pos_ + 3] == 0) {
      Skip(4);
      return;
    }
    Skip(2 * pointer_size);
    SkipSid();
  }

  // An 8-bit string up to its NUL (or the payload's end); bytes above 0x7F (the system's ANSI
  // code page, unknown here) become '?'.
  std::string NarrowString() {
    std::string out;
    while (pos_ < size_) {
      unsigned char c = data_[pos_++];
      if (c == 0) break;
      out.push_back(c < 0x80 ? static_cast<char>(c) : '?');
    }
    return out;
  }

  // A SID: revision, sub-authority count n, 6-byte authority, n u32 sub-authorities.
  void SkipSid() {
    if (size_ - pos_ < 8) {
      ok_ = false;
      pos_ = size_;
      return;
    }
    Skip(8 + 4 * static_cast<size_t>(data_[pos_ + 1]));
  }

  // UTF-16LE up to its NUL (or the payload's end), as UTF-8 (a lone surrogate becomes U+FFFD).
  std::string Utf16String() {
    std::u16string wide;
    while (size_ - pos_ >= 2) {
      char16_t c = static_cast<char16_t>(data_[pos_] | (data_[pos_ + 1] << 8));
      pos_ += 2;
      if (c == 0) break;
      wide.push_back(c);
    }
    std::string out;
    for (size_t i = 0; i < wide.size(); ++i) {
      uint32_t cp = wide[i];
      if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < wide.size() && wide[i + 1] >= 0xDC00 &&
          wide[i + 1] <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (wide[++i] - 0xDC00);
      } else if (cp >= 0xD800 && cp <= 0xDFFF) {
        cp = 0xFFFD;
      }
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    }
    return out;
  }

 private:
  void Copy(void* out, size_t n) {
    if (n > size_ - pos_) {
      ok_ = false;
      pos_ = size_;
      return;
    }
    std::memcpy(out, data_ + pos_, n);
    pos_ += n;
  }

  const unsigned char* data_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

std::optional<ProcessEvent> ParseKernelProcessEvent(uint16_t id, uint8_t version,
                                                    const unsigned char* data, size_t size) {
  if (data == nullptr) size = 0;
  PayloadReader r(data, size);
  ProcessEvent e;
  if (id == 1) {
    e.kind = ProcessEventKind::kStart;
    e.complete = false;  // the NT path only, until the process is opened
    e.pid = r.U32();
    if (version >= 3) r.Skip(8);  // ProcessSequenceNumber
    e.start_time_ns = r.FileTimeNs();
    e.ppid = r.U32();
    if (version >= 3) r.Skip(8);  // ParentProcessSequenceNumber
    r.Skip(4);                    // SessionID
    if (version >= 1) r.Skip(4);  // Flags
    if (version >= 3) {
      r.Skip(8);  // ProcessTokenElevationType, ProcessTokenIsElevated
      r.SkipSid();
    }
    if (!r.ok()) return std::nullopt;
    e.executable = r.Utf16String();
    return e;
  }
  if (id == 2) {
    e.kind = ProcessEventKind::kExit;
    e.pid = r.U32();
    if (version >= 2) r.Skip(8);  // ProcessSequenceNumber
    e.start_time_ns = r.FileTimeNs();
    r.Skip(8);  // ExitTime
    e.exit_code = static_cast<int>(r.U32());
    if (!r.ok()) return std::nullopt;
    return e;
  }
  return std::nullopt;
}

std::optional<ProcessEvent> ParseKernelLoggerProcessEvent(uint8_t type, uint8_t version,
                                                          size_t pointer_size,
                                                          const unsigned char* data, size_t size) {
  if (type != 1 && type != 2) return std::nullopt;  // DCStart/DCEnd rundowns, Defunct: not events
  if (version < 1 || (pointer_size != 4 && pointer_size != 8)) return std::nullopt;
  if (data == nullptr) size = 0;
  PayloadReader r(data, size);
  r.Skip(pointer_size);  // PageDirectoryBase (v1) or UniqueProcessKey
  ProcessEvent e;
  e.kind = type == 1 ? ProcessEventKind::kStart : ProcessEventKind::kExit;
  e.complete = false;  // a base name at most, until the process is opened
  e.pid = r.U32();
  e.ppid = r.U32();
  r.Skip(4);  // SessionId
  const int exit_status = static_cast<int>(r.U32());
  if (version >= 3) r.Skip(pointer_size);  // DirectoryTableBase
  if (version >= 4) r.Skip(4);             // Flags
  r.SkipTokenUserSid(pointer_size);
  if (!r.ok()) return std::nullopt;
  e.executable = r.NarrowString();
  if (version >= 2) e.command_line = r.Utf16String();
  if (type == 2) e.exit_code = exit_status;
  return e;
}

}  // namespace otguard::platform::windows_internal
