// The "proc-connector" process-event source: the kernel's process events over netlink
// (NETLINK_CONNECTOR, CN_IDX_PROC), the interface forkstat uses. Needs CAP_NET_ADMIN and the
// host's pid namespace.
//
// An exec event carries only the pid: the rest is read from /proc/<pid> right away, and a
// process that has already ended by then is reported with complete = false and no path. When
// the socket's buffer overflows the kernel drops messages and says so with ENOBUFS: counted
// as lost, and the socket goes on. Only messages from the kernel (netlink port 0) are read.
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "platform/linux/process_events_internal.h"

namespace otguard::platform::linux_internal {
namespace {

// The socket's receive buffer: about 6,000 exec/exit messages of a burst wait here for Next().
constexpr int kReceiveBufferBytes = 1 << 20;

class ProcConnectorSource final : public ProcessEventSource {
 public:
  explicit ProcConnectorSource(std::chrono::milliseconds interval) : interval_(interval) {}
  ~ProcConnectorSource() override {
    if (fd_ >= 0) {
      (void)Subscribe(PROC_CN_MCAST_IGNORE);  // the kernel counts listeners
      close(fd_);
    }
  }

  Status Init() {
    if (!stop_.valid()) return ErrnoToStatus(errno, "eventfd");
    fd_ = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (fd_ < 0) return ErrnoToStatus(errno, "netlink connector socket");
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &kReceiveBufferBytes, sizeof kReceiveBufferBytes);
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    addr.nl_pid = 0;  // the kernel assigns a port
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return ErrnoToStatus(errno, "bind netlink connector (CN_IDX_PROC)");
    }
    OTGUARD_RETURN_IF_ERROR(Subscribe(PROC_CN_MCAST_LISTEN));
    return AwaitAck();
  }

  const char* name() const override { return "proc-connector"; }
  uint64_t lost_events() const override { return lost_; }
  void Stop() override { stop_.Raise(); }

  Result<std::vector<ProcessEvent>> Next() override {
    std::vector<ProcessEvent> events = std::move(pending_);
    pending_.clear();
    if (!events.empty()) return events;
    OTGUARD_ASSIGN_OR_RETURN(bool readable, WaitReadable(fd_, stop_, interval_));
    if (!readable) return events;
    OTGUARD_RETURN_IF_ERROR(Drain(&events));
    return events;
  }

 private:
  // Reads what the socket holds (at most kMaxEventsPerBatch events) into *events.
  Status Drain(std::vector<ProcessEvent>* events) {
    alignas(nlmsghdr) char buf[16384];
    while (events->size() < kMaxEventsPerBatch && !stop_.raised()) {
      sockaddr_nl from{};
      socklen_t from_len = sizeof from;
      ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == ENOBUFS) {
        ++lost_;  // the kernel dropped at least one message; how many it does not say
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0) return ErrnoToStatus(errno, "recv netlink connector");
      if (from.nl_pid != 0) continue;  // not from the kernel
      Parse(buf, static_cast<size_t>(n), events);
    }
    return Status();
  }

  // The kernel answers a subscription with an acknowledgement (an event of kind NONE carrying
  // the error). Without one the subscription went nowhere: the kernel ignores subscribers
  // outside the host's user and pid namespaces (a container), which would otherwise look
  // like a quiet host. Events that arrive meanwhile are kept for the first Next().
  Status AwaitAck() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (ack_error_ < 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      OTGUARD_ASSIGN_OR_RETURN(bool readable, WaitReadable(fd_, stop_, left));
      if (!readable) break;
      OTGUARD_RETURN_IF_ERROR(Drain(&pending_));
    }
    if (ack_error_ < 0) {
      return FailedPrecondition(
          "proc connector: the kernel did not acknowledge the subscription (it answers only "
          "in the host's user and pid namespaces, not in a container)");
    }
    if (ack_error_ == EPERM || ack_error_ == EACCES) {
      return PermissionDenied("proc connector: subscribing needs CAP_NET_ADMIN");
    }
    if (ack_error_ != 0) return ErrnoToStatus(ack_error_, "proc connector: subscribe");
    return Status();
  }

  Status Subscribe(proc_cn_mcast_op op) {
    // nlmsghdr, cn_msg (whose data is a flexible array) and the operation, back to back.
    alignas(nlmsghdr) char request[NLMSG_SPACE(sizeof(cn_msg) + sizeof(proc_cn_mcast_op))] = {};
    auto* header = reinterpret_cast<nlmsghdr*>(request);
    header->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_cn_mcast_op));
    header->nlmsg_type = NLMSG_DONE;
    header->nlmsg_pid = static_cast<uint32_t>(getpid());
    auto* message = static_cast<cn_msg*>(NLMSG_DATA(header));
    message->id.idx = CN_IDX_PROC;
    message->id.val = CN_VAL_PROC;
    message->len = sizeof(proc_cn_mcast_op);
    std::memcpy(message->data, &op, sizeof op);
    if (send(fd_, request, header->nlmsg_len, 0) < 0) {
      return ErrnoToStatus(errno, "subscribe to the proc connector");
    }
    return Status();
  }

  void Parse(const char* buf, size_t size, std::vector<ProcessEvent>* events) {
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf); NLMSG_OK(h, size);
         h = NLMSG_NEXT(h, size)) {
      if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP) continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_event))) continue;
      auto* msg = static_cast<const cn_msg*>(NLMSG_DATA(h));
      if (msg->id.idx != CN_IDX_PROC || msg->id.val != CN_VAL_PROC) continue;
      proc_event ev;
      std::memcpy(&ev, msg->data, sizeof ev);
      Add(ev, events);
    }
  }

  void Add(const proc_event& ev, std::vector<ProcessEvent>* events) {
    ProcessEvent out;
    out.time_ns = RealtimeNs();
    if (ev.what == proc_event::PROC_EVENT_EXEC) {
      out.pid = ev.event_data.exec.process_tgid;
      FillFromProc(&reader_, &out);
    } else if (ev.what == proc_event::PROC_EVENT_NONE) {
      ack_error_ = static_cast<int>(ev.event_data.ack.err);
      return;
    } else if (ev.what == proc_event::PROC_EVENT_EXIT) {
      // One per thread; the thread group leader's is the process's.
      if (ev.event_data.exit.process_pid != ev.event_data.exit.process_tgid) return;
      out.kind = ProcessEventKind::kExit;
      out.pid = ev.event_data.exit.process_tgid;
      out.exit_code = DecodeWaitStatus(static_cast<int>(ev.event_data.exit.exit_code));
    } else {
      return;
    }
    events->push_back(std::move(out));
  }

  std::chrono::milliseconds interval_;
  StopSignal stop_;
  ProcessReader reader_;
  int fd_ = -1;
  uint64_t lost_ = 0;
  int ack_error_ = -1;  // -1 until the kernel acknowledges the subscription
  std::vector<ProcessEvent> pending_;
};

}  // namespace

Result<std::unique_ptr<ProcessEventSource>> OpenProcConnectorSource(
    const ProcessEventSourceOptions& options) {
  auto source = std::make_unique<ProcConnectorSource>(options.poll_interval);
  OTGUARD_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<ProcessEventSource>(std::move(source));
}

}  // namespace otguard::platform::linux_internal
