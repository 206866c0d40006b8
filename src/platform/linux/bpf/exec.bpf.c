// Process starts and exits for the agent's "ebpf" observation source (process_events_ebpf.cc).
//
// Raw tracepoints sched_process_exec and sched_process_exit: attached by name, so they need no
// tracefs mount (a classic tracepoint needs its id from tracefs, which a host may not mount),
// and no kprobes (some kernels have none). The arguments are kernel pointers: fields are read
// with CO-RE (the structs below carry only the fields used, preserve_access_index), so this
// object is built without any kernel's headers or BTF and libbpf fits it to the running
// kernel's BTF at load time. A kernel without BTF fails the load, and the agent falls back.
//
// Everything goes to one ring buffer of fixed size; when it is full the event is dropped and
// counted (user space reports the count as lost events), never waited for.
#include <linux/bpf.h>
#include <linux/types.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "exec_event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// Only the fields used; CO-RE relocates each access to the running kernel's layout.
typedef struct {
  unsigned int val;
} kuid_t;

struct cred {
  kuid_t euid;
} __attribute__((preserve_access_index));

struct mm_struct {
  unsigned long arg_start;
  unsigned long arg_end;
} __attribute__((preserve_access_index));

struct task_struct {
  struct mm_struct* mm;
  int pid;
  int tgid;
  int exit_code;
  unsigned long long start_boottime;
  struct task_struct* real_parent;
  const struct cred* cred;
} __attribute__((preserve_access_index));

struct linux_binprm {
  const char* filename;
} __attribute__((preserve_access_index));

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);  // bytes; user space may resize before load
} events SEC(".maps");

// Events the ring buffer had no room for.
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} lost SEC(".maps");

static void count_lost(void) {
  __u32 key = 0;
  __u64* count = bpf_map_lookup_elem(&lost, &key);
  if (count) *count += 1;
}

static void fill_header(struct otguard_exec_header* h, struct task_struct* task,
                        unsigned int kind) {
  h->kind = kind;
  h->pid = BPF_CORE_READ(task, tgid);
  h->ppid = BPF_CORE_READ(task, real_parent, tgid);
  h->uid = BPF_CORE_READ(task, cred, euid.val);
  h->time_boot_ns = bpf_ktime_get_boot_ns();
  h->start_boot_ns = BPF_CORE_READ(task, start_boottime);
}

// TP_PROTO(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm). It fires when the
// new program is set up: its arguments are in place in the new address space.
SEC("raw_tp/sched_process_exec")
int otguard_exec(struct bpf_raw_tracepoint_args* ctx) {
  struct task_struct* task = (struct task_struct*)ctx->args[0];
  struct linux_binprm* bprm = (struct linux_binprm*)ctx->args[2];
  struct otguard_exec_record* e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    count_lost();
    return 0;
  }
  fill_header(&e->header, task, OTGUARD_EXEC_START);
  const char* filename = BPF_CORE_READ(bprm, filename);
  if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename) < 0) {
    e->filename[0] = '\0';
  }
  unsigned long start = BPF_CORE_READ(task, mm, arg_start);
  unsigned long size = BPF_CORE_READ(task, mm, arg_end) - start;
  // At most OTGUARD_EXEC_ARGS_MAX - 1 bytes: the mask (a power of two less one) is what lets
  // the verifier see the read's bound.
  e->args_truncated = size > OTGUARD_EXEC_ARGS_MAX - 1;
  if (size > OTGUARD_EXEC_ARGS_MAX - 1) size = OTGUARD_EXEC_ARGS_MAX - 1;
  size &= OTGUARD_EXEC_ARGS_MAX - 1;
  e->args_len = 0;
  if (size > 0 && bpf_probe_read_user(e->args, size, (const void*)start) == 0) {
    e->args_len = size;
  }
  bpf_ringbuf_submit(e, 0);
  return 0;
}

// TP_PROTO(struct task_struct *p, ...): fires for every exiting thread; only the thread group
// leader's exit is the process's.
SEC("raw_tp/sched_process_exit")
int otguard_exit(struct bpf_raw_tracepoint_args* ctx) {
  struct task_struct* task = (struct task_struct*)ctx->args[0];
  if (BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid)) return 0;
  struct otguard_exit_record* e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    count_lost();
    return 0;
  }
  fill_header(&e->header, task, OTGUARD_EXEC_EXIT);
  e->exit_code = BPF_CORE_READ(task, exit_code);
  e->pad = 0;
  bpf_ringbuf_submit(e, 0);
  return 0;
}
