#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz/ with clang into build-fuzz/ and runs each one for
# SECONDS (default 10) through ctest, starting from the seeds in tests/fuzz/corpus/NAME/.
#
#   tests/fuzz/run.sh [SECONDS]        (`make fuzz` runs it with FUZZ_SECONDS, default 8)
#
# Environment: KAM_FUZZ_BUILD (default build-fuzz), JOBS (parallel runs, default 2).
# What the fuzzers add to the corpus stays in BUILD/tests/fuzz/corpus/NAME/; a crash, leak or
# timeout fails the run and leaves its input in BUILD/tests/fuzz/artifacts/ (replay it with
# BUILD/tests/fuzz/fuzz_NAME FILE, then make it a regression Test() in tests/test_*.c).
# clang and libFuzzer (Debian: clang, libclang-rt-14-dev) are installed when missing, as root.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
SECS=${1:-10}
BUILD=${KAM_FUZZ_BUILD:-$root/build-fuzz}
JOBS=${JOBS:-2}
case $SECS in '' | *[!0-9]*) echo "usage: tests/fuzz/run.sh [SECONDS]" >&2 && exit 2 ;; esac

# libFuzzer ships in clang's runtime package, not with clang itself.
have_fuzzer() {
	command -v clang >/dev/null 2>&1 || return 1
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; return (int)n * 0; }\n' \
		>"${TMPDIR:-/tmp}/kam-fuzz-probe.$$.c"
	clang -fsanitize=fuzzer "${TMPDIR:-/tmp}/kam-fuzz-probe.$$.c" -o "${TMPDIR:-/tmp}/kam-fuzz-probe.$$" \
		>/dev/null 2>&1
	rc=$?
	rm -f "${TMPDIR:-/tmp}/kam-fuzz-probe.$$.c" "${TMPDIR:-/tmp}/kam-fuzz-probe.$$"
	return $rc
}
if ! have_fuzzer; then
	pkgs="clang libclang-rt-dev"
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		echo "fuzz: installing $pkgs" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq --no-install-recommends $pkgs >/dev/null 2>&1 ||
			{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $pkgs; }
	else
		echo "fuzz: clang with libFuzzer is missing; run: sudo apt-get install -y $pkgs" >&2
		exit 1
	fi
	have_fuzzer || { echo "fuzz: clang still cannot build a libFuzzer target" >&2 && exit 1; }
fi

mkdir -p "$BUILD"
cmake -S "$root" -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DKAM_FUZZ=ON -DKAM_TESTS=OFF -DKAM_FUZZ_SECONDS="$SECS" >"$BUILD/configure.log" 2>&1 ||
	{ cat "$BUILD/configure.log" >&2 && exit 1; }
cmake --build "$BUILD" --target kam_fuzz -j "$JOBS"
ctest --test-dir "$BUILD/tests/fuzz" --output-on-failure -j "$JOBS"
