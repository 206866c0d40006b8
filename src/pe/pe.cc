#include "otguard/pe/pe.h"

namespace otguard::pe {
bool LooksLikePe(ByteSpan file) { return false; }
Result<Image> Parse(ByteSpan file) { return Unexpected(Unimplemented("pe parser")); }
}  // namespace otguard::pe
