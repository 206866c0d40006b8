// File access for the signature database: the read-only mapping of a compiled database and
// its atomic replacement, through src/platform.
#ifndef OTGUARD_SRC_SIGDB_IO_H_
#define OTGUARD_SRC_SIGDB_IO_H_

#include <string>

#include "otguard/base/bytes.h"
#include "otguard/base/status.h"

namespace otguard::sigdb {

// Writes `bytes` to a temporary file beside `path`, fsyncs it and renames it over `path`, so
// a reader sees the old or the new database, never a torn one.
Status WriteFileAtomically(const std::string& path, ByteSpan bytes);
// Reads a whole (text) file.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace otguard::sigdb

#endif  // OTGUARD_SRC_SIGDB_IO_H_
