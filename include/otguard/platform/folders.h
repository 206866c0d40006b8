// Where otguard keeps its own files on this OS.
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_PLATFORM_FOLDERS_H_
#define OTGUARD_PLATFORM_FOLDERS_H_

#include <string>

namespace otguard::platform {

// The machine-wide folder for what otguard keeps between runs (the quarantine store): Linux
// /var/lib/otguard; Windows <common application data>\otguard (C:\ProgramData\otguard; on XP
// C:\Documents and Settings\All Users\Application Data\otguard). Not created here.
std::string ProgramDataDir();

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_FOLDERS_H_
