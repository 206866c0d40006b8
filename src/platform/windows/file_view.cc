// STUB: replaced by the Windows implementation.
#include "otguard/platform/files.h"
namespace otguard::platform {
Result<FileView> FileView::Map(const ReadOnlyFile&, uint64_t) {
  return Unexpected(Unimplemented("TODO"));
}
FileView::FileView(FileView&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}
FileView::~FileView() = default;
bool FileView::truncated() const { return false; }
}  // namespace otguard::platform
