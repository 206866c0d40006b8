# Shared part of the mingw-w64 cross toolchains (Debian's packages g++-mingw-w64-*-posix).
#
# The posix thread flavour gives std::thread/std::mutex (and so spdlog); its runtime
# (winpthreads) imports GetTickCount64, which Windows XP lacks, so the i686 build links
# src/platform/windows/xp_compat.cc, which resolves that import at run time with a fallback.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_C_COMPILER ${OTGUARD_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${OTGUARD_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${OTGUARD_MINGW_TRIPLE}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${OTGUARD_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# One file to copy onto a station: the C and C++ runtimes and winpthreads linked in.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
