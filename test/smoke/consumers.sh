#!/usr/bin/env bash
# The ways users consume boost_tempfm, each built and run:
#   test/smoke/consumers.sh BUILD OUT
# BUILD is a configured and built top-level CMake tree; OUT a scratch directory. Checks: the
# installed prefix (the tool starts from there; find_package with versions; a fully static
# program; pkg-config), add_subdirectory (the library alone, Release: its shared library with LTO),
# a b2 use-project (shared, static, fully static), and the configure options (default build type,
# tools off with tests on).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$1
OUT=$2
JOBS=${JOBS:-2}
mkdir -p "$OUT"
fail() { echo "consumers.sh: FAILED: $*" >&2; exit 1; }
version=$(sed -n 's/^#define BOOST_TEMPFM_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' \
  "$SRC/boost_tempfm/config.hpp" | paste -sd.)
static_only() {  # a program with no dynamic section at all
  ! readelf -d "$1" 2>/dev/null | grep -q NEEDED || fail "$1 is not fully static"
  echo "  $1: no shared library needed"
}

echo "--- installed prefix"
prefix=$OUT/prefix
rm -rf "$prefix"
cmake --install "$BUILD" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libboost_tempfm.so' | head -n1)")
# The tool starts from the prefix, with no LD_LIBRARY_PATH (its RUNPATH is relative).
readelf -d "$prefix/bin/tempfm" | grep -q 'RUNPATH.*\$ORIGIN/' || fail "tempfm has no \$ORIGIN RUNPATH"
[ "$(env -u LD_LIBRARY_PATH "$prefix/bin/tempfm" --version)" = "tempfm (boost_tempfm) $version" ] \
  || fail "installed tempfm does not start or has another version"
mkdir -p "$OUT/toolroot"
env -u LD_LIBRARY_PATH "$prefix/bin/tempfm" run --root "$OUT/toolroot" -- sh -c 'test -d "$TMPDIR"' \
  || fail "installed tempfm run"
echo "  $prefix/bin/tempfm starts and runs"
test -f "$prefix/lib/systemd/user/tempfm-sweep.timer" || fail "no systemd timer installed"

echo "--- find_package (shared, static, versions)"
cmake -S "$SRC/test/smoke/find_package" -B "$OUT/smoke_fp" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$OUT/smoke_fp" -j "$JOBS" >/dev/null
"$OUT/smoke_fp/smoke_shared"
"$OUT/smoke_fp/smoke_static"

echo "--- find_package, fully static (Boost_USE_STATIC_LIBS ON, -static)"
cmake -S "$SRC/test/smoke/static" -B "$OUT/smoke_static" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$OUT/smoke_static" -j "$JOBS" >/dev/null
"$OUT/smoke_static/smoke_fully_static"
static_only "$OUT/smoke_static/smoke_fully_static"

echo "--- pkg-config"
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion boost_tempfm)" = "$version" ] || fail "pkg-config version is not $version"
# shellcheck disable=SC2046
g++ -std=c++17 -o "$OUT/smoke_pc" "$SRC/test/smoke/main.cpp" $(pkg-config --cflags --libs boost_tempfm)
LD_LIBRARY_PATH=$libdir "$OUT/smoke_pc"
unset PKG_CONFIG_PATH

echo "--- add_subdirectory (the library alone), Release: the shared library with link-time optimisation"
cmake -S "$SRC/test/smoke/add_subdirectory" -B "$OUT/smoke_sub" -DCMAKE_BUILD_TYPE=Release >"$OUT/smoke_sub.log"
grep -q "shared library is linked with link-time optimisation" "$OUT/smoke_sub.log" || fail "Release is not built with LTO"
cmake --build "$OUT/smoke_sub" -j "$JOBS" >/dev/null
"$OUT/smoke_sub/smoke"
"$OUT/smoke_sub/smoke_static"

echo "--- b2 use-project (shared, static, fully static)"
(cd "$SRC/test/smoke/b2" && b2 -j"$JOBS" --build-dir="$OUT/b2" -d0) || fail "b2 use-project"
for t in smoke smoke_static smoke_fully_static; do
  out=$(find "$OUT/b2" -name "$t.output" | head -n1)
  grep -q "ok" "$out" || fail "b2 $t printed nothing"
  echo "  b2 $t: $(head -n1 "$out")"
done
static_only "$(find "$OUT/b2" -type f -name smoke_fully_static | head -n1)"

echo "--- configure options"
cmake -S "$SRC" -B "$OUT/cfg_default" >/dev/null
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$OUT/cfg_default/CMakeCache.txt" || fail "default build type is not Release"
cmake -S "$SRC" -B "$OUT/cfg_notools" -DBOOST_TEMPFM_BUILD_TOOLS=OFF -DBOOST_TEMPFM_BUILD_TESTS=ON >/dev/null \
  || fail "tools off with tests on does not configure"
echo "  no build type gives Release; tools off with tests on configures"
echo "consumers.sh: all consumers built and ran"
