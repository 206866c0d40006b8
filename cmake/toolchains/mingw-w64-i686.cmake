# otguard.exe for 32-bit Windows XP SP3 and later: cmake -DCMAKE_TOOLCHAIN_FILE=<this file>
# _WIN32_WINNT=0x0501 keeps newer APIs out of the headers, so none is used by accident; newer
# ones are loaded at run time with a fallback (docs/windows.md lists them).
set(CMAKE_SYSTEM_PROCESSOR x86)
set(OTGUARD_MINGW_TRIPLE i686-w64-mingw32)
set(OTGUARD_WINDOWS_FLOOR 0x0501 CACHE STRING "_WIN32_WINNT: the oldest Windows the build runs on")
# wine32 (Debian i386, scripts/install-deps.sh) runs the tests in a 32-bit prefix that reports
# Windows XP SP3; without it the suite is built only.
set(OTGUARD_WINE /usr/lib/wine/wine CACHE FILEPATH "Wine loader that runs the tests")
set(OTGUARD_WINE_ARCH win32)
set(OTGUARD_WINE_WINDOWS winxp CACHE STRING "Windows version of the tests' Wine prefix (winecfg -v)")
include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64-common.cmake)
