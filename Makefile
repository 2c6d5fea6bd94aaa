# The two commands of the README. Both install missing Debian packages first (scripts/setup-deps.sh).
#   make demo   build, then run the main job on built-in sample data
#   make test   build, then run the whole test suite through ctest
#   make test-sanitize   the whole suite again, built with ASan and UBSan into build-asan/
#   make fuzz            build the libFuzzer targets with clang into build-fuzz/, run each briefly
#   make valgrind        the main CLI paths under valgrind (tests/valgrind.sh; by hand, not in CI)
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAM_WERROR=ON
BUILD_ASAN ?= build-asan
FUZZ_SECONDS ?= 8
# A sanitizer report fails the test that caused it; leaks count (LeakSanitizer).
SANITIZE_ENV ?= ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: all setup build demo test test-sanitize fuzz valgrind install clean

all: build

setup:
	@sh scripts/setup-deps.sh

build: setup
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/kam demo --dir $(BUILD)/demo

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Tests whose host program is not built with ASan (stock lua5.4 loading the instrumented kam.so)
# need the ASan runtime preloaded; they run apart, without leak checks of that host.
SANITIZE_HOSTED ?= _lua5\.4$$|^lua_install$$

test-sanitize: setup
	cmake -S . -B $(BUILD_ASAN) $(CMAKE_FLAGS) -DKAM_SANITIZE=ON
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	$(SANITIZE_ENV) ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS) \
		-E '$(SANITIZE_HOSTED)'
	LD_PRELOAD="$$($(CC) -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 \
		ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS) -R '$(SANITIZE_HOSTED)' \
		--no-tests=ignore

fuzz: setup
	JOBS=$(JOBS) sh tests/fuzz/run.sh $(FUZZ_SECONDS)

valgrind: build
	sh tests/valgrind.sh $(BUILD)/kam

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-fuzz
