#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sigdb/image.h"
#include "sigdb/io.h"

namespace otguard::sigdb {
namespace {

class VectorStorage final : public ImageStorage {
 public:
  explicit VectorStorage(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  const uint8_t* data() const override { return bytes_.data(); }
  size_t size() const override { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
};

class MappedStorage final : public ImageStorage {
 public:
  MappedStorage(void* addr, size_t size) : addr_(addr), size_(size) {}
  ~MappedStorage() override { munmap(addr_, size_); }
  MappedStorage(const MappedStorage&) = delete;
  MappedStorage& operator=(const MappedStorage&) = delete;
  const uint8_t* data() const override { return static_cast<const uint8_t*>(addr_); }
  size_t size() const override { return size_; }

 private:
  void* addr_;
  size_t size_;
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::unique_ptr<ImageStorage> OwnedStorage(std::vector<uint8_t> bytes) {
  return std::make_unique<VectorStorage>(std::move(bytes));
}

Result<std::unique_ptr<ImageStorage>> MapFile(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Unexpected(ErrnoToStatus(errno, "open " + path));
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Unexpected(ErrnoToStatus(errno, "stat " + path));
  if (!S_ISREG(st.st_mode)) return Unexpected(InvalidArgument(path + " is not a regular file"));
  if (st.st_size == 0) return OwnedStorage({});
  void* addr = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (addr == MAP_FAILED) return Unexpected(ErrnoToStatus(errno, "mmap " + path));
  return std::make_unique<MappedStorage>(addr, static_cast<size_t>(st.st_size));
}

Status WriteFileAtomically(const std::string& path, ByteSpan bytes) {
  std::string tmp = path + ".tmp.XXXXXX";
  Fd fd(mkstemp(tmp.data()));
  if (fd.get() < 0) return ErrnoToStatus(errno, "create " + tmp);
  const uint8_t* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = write(fd.get(), p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = ErrnoToStatus(errno, "write " + tmp);
      unlink(tmp.c_str());
      return s;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (fchmod(fd.get(), 0644) != 0 || fsync(fd.get()) != 0 ||
      rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = ErrnoToStatus(errno, "save " + path);
    unlink(tmp.c_str());
    return s;
  }
  // Make the rename itself durable.
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  Fd dfd(open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) (void)fsync(dfd.get());
  return Status();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected(ErrnoToStatus(errno, "open " + path));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Unexpected(IoError("read " + path));
  return ss.str();
}

}  // namespace otguard::sigdb
