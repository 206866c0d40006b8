// The names of platform enums as they appear in events and output: the same on every OS.
#include "otguard/platform/autoruns.h"
#include "otguard/platform/registry.h"
#include "otguard/platform/services.h"
#include "otguard/platform/signer.h"
#include "otguard/platform/sockets.h"

namespace otguard::platform {

const char* ServiceStateName(ServiceState state) {
  switch (state) {
    case ServiceState::kStopped:
      return "stopped";
    case ServiceState::kStartPending:
      return "start_pending";
    case ServiceState::kStopPending:
      return "stop_pending";
    case ServiceState::kRunning:
      return "running";
    case ServiceState::kContinuePending:
      return "continue_pending";
    case ServiceState::kPausePending:
      return "pause_pending";
    case ServiceState::kPaused:
      return "paused";
    case ServiceState::kUnknown:
      break;
  }
  return "unknown";
}

const char* ServiceStartTypeName(ServiceStartType type) {
  switch (type) {
    case ServiceStartType::kBoot:
      return "boot";
    case ServiceStartType::kSystem:
      return "system";
    case ServiceStartType::kAutomatic:
      return "auto";
    case ServiceStartType::kManual:
      return "manual";
    case ServiceStartType::kDisabled:
      return "disabled";
    case ServiceStartType::kUnknown:
      break;
  }
  return "unknown";
}

const char* RegistryHiveName(RegistryHive hive) {
  switch (hive) {
    case RegistryHive::kLocalMachine:
      return "HKLM";
    case RegistryHive::kCurrentUser:
      return "HKCU";
    case RegistryHive::kUsers:
      return "HKU";
    case RegistryHive::kClassesRoot:
      return "HKCR";
  }
  return "?";
}

const char* SignatureStateName(SignatureState state) {
  switch (state) {
    case SignatureState::kUnsigned:
      return "unsigned";
    case SignatureState::kTrusted:
      return "trusted";
    case SignatureState::kUntrusted:
      return "untrusted";
    case SignatureState::kInvalid:
      return "invalid";
  }
  return "unknown";
}

const char* SocketProtocolName(SocketProtocol protocol) {
  return protocol == SocketProtocol::kTcp ? "tcp" : "udp";
}

const char* AutorunKindName(AutorunKind kind) {
  switch (kind) {
    case AutorunKind::kRunKey:
      return "run-key";
    case AutorunKind::kWinlogon:
      return "winlogon";
    case AutorunKind::kStartupFolder:
      return "startup-folder";
    case AutorunKind::kScheduledTask:
      return "scheduled-task";
    case AutorunKind::kService:
      return "service";
    case AutorunKind::kCron:
      return "cron";
    case AutorunKind::kSystemdTimer:
      return "systemd-timer";
    case AutorunKind::kRcScript:
      return "rc-script";
  }
  return "unknown";
}

}  // namespace otguard::platform
