#!/usr/bin/env bash
# The Debian packages, as a user gets them: built with cpack from BUILD, installed with
# `apt install ./*.deb` on a fresh minimal Debian 12 (debootstrap into OUT/root, a chroot), then
# used with no further step by a CMake project, a pkg-config build and from the shell; the systemd
# timer is shipped and not enabled.
#   test/smoke/debian.sh BUILD OUT
# BUILD must be configured with -DCMAKE_INSTALL_PREFIX=/usr. The minimal system is cached as a
# tarball in $BOOST_TEMPFM_CACHE (default ~/.cache/boost_tempfm), outside the clone.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$1" && pwd)
OUT=$2
CACHE=${BOOST_TEMPFM_CACHE:-$HOME/.cache/boost_tempfm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
fail() { echo "debian.sh: FAILED: $*" >&2; exit 1; }

echo "--- cpack -G DEB"
rm -rf "$BUILD/packages"
(cd "$BUILD" && cpack -G DEB >/dev/null)
mapfile -t debs < <(find "$BUILD/packages" -name '*.deb' | sort)
[ ${#debs[@]} -eq 3 ] || fail "expected 3 packages, got ${#debs[@]}"
for d in "${debs[@]}"; do echo "  $(basename "$d"): $(dpkg-deb -f "$d" Depends)"; done
if command -v systemd-analyze >/dev/null; then
  units=$(mktemp -d)
  dpkg-deb -x "$(printf '%s\n' "${debs[@]}" | grep /tempfm_)" "$units"
  # Checked as installed (ExecStart must exist): the unit's paths point into the extracted tree.
  sed -i "s|/usr/bin/tempfm|$units/usr/bin/tempfm|g" "$units/usr/lib/systemd/user/tempfm-sweep.service"
  SYSTEMD_LOG_LEVEL=err systemd-analyze verify --man=no "$units/usr/lib/systemd/user/tempfm-sweep.timer" \
    "$units/usr/lib/systemd/user/tempfm-sweep.service" || fail "systemd-analyze verify"
  rm -rf "$units"
  echo "  systemd-analyze verify: the units are valid"
fi

echo "--- a fresh minimal Debian 12"
root=$OUT/root
if [ -d "$root/proc" ] && mountpoint -q "$root/proc"; then umount "$root/proc"; fi
rm -rf "$root"
mkdir -p "$root" "$CACHE"
tarball=$CACHE/bookworm-minbase.tar.gz
if [ ! -f "$tarball" ]; then
  debootstrap --variant=minbase bookworm "$OUT/bootstrap" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 \
    || { tail -n 20 "$OUT/debootstrap.log"; fail "debootstrap"; }
  tar -C "$OUT/bootstrap" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf "$OUT/bootstrap"
fi
tar -C "$root" -xzf "$tarball"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
mkdir -p "$root/debs" "$root/smoke"
cp "${debs[@]}" "$root/debs/"
cp -r "$SRC/test/smoke/main.cpp" "$SRC/test/smoke/find_package" "$root/smoke/"

echo "--- apt install ./*.deb, then use it"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive \
  /bin/bash -euo pipefail -c '
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends ./debs/*.deb g++ cmake make pkgconf >/tmp/apt.log 2>&1 \
      || { tail -n 30 /tmp/apt.log; exit 1; }
    echo "  installed: $(dpkg-query -W -f="\${Package} \${Version}, " libboost-tempfm-dev tempfm "libboost-tempfm*")"
    # The tool, from the shell.
    tempfm --version | grep -qx "tempfm (boost_tempfm) '"$(dpkg-deb -f "${debs[0]}" Version | cut -d- -f1)"'"
    # What the timer runs, on a machine where no root exists yet: nothing to do, exit 0.
    env -u TMPDIR tempfm sweep | grep -q "nothing here"
    tempfm run --root /tmp/shellroot -- sh -c "test -d \"\$TMPDIR\""
    tempfm ls --root /tmp/shellroot >/dev/null
    echo "  tempfm runs from /usr/bin"
    # The timer is shipped, and nothing enables it.
    test -f /usr/lib/systemd/user/tempfm-sweep.timer
    if find /etc/systemd -name "tempfm-sweep*" | grep -q .; then echo "the timer is enabled"; exit 1; fi
    echo "  tempfm-sweep.timer shipped, not enabled"
    # A CMake project.
    cmake -S /smoke/find_package -B /tmp/fp >/dev/null
    cmake --build /tmp/fp >/dev/null
    /tmp/fp/smoke_shared
    /tmp/fp/smoke_static
    # A pkg-config build.
    g++ -std=c++17 -o /tmp/pc /smoke/main.cpp $(pkg-config --cflags --libs boost_tempfm)
    /tmp/pc
  ' || fail "the installed packages"
echo "debian.sh: the packages install on a fresh Debian 12 and work"
