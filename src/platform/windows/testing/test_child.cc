// A program the Windows tests start as another process (under Wine). Modes:
//   test_child sleep SECONDS              lives that long (a process to find by pid and parent)
//   test_child hold FILE READY SECONDS    opens FILE with no sharing at all, then creates READY
//                                         and keeps FILE open that long (a file another
//                                         program holds exclusively)
//   test_child listen READY SECONDS [PORT]  listens on 127.0.0.1 port PORT (default 0: any),
//                                         writes the port to READY, keeps listening that long
//   test_child connect PORT SECONDS       connects to 127.0.0.1:PORT and keeps the connection
//   test_child spawn SECONDS CHILD ARGS...  starts CHILD ARGS as its child, then sleeps
//   test_child start-type SERVICE auto|demand|disabled  sets a service's start type through
//                                         the SCM (Wine's sc.exe has no `config`)
// It ends early when its stdin... never: tests end it with TerminateProcess or wineserver -k.
#include <winsock2.h>  // before windows.h

#include <windows.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

int Usage() {
  std::fprintf(stderr, "usage: test_child sleep|hold|listen|spawn ...\n");
  return 2;
}

bool WriteReady(const wchar_t* path, const std::string& text) {
  HANDLE h = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ, nullptr, CREATE_ALWAYS,
                         FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return false;
  DWORD written = 0;
  WriteFile(h, text.data(), static_cast<DWORD>(text.size()), &written, nullptr);
  CloseHandle(h);
  return written == text.size();
}

DWORD Millis(const wchar_t* seconds) { return static_cast<DWORD>(_wtoi(seconds)) * 1000; }

int Hold(const wchar_t* file, const wchar_t* ready, const wchar_t* seconds) {
  HANDLE h = CreateFileW(file, GENERIC_READ | GENERIC_WRITE, 0 /* no sharing */, nullptr,
                         OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return 3;
  if (!WriteReady(ready, "held")) return 4;
  Sleep(Millis(seconds));
  CloseHandle(h);
  return 0;
}

// A TCP socket and 127.0.0.1:`port` (0: any); INVALID_SOCKET when Winsock is unusable.
SOCKET LoopbackSocket(u_short port, sockaddr_in* addr) {
  WSADATA wsa;
  if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return INVALID_SOCKET;
  *addr = sockaddr_in{};
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr->sin_port = htons(port);
  return socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
}

int Listen(const wchar_t* ready, const wchar_t* seconds, const wchar_t* port) {
  sockaddr_in addr;
  SOCKET s = LoopbackSocket(static_cast<u_short>(port ? _wtoi(port) : 0), &addr);
  if (s == INVALID_SOCKET) return 3;
  if (bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(s, 4) != 0) {
    return 4;
  }
  int len = sizeof(addr);
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  if (!WriteReady(ready, std::to_string(ntohs(addr.sin_port)))) return 5;
  Sleep(Millis(seconds));
  closesocket(s);
  return 0;
}

int Connect(const wchar_t* port, const wchar_t* seconds) {
  sockaddr_in addr;
  SOCKET s = LoopbackSocket(static_cast<u_short>(_wtoi(port)), &addr);
  if (s == INVALID_SOCKET) return 3;
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return 4;
  Sleep(Millis(seconds));
  closesocket(s);
  return 0;
}

int Spawn(int argc, wchar_t** argv) {
  // argv: test_child spawn SECONDS CHILD ARGS...
  std::wstring command_line;
  for (int i = 3; i < argc; ++i) {
    if (!command_line.empty()) command_line += L' ';
    command_line += L'"' + std::wstring(argv[i]) + L'"';
  }
  STARTUPINFOW si{};
  si.cb = sizeof(si);
  PROCESS_INFORMATION pi{};
  if (!CreateProcessW(nullptr, command_line.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr,
                      &si, &pi)) {
    return 3;
  }
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  Sleep(Millis(argv[2]));
  return 0;
}

int StartType(const wchar_t* service, const std::wstring& type) {
  const DWORD start = type == L"auto"       ? SERVICE_AUTO_START
                      : type == L"demand"   ? SERVICE_DEMAND_START
                      : type == L"disabled" ? SERVICE_DISABLED
                                            : 0;
  if (start == 0) return Usage();
  SC_HANDLE scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
  SC_HANDLE s = scm ? OpenServiceW(scm, service, SERVICE_CHANGE_CONFIG) : nullptr;
  const bool ok = s && ChangeServiceConfigW(s, SERVICE_NO_CHANGE, start, SERVICE_NO_CHANGE, nullptr,
                                            nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  const DWORD error = ok ? 0 : GetLastError();
  if (s) CloseServiceHandle(s);
  if (scm) CloseServiceHandle(scm);
  if (!ok) std::fprintf(stderr, "start-type: error %lu\n", error);
  return ok ? 0 : 1;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  if (argc < 2) return Usage();
  std::wstring mode = argv[1];
  if (mode == L"sleep" && argc >= 3) {
    Sleep(Millis(argv[2]));
    return 0;
  }
  if (mode == L"hold" && argc >= 5) return Hold(argv[2], argv[3], argv[4]);
  if (mode == L"listen" && argc >= 4)
    return Listen(argv[2], argv[3], argc >= 5 ? argv[4] : nullptr);
  if (mode == L"connect" && argc >= 4) return Connect(argv[2], argv[3]);
  if (mode == L"spawn" && argc >= 4) return Spawn(argc, argv);
  if (mode == L"start-type" && argc >= 4) return StartType(argv[2], argv[3]);
  return Usage();
}
