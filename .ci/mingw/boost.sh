#!/usr/bin/env bash
# Boost 1.81 static libraries for x86_64-w64-mingw32, cross-built from Debian's own source package
# (boost1.81, the one that gives this machine its /usr/include/boost), for the Windows build that
# runs under wine (.ci/mingw/README.md).
#
#   .ci/mingw/boost.sh          install what is missing, build Boost unless the cache has it, and
#                               print the prefix (the last line of the output, alone)
#
# The result lives outside the clone, in
#   ${BOOST_TEMPFM_CACHE:-$HOME/.cache/boost_tempfm}/boost-1.81-mingw64/
#     include/boost/...            every Boost header (b2 install copies them)
#     lib/libboost_*.a             static, release, multi-threaded, threadapi=win32, --layout=system
#     lib/cmake/Boost-1.81.0/      Boost's own CMake package files (relocatable)
#     BUILD-INFO                   what built it; its first lines are the cache key
# A second run with that directory present takes well under a second. The build goes into a
# temporary directory beside it and is renamed into place only once it is complete, under a lock,
# so an interrupted or concurrent run never leaves a half-built cache behind.
#
# Environment:
#   BOOST_TEMPFM_CACHE        cache root (default $HOME/.cache/boost_tempfm)
#   JOBS                      b2 jobs (default 2)
#   BOOST_TEMPFM_BOOST_SOURCE an unpacked boost1.81 source tree to build from instead of fetching
#                             Debian's source package (offline use)
#   B2                        the b2 to use (default: Debian's, from libboost1.81-tools-dev)
set -euo pipefail

JOBS=${JOBS:-2}
CACHE=${BOOST_TEMPFM_CACHE:-$HOME/.cache/boost_tempfm}
NAME=boost-1.81-mingw64
DEST=$CACHE/$NAME
HOST=x86_64-w64-mingw32
CXX_MINGW=$HOST-g++-posix
B2=${B2:-b2}
PACKAGES=(g++-mingw-w64-x86-64-posix wine64 dpkg-dev libboost1.81-tools-dev cmake xz-utils)
# Boost libraries to build: what boost_tempfm, its tool and its tests link, what they pull in, and
# Boost.Iostreams (without zlib, bzip2, lzma, zstd: its plain file and memory devices only).
WITH=(filesystem log program_options test system thread atomic chrono date_time regex json iostreams)
# The archives that must exist afterwards.
EXPECT=(filesystem log log_setup program_options unit_test_framework system thread atomic chrono
  date_time regex json iostreams)
B2_PROPERTIES=(toolset=gcc-mingw target-os=windows address-model=64 architecture=x86 threadapi=win32
  threading=multi link=static runtime-link=shared variant=release
  -sNO_ZLIB=1 -sNO_BZIP2=1 -sNO_LZMA=1 -sNO_ZSTD=1)

say() { echo "boost.sh: $*" >&2; }
die() { echo "boost.sh: error: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
t_all=$(now)

# --- 1. packages ------------------------------------------------------------------------------
install_missing() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  local t
  t=$(now)
  say "installing ${missing[*]}"
  $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null || die "apt-get install ${missing[*]} failed"
  say "packages installed in $(since "$t")"
}
install_missing
command -v "$CXX_MINGW" >/dev/null || die "$CXX_MINGW not found after installing g++-mingw-w64-x86-64-posix"
command -v "$B2" >/dev/null || die "b2 not found (package libboost1.81-tools-dev)"
"$B2" -v 2>/dev/null | grep -c '^B2 Version' >/dev/null || die "$B2 -v does not say 'B2 Version': not a b2"

# --- 2. the cache key: what the libraries depend on, all known without the network ---------------
key() {
  echo "name: $NAME"
  echo "compiler: $CXX_MINGW $($CXX_MINGW -dumpfullversion) ($(dpkg-query -W -f='${Version}' g++-mingw-w64-x86-64-posix 2>/dev/null || echo '?'))"
  echo "b2: $("$B2" -v 2>/dev/null | head -n1)"
  echo "with: ${WITH[*]}"
  echo "properties: ${B2_PROPERTIES[*]} --layout=system"
}
KEY=$(key)

up_to_date() {
  [ -f "$DEST/BUILD-INFO" ] || return 1
  [ "$(head -n "$(wc -l <<<"$KEY")" "$DEST/BUILD-INFO")" = "$KEY" ] || return 1
  [ -f "$DEST/lib/cmake/Boost-1.81.0/BoostConfig.cmake" ] && [ -f "$DEST/include/boost/version.hpp" ] || return 1
  local l
  for l in "${EXPECT[@]}"; do [ -f "$DEST/lib/libboost_$l.a" ] || return 1; done
}

mkdir -p "$CACHE" || die "cannot create the cache directory $CACHE"
exec 9>"$CACHE/.$NAME.lock"
if ! flock -n 9; then
  say "another boost.sh is building $DEST; waiting for it"
  flock 9
fi

if up_to_date; then
  say "cached: $DEST ($(sed -n 's/^source: //p' "$DEST/BUILD-INFO"); checked in $(since "$t_all"))"
  echo "$DEST"
  exit 0
fi
[ -e "$DEST" ] && say "$DEST is stale or incomplete: rebuilding it"

# --- 3. temporary directories; removed on any exit -----------------------------------------------
# STAGE, beside the cache (same file system, so the final rename is atomic), receives the install.
# SCRATCH holds the apt state, the unpacked source (530 MB, 70,000 files) and b2's objects: in
# /dev/shm when it has room, since writing and removing that many files on a busy disk costs
# minutes; else beside the cache. BOOST_TEMPFM_SCRATCH chooses another parent directory.
# What a killed run left behind (it no longer holds the lock, since we do) is removed first.
if [ -f "$CACHE/.$NAME.scratch" ]; then
  stale=$(cat "$CACHE/.$NAME.scratch")
  case $stale in */boost_tempfm-$NAME-build.*) rm -rf "$stale" ;; esac
fi
rm -rf "$CACHE/.$NAME.tmp."* "$CACHE/.$NAME.scratch"
STAGE=$(mktemp -d "$CACHE/.$NAME.tmp.XXXXXX")
scratch_parent=${BOOST_TEMPFM_SCRATCH:-}
if [ -z "$scratch_parent" ]; then
  scratch_parent=$CACHE
  if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt $((3 * 1024 * 1024)) ]; then
    scratch_parent=/dev/shm
  fi
fi
WORK=$(mktemp -d "$scratch_parent/boost_tempfm-$NAME-build.XXXXXX")
echo "$WORK" >"$CACHE/.$NAME.scratch"
LOG=$CACHE/$NAME.log
B2_PID=
cleanup() {
  # An interrupted b2 goes first, with the compilers it started (its own process group).
  if [ -n "$B2_PID" ]; then kill -TERM -- "-$B2_PID" 2>/dev/null || true; wait "$B2_PID" 2>/dev/null || true; fi
  rm -rf "$WORK" "$STAGE" 2>/dev/null || { sleep 1; rm -rf "$WORK" "$STAGE"; }
  rm -f "$CACHE/.$NAME.scratch"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM
: >"$LOG"
say "building in $WORK; log: $LOG"

# --- 4. the source: Debian's boost1.81 source package --------------------------------------------
# apt-get source needs a deb-src entry. Rather than change the machine's apt configuration, this
# makes a private one: the machine's own deb entries for this Debian release, as deb-src, with
# their own list and cache directories inside $WORK. Nothing under /etc/apt or /var/lib/apt changes.
deb_src_entries() {
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release: is this Debian?"
  local f
  # deb822 files: every enabled stanza of type deb with a suite of this release (bookworm,
  # bookworm-updates, bookworm-security...), retyped deb-src.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v cn="$codename" 'BEGIN { RS = ""; ORS = "\n\n" }
      /(^|\n)Enabled:[ \t]*no/ { next }
      !/(^|\n)Types:[^\n]*[ \t]deb([ \t]|\n|$)/ { next }
      {
        if (match($0, /(^|\n)Suites:[^\n]*/)) {
          n = split(substr($0, RSTART, RLENGTH), w, /[ \t\n]+/); ok = 0
          for (i = 1; i <= n; i++) if (w[i] == cn || index(w[i], cn "-") == 1) ok = 1
          if (ok) { sub(/Types:[^\n]*/, "Types: deb-src"); print }
        }
      }' "$f"
  done
  # One-line files: "deb [options] URI suite components...".
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v cn="$codename" '$1 == "deb" {
        s = ($2 ~ /^\[/) ? 0 : 3
        if (s == 0) { for (i = 2; i <= NF; i++) if ($i ~ /\]$/) { s = i + 2; break } }
        if (s && ($s == cn || index($s, cn "-") == 1)) { $1 = "deb-src"; print }
      }' "$f"
  done
}

fetch_source() {
  local t apt src
  t=$(now)
  apt=$WORK/apt
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d"
  deb_src_entries >"$apt/sources.list.d/deb-src.sources.tmp"
  # Both formats may have produced lines: keep deb822 stanzas in a .sources file, one-liners in a .list file.
  grep -q '^Types:' "$apt/sources.list.d/deb-src.sources.tmp" && \
    awk 'BEGIN { RS = ""; ORS = "\n\n" } /(^|\n)Types:/' "$apt/sources.list.d/deb-src.sources.tmp" \
      >"$apt/sources.list.d/deb-src.sources"
  grep '^deb-src ' "$apt/sources.list.d/deb-src.sources.tmp" >"$apt/sources.list.d/deb-src.list" || true
  rm -f "$apt/sources.list.d/deb-src.sources.tmp"
  [ -s "$apt/sources.list.d/deb-src.list" ] || rm -f "$apt/sources.list.d/deb-src.list"
  ls "$apt/sources.list.d/"* >/dev/null 2>&1 || die "no Debian deb entry for this release in /etc/apt: cannot make the deb-src entry that apt-get source needs (or set BOOST_TEMPFM_BOOST_SOURCE)"
  local opts=(-q -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/sources.list.d"
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Dir::Cache::pkgcache=
    -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update >>"$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "apt-get update (deb-src) failed; see $LOG"; }
  mkdir -p "$WORK/src"
  (cd "$WORK/src" && apt-get "${opts[@]}" source boost1.81) >>"$LOG" 2>&1 \
    || { tail -n 20 "$LOG" >&2; die "apt-get source boost1.81 failed; see $LOG"; }
  src=$(find "$WORK/src" -mindepth 1 -maxdepth 1 -type d -name 'boost1.81-*' | head -n1)
  [ -n "$src" ] && [ -f "$src/boost-build.jam" ] || die "apt-get source unpacked no boost1.81 tree; see $LOG"
  SRC=$src
  SRC_VERSION="boost1.81 $(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version 2>/dev/null || echo '?') (Debian source package)"
  say "source: $SRC_VERSION, fetched and unpacked in $(since "$t")"
}

if [ -n "${BOOST_TEMPFM_BOOST_SOURCE:-}" ]; then
  [ -f "$BOOST_TEMPFM_BOOST_SOURCE/boost-build.jam" ] || die "BOOST_TEMPFM_BOOST_SOURCE=$BOOST_TEMPFM_BOOST_SOURCE is not a Boost source tree"
  grep -q 'define BOOST_LIB_VERSION "1_81"' "$BOOST_TEMPFM_BOOST_SOURCE/boost/version.hpp" \
    || die "BOOST_TEMPFM_BOOST_SOURCE=$BOOST_TEMPFM_BOOST_SOURCE is not Boost 1.81"
  SRC=$BOOST_TEMPFM_BOOST_SOURCE
  SRC_VERSION="Boost 1.81 from $SRC"
else
  fetch_source
fi

# --- 5. b2 --------------------------------------------------------------------------------------
# Debian's b2 (B2 4.9, from the same boost1.81 source package) drives the source tree's own build
# system (boost-build.jam at its top points it at tools/build/src): no bootstrap, no bison.
t=$(now)
cat >"$WORK/user-config.jam" <<EOF
using gcc : mingw : $CXX_MINGW : <archiver>$HOST-ar <ranlib>$HOST-ranlib <rc>$HOST-windres ;
EOF
say "building Boost (${WITH[*]}) with $B2 -j$JOBS"
# In the background, in a process group of its own, so that a signal reaches this script at once
# (bash defers traps while a foreground child runs) and cleanup can stop b2 and its compilers.
(cd "$SRC" && exec setsid "$B2" -j"$JOBS" -q -d1 --user-config="$WORK/user-config.jam" --ignore-site-config \
  --build-dir="$WORK/build" --prefix="$STAGE/prefix" --layout=system \
  "${B2_PROPERTIES[@]}" "${WITH[@]/#/--with-}" install) >>"$LOG" 2>&1 </dev/null &
B2_PID=$!
if ! wait "$B2_PID"; then
  B2_PID=
  { grep -E -B2 -A8 '^(error|\.\.\.failed|.*: error:)' "$LOG" || tail -n 20 "$LOG"; } | head -n 60 >&2
  die "b2 failed; the whole log is $LOG"
fi
B2_PID=
say "b2 built and installed in $(since "$t")"

# --- 6. check and publish -----------------------------------------------------------------------
for l in "${EXPECT[@]}"; do
  [ -f "$STAGE/prefix/lib/libboost_$l.a" ] || die "b2 succeeded but lib/libboost_$l.a is missing; see $LOG"
done
[ -f "$STAGE/prefix/lib/cmake/Boost-1.81.0/BoostConfig.cmake" ] || die "b2 wrote no lib/cmake/Boost-1.81.0/BoostConfig.cmake"
# (grep -c, not -q: reading all of objdump's output spares it a SIGPIPE, which pipefail would see)
"$HOST-objdump" -f "$STAGE/prefix/lib/libboost_filesystem.a" | grep -c 'file format pe-x86-64' >/dev/null \
  || die "lib/libboost_filesystem.a is not x86-64 Windows code"
{
  echo "$KEY"
  echo "source: $SRC_VERSION"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(since "$t_all") with -j$JOBS"
} >"$STAGE/prefix/BUILD-INFO"
# Rename into place: the old directory (stale key) moves aside first, then the new one takes its name.
if [ -e "$DEST" ]; then
  mv -T "$DEST" "$STAGE/old"
fi
mv -T "$STAGE/prefix" "$DEST"
exec 9>&-  # the cache is complete: let waiting runs use it while this one cleans up
say "done: $DEST ($(du -sh "$DEST/lib" | cut -f1) of libraries) in $(since "$t_all")"
t=$(now)
cleanup
say "build tree removed in $(since "$t")"
echo "$DEST"
