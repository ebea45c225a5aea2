#!/usr/bin/env bash
# The Windows build infrastructure, end to end (.ci/mingw/README.md):
#   1. .ci/mingw/boost.sh: packages, and Boost 1.81 for MinGW in the cache (built once)
#   2. the wine prefix, made once for this build tree (wine-run does it on first use)
#   3. the probe (.ci/mingw/probe) configured with cmake/toolchain-mingw64.cmake
#   4. built
#   5. run by ctest under wine (CMAKE_CROSSCOMPILING_EMULATOR = .ci/mingw/wine-run)
# and the time of each step. Build tree: ${OUT:-./out}/mingw-probe, wine prefix inside it unless
# BOOST_TEMPFM_WINEPREFIX says otherwise. JOBS defaults to 2.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
OUT=${OUT:-$ROOT/out}
BUILD=$OUT/mingw-probe
JOBS=${JOBS:-2}
export BOOST_TEMPFM_WINEPREFIX=${BOOST_TEMPFM_WINEPREFIX:-$BUILD/wineprefix}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
timings=()
t0=$(now)
step() { echo; echo "=== mingw: $*"; t_step=$(now); }
done_step() { local t; t=$(now); timings+=("$(printf '%-28s %7s s' "$1" "$(secs "$t_step" "$t")")"); }

step "Boost 1.81 for x86_64-w64-mingw32 (.ci/mingw/boost.sh)"
boost_prefix=$(.ci/mingw/boost.sh | tail -n 1)
[ -f "$boost_prefix/lib/cmake/Boost-1.81.0/BoostConfig.cmake" ] || { echo "boost.sh printed no Boost prefix" >&2; exit 1; }
done_step "boost.sh"

step "wine prefix $BOOST_TEMPFM_WINEPREFIX"
mkdir -p "$BUILD"
.ci/mingw/wine-run cmd /c exit 0
done_step "wine prefix"

step "configure the probe with cmake/toolchain-mingw64.cmake"
cmake -S .ci/mingw/probe -B "$BUILD/build" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-mingw64.cmake" \
  -DBOOST_TEMPFM_MINGW_BOOST="$boost_prefix" >"$BUILD/configure.log" 2>&1 || { cat "$BUILD/configure.log"; exit 1; }
grep -E '^-- (Boost|The CXX compiler)' "$BUILD/configure.log" || true
done_step "configure"

step "build"
cmake --build "$BUILD/build" -j "$JOBS"
done_step "build"

step "ctest under wine"
(cd "$BUILD/build" && ctest -j "$JOBS" --output-on-failure)
done_step "ctest"

# wine-run keeps the prefix's wineserver 10 s after the last program: stop it now, and with it the
# prefix's background programs, so that nothing is left running.
ws=/usr/lib/wine/wineserver
[ -x "$ws" ] || ws=$(command -v wineserver || true)
[ -z "$ws" ] || { WINEPREFIX=$BOOST_TEMPFM_WINEPREFIX "$ws" -k 2>/dev/null; WINEPREFIX=$BOOST_TEMPFM_WINEPREFIX "$ws" -w; } || true

echo
echo "=== mingw: timings"
printf '%s\n' "${timings[@]}"
printf '%-28s %7s s\n' "total" "$(secs "$t0" "$(now)")"
