#!/bin/sh
# libs/sources.sh BACKEND: the library's sources for a platform backend (linux, posix, windows), one
# per line, relative to libs/, as libs/sources.txt lists them: a file alone belongs to every backend,
# a file followed by backend names to those. The Jamroot and build.sh use it; CMake applies the same
# rule itself (cmake/library_targets.cmake).
set -eu
case "${1:-}" in linux | posix | windows) ;; *) echo "usage: $0 linux|posix|windows" >&2; exit 2 ;; esac
awk -v b="$1" '/^[ \t]*(#|$)/ { next }
  NF == 1 { print $1; next }
  { for (i = 2; i <= NF; ++i) if ($i == b) { print $1; next } }' "$(dirname "$0")/sources.txt"
