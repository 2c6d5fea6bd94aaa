#!/bin/sh
# `cmake --install` lays out the CLI, SDK headers, pkg-config and CMake package files and man page,
# and an out-of-tree consumer finds the SDK both ways.
. "$(dirname "$0")/lib/common.sh"
: "${KAM_BUILD:?set KAM_BUILD to the build directory}"
P="$T/prefix"
cmake --install "$KAM_BUILD" --prefix "$P" >"$T/install.log" 2>&1 || fail "cmake --install failed"
for f in bin/kam include/kam/errors.h lib/pkgconfig/kam.pc lib/cmake/kam/kamConfig.cmake \
	lib/cmake/kam/kamConfigVersion.cmake share/man/man1/kam.1; do
	[ -e "$P/$f" ] && ok || fail "not installed: $f"
done
[ -d "$P/lib/kam/plugins" ] && ok || fail "no plugin directory"
expect_exit 0 "$P/bin/kam" --version

# pkg-config (relocatable .pc) points at the installed headers and plugin directory.
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
expect_exit 0 pkg-config --cflags kam
expect_in "$T/out" "-I$P/"
inc=$(pkg-config --variable=includedir kam)
[ -f "$inc/kam/errors.h" ] && ok || fail "pkg-config includedir $inc lacks kam/errors.h"
plugins=$(pkg-config --variable=plugindir kam)
[ "$(cd "$plugins" && pwd)" = "$P/lib/kam/plugins" ] && ok || fail "plugindir $plugins"

# find_package(kam) works from a project outside the tree.
mkdir -p "$T/consumer"
cat >"$T/consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(kam 0.1 REQUIRED)
add_library(probe MODULE probe.c)
target_link_libraries(probe PRIVATE kam::sdk)
CMAKE
printf '#include <kam/errors.h>\nint probe(void) { return KAM_ENOTFOUND; }\n' >"$T/consumer/probe.c"
cmake -S "$T/consumer" -B "$T/consumer/build" -DCMAKE_PREFIX_PATH="$P" >"$T/c.log" 2>&1 &&
	cmake --build "$T/consumer/build" >>"$T/c.log" 2>&1 && ok ||
	{ fail "find_package(kam) consumer did not build"; cat "$T/c.log" >&2; }
finish
