// FileView on Linux: mmap with a SIGBUS handler that turns a page lost to truncation into a
// page of zeros. SIGBUS for a mapped file is synchronous and delivered to the faulting
// thread, so the handler only has to know the faulting thread's own view (thread_local).
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>

#include "otguard/platform/files.h"

namespace otguard::platform {
namespace {

struct ActiveView {
  uintptr_t begin = 0;
  uintptr_t end = 0;
  bool faulted = false;
};
thread_local ActiveView t_view;

struct sigaction g_previous_sigbus;
uintptr_t g_page_size = 4096;  // set before the handler is installed (sysconf is not
                               // async-signal-safe)

void OnSigbus(int sig, siginfo_t* info, void* context) {
  auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  if (t_view.begin != 0 && addr >= t_view.begin && addr < t_view.end) {
    // Replace the lost page with zeros and let the faulting instruction run again.
    void* page = reinterpret_cast<void*>(addr & ~(g_page_size - 1));
    if (mmap(page, g_page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
        MAP_FAILED) {
      t_view.faulted = true;
      return;
    }
  }
  // Not ours: behave as if we had never been installed.
  sigaction(SIGBUS, &g_previous_sigbus, nullptr);
  if (g_previous_sigbus.sa_flags & SA_SIGINFO) {
    if (g_previous_sigbus.sa_sigaction != nullptr)
      g_previous_sigbus.sa_sigaction(sig, info, context);
  } else if (g_previous_sigbus.sa_handler != SIG_DFL && g_previous_sigbus.sa_handler != SIG_IGN) {
    g_previous_sigbus.sa_handler(sig);
  }
  // Returning re-runs the access, which now meets the previous (default) disposition.
}

Status InstallHandlerOnce() {
  static std::once_flag once;
  static int error = 0;
  std::call_once(once, [] {
    g_page_size = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    struct sigaction action = {};
    action.sa_sigaction = OnSigbus;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGBUS, &action, &g_previous_sigbus) != 0) error = errno;
  });
  if (error != 0) return ErrnoToStatus(error, "sigaction SIGBUS");
  return Status::Ok();
}

}  // namespace

Result<FileView> FileView::Map(const ReadOnlyFile& file, uint64_t size) {
  if (size == 0) return FileView(nullptr, 0);
  if (t_view.begin != 0) return Unexpected(FailedPrecondition("this thread already maps a file"));
  if (size > SIZE_MAX) return Unexpected(ResourceExhausted("file too large to map"));
  OTGUARD_RETURN_IF_ERROR(InstallHandlerOnce());
  void* addr =
      mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, file.fd_, 0);
  if (addr == MAP_FAILED) return Unexpected(ErrnoToStatus(errno, "mmap"));
  t_view.begin = reinterpret_cast<uintptr_t>(addr);
  t_view.end = t_view.begin + static_cast<uintptr_t>(size);
  t_view.faulted = false;
  return FileView(static_cast<const uint8_t*>(addr), static_cast<size_t>(size));
}

FileView::FileView(FileView&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

FileView::~FileView() {
  if (data_ == nullptr) return;
  munmap(const_cast<uint8_t*>(data_), size_);
  t_view = ActiveView{};
}

bool FileView::truncated() const { return data_ != nullptr && t_view.faulted; }

}  // namespace otguard::platform
