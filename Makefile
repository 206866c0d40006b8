# The two commands of the README. Everything else is CMake.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: deps build run test fuzz fuzz-build bench format clean

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The main job: scan the bundled sample directory with the bundled signatures.
run: build
	@bash scripts/demo.sh $(BUILD)

# Tests: unit and integration tests, fuzz corpus replays, and a short libFuzzer run of every
# fuzzer (built with clang into build-fuzz).
test: build fuzz-build
	@cmake -S . -B $(BUILD) -DOTGUARD_LIBFUZZER_BUILD_DIR=$(CURDIR)/build-fuzz >/dev/null
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# libFuzzer builds of every fuzzer (clang); `make fuzz` then runs each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz-build: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTGUARD_LIBFUZZER=ON -DOTGUARD_TESTS=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target otguard_fuzzers

fuzz: fuzz-build
	@bash scripts/run-fuzzers.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	@python3 bench/run.py --build $(BUILD)
	@python3 bench/nba.py --build $(BUILD)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-fuzz
