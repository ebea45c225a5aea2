#!/usr/bin/env bash
# The multi-process demo (the README's first command runs it through ./build.sh demo):
# workers share one temp root, one is SIGKILLed mid-work, `tempfm ls` shows its orphans,
# `tempfm sweep` reclaims them, and every cleanup is logged.
#   example/multiprocess_demo.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: multiprocess_demo.sh BUILD_DIR}
tempfm="$build/tools/tempfm"
worker="$build/example/worker"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BOOST_TEMPFM_ROOT="$work/root"
say() { printf '\n== %s\n' "$*"; }

say "three workers share the temp root $BOOST_TEMPFM_ROOT"
"$worker" encoder 2 & a=$!
"$worker" muxer 60 & b=$!
"$worker" thumbnailer 3 & c=$!
sleep 1
"$tempfm" ls

say "the muxer (pid $b) is killed with SIGKILL mid-work: no destructor, no exit hook runs"
kill -9 "$b"
wait "$b" 2>/dev/null || true

say "the other two finish normally; their exit cleanup is logged"
wait "$a" "$c"

say "tempfm ls: what is left belongs to the dead muxer"
"$tempfm" ls
"$tempfm" du

say "tempfm sweep: reclaim the dead owner's files (each removal logged to stderr)"
"$tempfm" sweep

say "tempfm ls: nothing left"
"$tempfm" ls

say "tempfm run: a command gets a fresh TMPDIR, removed afterwards whatever the command does"
"$tempfm" run -- sh -c 'echo "  TMPDIR=$TMPDIR"; mkdir "$TMPDIR/out"; echo data > "$TMPDIR/out/x"; kill -9 $$' \
  || echo "  the command died with status $?; its TMPDIR is gone: $(ls -A "$BOOST_TEMPFM_ROOT" | grep -vc '^\.tempfm-' || true) entries left"
