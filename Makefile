# The two commands of the README. Everything else is CMake.
BUILD ?= build
JOBS ?= $(shell nproc)
# -g1: line tables and function names, enough for a backtrace from the field, at a lighter
# compile and link than full debug information (CI builds everything on 2 cores).
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"

.PHONY: deps configure build windows run test fuzz fuzz-build bench format clean

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null

# Everything: the program, the tests, the fuzz-corpus replays, the benchmark tools.
build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# otguard.exe for Windows (docs/windows.md): x86_64 (Windows 7+) and i686 (XP SP3+), cross-built
# with mingw-w64; their tests run under Wine (the i686 ones in a Windows XP prefix, and under
# WOW64 compared with the x86_64 exe).
WINDOWS_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
windows: deps
	@cmake -S . -B build-win64 -G Ninja $(WINDOWS_FLAGS) -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake >/dev/null
	@cmake --build build-win64 -j $(JOBS)
	@cmake -S . -B build-win32 -G Ninja $(WINDOWS_FLAGS) -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-i686.cmake \
	  -DOTGUARD_WOW64_X64_OTGUARD=$(CURDIR)/build-win64/apps/otguard/otguard.exe >/dev/null
	@cmake --build build-win32 -j $(JOBS)

# The main job: the incident told from the network, then a scan, inventory, hunt and audit of this
# host. Builds only the otguard program the demo runs, not the tests (`make test` builds those).
run: configure
	@cmake --build $(BUILD) -j $(JOBS) --target otguard
	@bash scripts/demo.sh $(BUILD)

# Tests: unit and integration tests, fuzz corpus replays, and a short libFuzzer run of every
# fuzzer (built with clang into build-fuzz).
test: build windows fuzz-build
	@echo "== Windows x86_64 (otguard.exe under Wine)"
	@cd build-win64 && ctest --output-on-failure -j $(JOBS) --timeout 900
	@echo "== Windows i686 (otguard.exe in a Windows XP SP3 Wine prefix, and under WOW64)"
	@cd build-win32 && ctest --output-on-failure -j $(JOBS) --timeout 900
	@echo "== Linux"
	@cmake -S . -B $(BUILD) -DOTGUARD_LIBFUZZER_BUILD_DIR=$(CURDIR)/build-fuzz >/dev/null
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# libFuzzer builds of every fuzzer (clang); `make fuzz` then runs each for FUZZ_SECONDS. -O1 with
# line tables only, as OSS-Fuzz builds: sanitizer reports keep file:line, and the build is
# lighter than -O2 -g (CI has 2 cores for everything).
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG"
fuzz-build: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja $(FUZZ_FLAGS) -DOTGUARD_LIBFUZZER=ON -DOTGUARD_TESTS=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target otguard_fuzzers

fuzz: fuzz-build
	@bash scripts/run-fuzzers.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	@python3 bench/run.py --build $(BUILD)
	@python3 bench/nba.py --build $(BUILD)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-fuzz build-win64 build-win32
