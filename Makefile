# Islet: the commands a newcomer types. Each target installs what it needs,
# configures CMake into its own build directory, builds and runs.
#   make test          build and run the test suite (build/)
#   make test-asan     the whole suite under AddressSanitizer + UBSan (build-asan/)
#   make test-tsan     the runtime tests under ThreadSanitizer (build-tsan/)
#   make bench         release build, run the benchmarks (build-bench/)
#   make bench-compare benchmarks beside libuv and Node.js peers, with ratios
#   make fuzz          the libFuzzer harnesses, FUZZ_SECONDS (60) each (build-fuzz/)
#   make fuzz-smoke    the same for 10 s each, after replaying their regressions (CI)
#   make test-shared   the suite against shared libraries (build-shared/; tests
#                      that use internals are not built there)
#   make install PREFIX=/opt/islet
#                      release build of the libraries only, static and shared,
#                      installed with headers, CMake package and .pc files
#                      (build-install-static/, build-install-shared/;
#                      PREFIX defaults to /usr/local)
#   make packaging-check
#                      install into a temporary prefix, check the exported
#                      symbols and build and run the out-of-tree consumers (CI)
#   make format        clang-format every source file
#   make format-check  fail if any source file is not clang-format clean
#   make lint          clang-tidy (.clang-tidy) and cppcheck on runtime/, widgets/, app/ (build-lint/)
#   make test-nochecks the suite built with ISLET_CHECKS=OFF, misuse-abort tests skipped (build-nochecks/)

# Fonts: DejaVu first; WenQuanYi Micro Hei (CJK) and Symbola (emoji, symbols)
# as fallbacks that fontconfig finds for what DejaVu lacks.
PKGS := libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libcurl4-openssl-dev libcmocka-dev \
        libfontconfig-dev fonts-dejavu-core fonts-wqy-microhei fonts-symbola \
        cmake pkg-config build-essential python3
# The tests also open real windows on a private X server and click them.
TEST_PKGS := xvfb xdotool
LINT_PKGS := clang-tidy cppcheck
PEER_PKGS := libuv1-dev nodejs
FUZZ_PKGS := clang libclang-rt-14-dev
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
CTEST := ctest --output-on-failure -j $(JOBS)
PREFIX ?= /usr/local
INSTALL_FLAGS := -DCMAKE_BUILD_TYPE=Release -DISLET_LIBS_ONLY=ON -DISLET_WERROR=ON

export ASAN_OPTIONS := detect_leaks=1:abort_on_error=1:strict_string_checks=1
export LSAN_OPTIONS := suppressions=$(CURDIR)/scripts/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS := halt_on_error=1:second_deadlock_stack=1

.PHONY: all deps test test-asan test-tsan bench bench-compare demo format format-check clean \
        fuzz fuzz-smoke fuzz-build bench-build test-shared install packaging-check lint \
        test-nochecks

all: test

deps:
	@sh scripts/deps.sh $(PKGS)

build/build.ninja build/Makefile: | deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISLET_WERROR=ON $(CMAKE_FLAGS)

test: deps build/Makefile
	@sh scripts/deps.sh $(TEST_PKGS)
	cmake --build build -j $(JOBS)
	cd build && $(CTEST)

test-asan: deps
	@sh scripts/deps.sh $(TEST_PKGS)
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DISLET_WERROR=ON \
	      -DISLET_SANITIZE="address;undefined" $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && $(CTEST)

test-tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISLET_WERROR=ON \
	      -DISLET_SANITIZE=thread $(CMAKE_FLAGS)
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && $(CTEST) -L runtime

test-shared: deps
	@sh scripts/deps.sh $(TEST_PKGS)
	cmake -S . -B build-shared -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISLET_WERROR=ON \
	      -DBUILD_SHARED_LIBS=ON $(CMAKE_FLAGS)
	cmake --build build-shared -j $(JOBS)
	cd build-shared && $(CTEST)

# Both kinds into one prefix: IsletConfig.cmake picks the shared libraries
# unless ISLET_USE_STATIC_LIBS=ON; pkg-config --static gives what a static
# link needs.
install: deps
	cmake -S . -B build-install-static $(INSTALL_FLAGS) -DBUILD_SHARED_LIBS=OFF \
	      -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)
	cmake --build build-install-static -j $(JOBS)
	cmake -S . -B build-install-shared $(INSTALL_FLAGS) -DBUILD_SHARED_LIBS=ON \
	      -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)
	cmake --build build-install-shared -j $(JOBS)
	cmake --install build-install-static
	cmake --install build-install-shared

packaging-check: deps
	sh scripts/packaging-check

build-bench/Makefile: | deps
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DISLET_CHECKS=OFF $(CMAKE_FLAGS)

bench: deps build-bench/Makefile
	cmake --build build-bench -j $(JOBS) --target benchmarks
	./build-bench/bench/bench_runtime
	./build-bench/bench/bench_async
	./build-bench/bench/bench_http
	./build-bench/bench/bench_widgets

bench-compare: deps build-bench/Makefile
	@sh scripts/deps.sh $(PEER_PKGS)
	cmake -S . -B build-bench -DISLET_PEERS=ON
	cmake --build build-bench -j $(JOBS) --target benchmarks
	./scripts/bench-compare build-bench

# libFuzzer needs clang; the harnesses and the libraries under test are built
# with ASan + UBSan and coverage (tests/fuzz/CMakeLists.txt).
fuzz-build: deps
	@sh scripts/deps.sh $(FUZZ_PKGS)
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	      -DISLET_FUZZ=ON -DISLET_SANITIZE="address;undefined" $(CMAKE_FLAGS)
	cmake --build build-fuzz -j $(JOBS) --target fuzzers

fuzz: fuzz-build
	sh scripts/fuzz build-fuzz $(FUZZ_SECONDS) $(FUZZERS)

fuzz-smoke: fuzz-build
	sh scripts/fuzz build-fuzz 10 $(FUZZERS)

demo: deps build/Makefile
	cmake --build build -j $(JOBS) --target islet_demo
	./build/app/islet_demo $(DEMO_ARGS)

format:
	@sh scripts/deps.sh clang-format
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@sh scripts/deps.sh clang-format
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

# Static analysis; the configure step only writes compile_commands.json.
lint: deps
	@sh scripts/deps.sh $(LINT_PKGS)
	cmake -S . -B build-lint -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
	      $(CMAKE_FLAGS) >/dev/null
	sh scripts/lint build-lint $(JOBS)

# Release builds are tested too: the suite with the misuse checks compiled
# out; the tests that expect a check's abort skip themselves (ts_expect_abort).
test-nochecks: deps
	@sh scripts/deps.sh $(TEST_PKGS)
	cmake -S . -B build-nochecks -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISLET_WERROR=ON \
	      -DISLET_CHECKS=OFF $(CMAKE_FLAGS)
	cmake --build build-nochecks -j $(JOBS)
	cd build-nochecks && $(CTEST)

# The benchmarks' build (checks off) compiles, warnings as errors (CI).
bench-build: deps
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DISLET_CHECKS=OFF -DISLET_WERROR=ON \
	      $(CMAKE_FLAGS)
	cmake --build build-bench -j $(JOBS) --target benchmarks islet_demo islet_counter

clean:
	rm -rf build build-asan build-tsan build-bench build-fuzz build-shared build-install-static \
	       build-install-shared build-lint build-nochecks
