#!/usr/bin/env bash
# boost_tempfm build entry point. From a fresh Debian 12 machine (as root, or with sudo):
#   ./build.sh demo   install what is missing, build, run the multi-process demo (workers share a
#                     root, one is SIGKILLed, tempfm ls shows its orphans, tempfm sweep reclaims them)
#   ./build.sh test   install what is missing, then every check CI runs:
#                     CMake build (warnings are errors) + ctest, b2 build + tests, every way users
#                     consume it (installed prefix, find_package, fully static, pkg-config,
#                     add_subdirectory, b2 use-project), the Debian packages installed on a fresh
#                     Debian 12, ASan+UBSan, the portable POSIX backend (forced on Linux), Windows
#                     (MinGW-w64 cross-build, tests run under wine), libFuzzer, ThreadSanitizer
#   ./build.sh bench  install what is missing, build, run bench/bench_tempfm on tmpfs and on disk
#   ./build.sh windows  only the Windows stage of `test`: Boost for MinGW (.ci/mingw/boost.sh),
#                     cross-build with cmake/toolchain-mingw64.cmake, ctest under wine (out/mingw);
#                     then the same with b2 (out/b2-mingw): DLL, static library, tool, examples,
#                     every test suite built, B2_WINE_TESTS run under wine
#   ./build.sh deps   only install the packages
# Build trees go to ./out/ (override with OUT=dir). JOBS defaults to 2. The 60 s load test runs
# once (CMake build); the b2, sanitizer and portable-backend runs use TEMPFM_LOAD_SECONDS=5.
set -euo pipefail
cd "$(dirname "$0")"
SRC=$(pwd)
OUT=${OUT:-$SRC/out}
JOBS=${JOBS:-2}

PACKAGES="g++ make cmake clang libclang-rt-dev libboost1.81-dev libboost-filesystem1.81-dev libboost-log1.81-dev
  libboost-test1.81-dev libboost-program-options1.81-dev libboost-json1.81-dev libboost-iostreams1.81-dev
  libboost1.81-tools-dev pkgconf dpkg-dev debootstrap"

deps() {
  local missing=()
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "build.sh: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# configure+build DIR [cmake args...]
cmake_build() {
  local dir=$1; shift
  mkdir -p "$(dirname "$dir")"
  cmake -S "$SRC" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOOST_TEMPFM_WERROR=ON "$@" >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" -j "$JOBS"
}

passed=0
skipped=0
windows_summary=""
stage() { echo; echo "=== $* (at $((SECONDS / 60)) min $((SECONDS % 60)) s)"; }
ok() { passed=$((passed + 1)); echo "--- ok: $*"; }

# The Windows build: Boost for MinGW from .ci/mingw/boost.sh (cached outside the clone; a cold
# build is about 4.5 min), the project cross-built with cmake/toolchain-mingw64.cmake (-Werror), and
# ctest running each test under wine (the toolchain's emulator, .ci/mingw/wine-run) in a wine prefix
# of this build tree's own. Suites that cannot run on Windows (test/windows_skip.txt) are ctest
# tests that say why and count as skipped; so are cases inside the others (skip_on_windows in
# test/support.hpp), counted from the log.
windows_tests() {
  local boost dir=$OUT/mingw log
  boost=$(.ci/mingw/boost.sh | tail -n 1)
  [ -f "$boost/lib/cmake/Boost-1.81.0/BoostConfig.cmake" ] || { echo "boost.sh printed no Boost prefix" >&2; return 1; }
  export BOOST_TEMPFM_WINEPREFIX=${BOOST_TEMPFM_WINEPREFIX:-$OUT/mingw-wineprefix}
  cmake_build "$dir" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchain-mingw64.cmake" -DBOOST_TEMPFM_MINGW_BOOST="$boost" \
    -DBOOST_TEMPFM_INSTALL=OFF -DBOOST_TEMPFM_BUILD_EXAMPLES=OFF -DBOOST_TEMPFM_BUILD_BENCH=OFF
  log=$OUT/mingw.ctest.log
  local rc=0
  (cd "$dir" && TEMPFM_LOAD_SECONDS=5 ctest -j "$JOBS" --output-on-failure) 2>&1 | tee "$log" || rc=$?
  # wine-run keeps the prefix's wineserver a few seconds after the last program: stop it now.
  local ws=/usr/lib/wine/wineserver
  [ -x "$ws" ] || ws=$(command -v wineserver || true)
  [ -z "$ws" ] || { WINEPREFIX=$BOOST_TEMPFM_WINEPREFIX "$ws" -k 2>/dev/null; WINEPREFIX=$BOOST_TEMPFM_WINEPREFIX "$ws" -w; } || true
  local suites_passed suites_skipped suites_failed cases_skipped
  suites_passed=$(grep -cE 'Test +#[0-9]+: .* Passed' "$log" || true)
  suites_skipped=$(grep -cE 'Test +#[0-9]+: .*\*\*\*Skipped ' "$log" || true)
  suites_failed=$(grep -E 'Test +#[0-9]+: ' "$log" | grep -cvE '( Passed|\*\*\*Skipped) ' || true)
  # Cases skipped inside suites that ran: "skipped on Windows: SUITE/CASE: WHY" in their output.
  cases_skipped=$(grep -hE '^skipped on Windows: [^ :]+/' "$dir/Testing/Temporary/LastTest.log" 2>/dev/null | sort -u | wc -l)
  windows_summary="windows under wine: $suites_passed suites passed, $suites_failed failed, $suites_skipped skipped whole (test/windows_skip.txt), $cases_skipped cases skipped inside suites"
  echo "$windows_summary"
  grep -hE '^skipped on Windows: ' "$dir/Testing/Temporary/LastTest.log" 2>/dev/null | sort -u || true
  # The b2 build runs whatever ctest said, so that a run tells about both.
  local b2rc=0
  windows_b2 "$boost" || b2rc=$?
  [ "$rc" -eq 0 ] || return "$rc"
  return "$b2rc"
}

# cpu_now: CPU_NOW = user plus system seconds of this shell's finished children (bash's times, run
# in this shell: in a pipe or $(...) it would count a subshell's).
cpu_now() {
  local f
  f=$(mktemp)
  times >"$f"
  CPU_NOW=$(awk 'NR == 2 { for (i = 1; i <= 2; ++i) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] } printf "%.1f", s }' "$f")
  rm -f "$f"
}

# The suites the b2 Windows build runs under wine (all of them are built): a representative few,
# to keep the stage short; ctest above runs every one.
B2_WINE_TESTS=${B2_WINE_TESTS:-test_create test_register test_crash_recovery test_cli}

# The Windows build with b2 (the Jamroot, .ci/mingw/user-config.jam), warnings as errors, against
# the same Boost for MinGW: boost_tempfm.dll (libboost_tempfm.dll, import library
# libboost_tempfm.dll.a) and the static library, tempfm.exe, the examples linked to the DLL
# (pipeline_demo.exe run under wine, the DLL on its WINEPATH); every test suite not in
# test/windows_skip.txt built, and B2_WINE_TESTS run under wine (the Jamroot's <testing.launcher>
# is .ci/mingw/wine-run). Prints the wall time and the CPU time of its compilers and programs.
# Called in an || list, where set -e does not apply: each step says how it fails.
windows_b2() {
  local boost=$1 dir=$OUT/b2-mingw t0=$SECONDS cpu0
  cpu_now
  cpu0=$CPU_NOW
  local b2=(b2 -j"$JOBS" --build-dir="$dir" --user-config="$SRC/.ci/mingw/user-config.jam"
    toolset=gcc-mingw target-os=windows warnings-as-errors=on)
  echo "--- b2: library (DLL and static), tempfm.exe, examples"
  BOOST_TEMPFM_MINGW_BOOST=$boost "${b2[@]}" link=shared,static boost_tempfm || return 1
  BOOST_TEMPFM_MINGW_BOOST=$boost "${b2[@]}" tempfm pipeline_demo migration worker || return 1
  local bin=$dir/boost_tempfm/bin.v2/gcc-mingw/release/cxxstd-17-iso f
  for f in target-os-windows/tempfm-backend-windows/threading-multi/visibility-hidden/libboost_tempfm.dll \
      target-os-windows/tempfm-backend-windows/threading-multi/visibility-hidden/libboost_tempfm.dll.a \
      link-static/target-os-windows/tempfm-backend-windows/threading-multi/visibility-hidden/libboost_tempfm.a \
      target-os-windows/tempfm-backend-windows/threading-multi/tempfm.exe; do
    [ -f "$bin/$f" ] || { echo "b2 built no $bin/$f" >&2; return 1; }
  done
  local exe=$bin/target-os-windows/tempfm-backend-windows/threading-multi
  WINEPATH="Z:$(tr / '\\' <<<"$exe/visibility-hidden")" .ci/mingw/wine-run "$exe/pipeline_demo.exe" >"$dir.pipeline_demo.log" 2>&1 \
    || { cat "$dir.pipeline_demo.log"; echo "pipeline_demo.exe (linked to the DLL) failed under wine" >&2; return 1; }
  echo "pipeline_demo.exe, linked to libboost_tempfm.dll, ran under wine: $(grep -c '^==' "$dir.pipeline_demo.log") steps"
  echo "--- b2: under wine: $B2_WINE_TESTS"
  # shellcheck disable=SC2086
  BOOST_TEMPFM_MINGW_BOOST=$boost TEMPFM_LOAD_SECONDS=5 "${b2[@]}" $B2_WINE_TESTS || return 1
  echo "--- b2: every other test suite built, not run (testing.execute=off)"
  # b2 still says **passed** for each test it did not run: those lines go.
  BOOST_TEMPFM_MINGW_BOOST=$boost "${b2[@]}" testing.execute=off test | sed '/^\*\*passed\*\* /d' || return 1
  local ws=/usr/lib/wine/wineserver
  [ -x "$ws" ] || ws=$(command -v wineserver || true)
  [ -z "$ws" ] || { WINEPREFIX=$BOOST_TEMPFM_WINEPREFIX "$ws" -k 2>/dev/null; WINEPREFIX=$BOOST_TEMPFM_WINEPREFIX "$ws" -w; } || true
  cpu_now
  windows_summary="$windows_summary; b2: DLL, static library, tool, examples and $(find "$dir" -name 'test_*.exe' | wc -l) test programs built, pipeline_demo.exe on the DLL and $(wc -w <<<"$B2_WINE_TESTS") suites passed under wine ($B2_WINE_TESTS) in $((SECONDS - t0)) s ($(awk -v a="$cpu0" -v b="$CPU_NOW" 'BEGIN { printf "%.0f", b - a }') s of CPU)"
  echo "$windows_summary"
}

run_tests() {
  mkdir -p "$OUT"

  stage "CMake build (-Werror) and ctest (the 60 s load test runs here)"
  cmake_build "$OUT/cmake" -DCMAKE_INSTALL_PREFIX=/usr
  (cd "$OUT/cmake" && ctest -j "$JOBS" --output-on-failure)
  ok "cmake + ctest"

  stage "b2 build and tests (warnings-as-errors=on)"
  TEMPFM_LOAD_SECONDS=5 b2 -j"$JOBS" --build-dir="$OUT/b2" warnings-as-errors=on test
  b2 -j"$JOBS" --build-dir="$OUT/b2" warnings-as-errors=on
  ok "b2"

  stage "consumers: installed prefix, find_package, fully static, pkg-config, add_subdirectory, b2 use-project"
  test/smoke/consumers.sh "$OUT/cmake" "$OUT/consumers"
  ok "consumers"

  stage "Debian packages, installed on a fresh minimal Debian 12"
  if [ "$(id -u)" -eq 0 ]; then
    test/smoke/debian.sh "$OUT/cmake" "$OUT/debian"
    ok "debian packages"
  else
    echo "--- skipped: debootstrap and chroot need root"
    skipped=$((skipped + 1))
  fi

  stage "AddressSanitizer + UndefinedBehaviorSanitizer"
  cmake_build "$OUT/asan" -DCMAKE_BUILD_TYPE=Debug -DBOOST_TEMPFM_SANITIZE=address,undefined -DBOOST_TEMPFM_INSTALL=OFF
  (cd "$OUT/asan" && TEMPFM_LOAD_SECONDS=5 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1 ctest -j "$JOBS" --output-on-failure)
  ok "asan+ubsan"

  stage "the portable POSIX platform backend (macOS, the BSDs), forced on Linux: build (-Werror) and ctest"
  cmake_build "$OUT/portable" -DBOOST_TEMPFM_PORTABLE_POSIX=ON -DBOOST_TEMPFM_INSTALL=OFF
  (cd "$OUT/portable" && TEMPFM_LOAD_SECONDS=5 ctest -j "$JOBS" --output-on-failure)
  ok "portable posix backend"

  stage "libFuzzer on the registry reader (ASan+UBSan, 60 s)"
  mkdir -p "$OUT/fuzz/corpus"
  clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I"$SRC" \
    -DBOOST_LOG_DYN_LINK -DBOOST_FILESYSTEM_DYN_LINK test/fuzz_registry.cpp $(libs/sources.sh linux | sed "s|^|libs/|") \
    -lboost_log -lboost_filesystem -lboost_thread -lpthread -o "$OUT/fuzz/fuzz_registry"
  TEMPFM_FUZZ_SEED="$OUT/fuzz/corpus/valid" "$OUT/fuzz/fuzz_registry" -runs=0 >/dev/null 2>&1
  (cd "$OUT/fuzz" && ./fuzz_registry -max_total_time=60 -max_len=65536 -print_final_stats=1 corpus 2>&1 | tail -n 12)
  ok "fuzz"

  stage "ThreadSanitizer (the threaded tests)"
  cmake_build "$OUT/tsan" -DCMAKE_BUILD_TYPE=Debug -DBOOST_TEMPFM_SANITIZE=thread -DBOOST_TEMPFM_INSTALL=OFF
  (cd "$OUT/tsan" && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest -j "$JOBS" --output-on-failure -R 'test_threads|test_fork|test_signal_threads|test_staging_reuse')
  ok "tsan"

  # Last: while the Windows port is under way, every Linux stage has run (and said so) before it.
  stage "Windows: MinGW-w64 cross-build (-Werror), ctest under wine"
  windows_tests
  ok "windows (mingw + wine)"

  echo
  echo "summary: $passed passed, $skipped skipped, 0 failed (total $((SECONDS / 60)) min $((SECONDS % 60)) s)"
  echo "  $windows_summary"
}

case "${1:-}" in
  deps) deps ;;
  demo)
    deps
    cmake_build "$OUT/cmake" >/dev/null
    example/multiprocess_demo.sh "$OUT/cmake"
    ;;
  test) deps; run_tests ;;
  bench)
    deps
    cmake_build "$OUT/cmake" >/dev/null
    "$OUT/cmake/bench/bench_tempfm" /dev/shm
    mkdir -p "$OUT/bench-disk"
    BENCH_BULK=${BENCH_BULK_DISK:-20000} "$OUT/cmake/bench/bench_tempfm" "$OUT/bench-disk"
    ;;
  windows) deps; windows_tests ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
