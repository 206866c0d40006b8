// A service for the services test to install and start under the SCM (Wine's, in the test):
//   service_child DIR EXIT_CODE
// runs RunAsService; its body creates DIR\running, waits for the stop request, creates
// DIR\stopped and returns EXIT_CODE (which the SCM then reports as the service's exit code).
#include <windows.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "otguard/platform/services.h"

namespace {

bool CreateMarker(const std::wstring& path) {
  HANDLE h = CreateFileW(path.c_str(), GENERIC_WRITE, FILE_SHARE_READ, nullptr, CREATE_ALWAYS,
                         FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return false;
  CloseHandle(h);
  return true;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  if (argc != 3) return 2;
  const std::wstring dir = argv[1];
  const int exit_code = _wtoi(argv[2]);
  otguard::Status status =
      otguard::platform::RunAsService("otguard-service-child", [&](otguard::StopSignal& stop) {
        if (!CreateMarker(dir + L"\\running")) return 10;
        while (!stop.WaitFor(std::chrono::seconds(60))) {
        }
        if (!CreateMarker(dir + L"\\stopped")) return 11;
        return exit_code;
      });
  // Outside the SCM (FailedPrecondition) this says why; under the SCM nobody reads it.
  if (!status.ok() && status.code() != otguard::StatusCode::kAborted) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 3;
  }
  return 0;
}
