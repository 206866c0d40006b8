// The records the BPF program (exec.bpf.c) writes to its ring buffer and
// process_events_ebpf.cc reads: plain C, fixed-size fields, the same layout on both sides.
#ifndef OTGUARD_SRC_PLATFORM_LINUX_BPF_EXEC_EVENT_H_
#define OTGUARD_SRC_PLATFORM_LINUX_BPF_EXEC_EVENT_H_

#define OTGUARD_EXEC_FILENAME_MAX 512
#define OTGUARD_EXEC_ARGS_MAX 1024

enum otguard_exec_kind { OTGUARD_EXEC_START = 1, OTGUARD_EXEC_EXIT = 2 };

// Both records start with this.
struct otguard_exec_header {
  unsigned int kind;                 // enum otguard_exec_kind
  unsigned int pid;                  // the thread group (process) id
  unsigned int ppid;                 // the real parent's thread group id
  unsigned int uid;                  // effective uid
  unsigned long long time_boot_ns;   // when the tracepoint fired, CLOCK_BOOTTIME
  unsigned long long start_boot_ns;  // the task's start, CLOCK_BOOTTIME
};

struct otguard_exit_record {
  struct otguard_exec_header header;
  int exit_code;  // wait(2) status
  unsigned int pad;
};

struct otguard_exec_record {
  struct otguard_exec_header header;
  unsigned int args_len;        // bytes of `args` read (0: none)
  unsigned int args_truncated;  // 1: the argument area was longer than `args`
  // The path given to execve(2), as the kernel keeps it (may be relative); NUL-terminated.
  char filename[OTGUARD_EXEC_FILENAME_MAX];
  // The start of the new program's arguments, NUL-separated as in /proc/<pid>/cmdline.
  char args[OTGUARD_EXEC_ARGS_MAX];
};

#endif  // OTGUARD_SRC_PLATFORM_LINUX_BPF_EXEC_EVENT_H_
