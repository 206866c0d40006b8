// What the running kernel says about its own hardening: the facts of the audit's kernel checks,
// read without netlink (Linux: /proc and /sys). Live host only.
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_PLATFORM_KERNEL_H_
#define OTGUARD_PLATFORM_KERNEL_H_

#include <string>

#include "otguard/base/status.h"

namespace otguard::platform {

// A sysctl's value as the kernel writes it ("2\n" for "kernel.randomize_va_space"). NotFound
// when the kernel has no such setting; Unimplemented on Windows.
Result<std::string> ReadSysctl(const std::string& name);

// The kernel's list of loaded modules, one a line as "name size refcount deps state address"
// (proc(5) /proc/modules). Unimplemented on Windows.
Result<std::string> ReadLoadedModules();

// The iptables tables the kernel has set up, one name a line (IPv4, or IPv6 with ipv6=true).
// NotFound when the iptables module is not loaded; Unimplemented on Windows.
Result<std::string> ReadIpTablesNames(bool ipv6);

// True when the kernel has module `name`, built in or loaded (/sys/module/<name>). False on
// Windows.
bool KernelHasModule(const std::string& name);

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_KERNEL_H_
