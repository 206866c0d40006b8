# otguard.exe for 64-bit Windows 7 and later: cmake -DCMAKE_TOOLCHAIN_FILE=<this file>
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(OTGUARD_MINGW_TRIPLE x86_64-w64-mingw32)
set(OTGUARD_WINDOWS_FLOOR 0x0601 CACHE STRING "_WIN32_WINNT: the oldest Windows the build runs on")
set(OTGUARD_WINE /usr/lib/wine/wine64 CACHE FILEPATH "Wine loader that runs the tests")
set(OTGUARD_WINE_ARCH win64)
set(OTGUARD_WINE_WINDOWS win7 CACHE STRING "Windows version of the tests' Wine prefix (winecfg -v)")
include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64-common.cmake)
