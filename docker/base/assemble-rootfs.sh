#!/bin/sh
# Assemble a minimal root filesystem from this host's own binaries, for offline stand-ins of official
# base images (`FROM scratch` + `COPY rootfs/ /` in docker/base/<image>/Dockerfile).
#
#   docker/base/assemble-rootfs.sh <out-dir> <binary-or-file...>
#
# Each argument is a command name (looked up on PATH) or an absolute path. It is copied to the same
# absolute path under <out-dir> with symlinks followed, together with every library `ldd` lists for it and
# the dynamic loader. Plain files (e.g. /etc/mke2fs.conf) are copied as they are. Always added:
# - busybox (BUSYBOX, default: `command -v busybox`), one symlink per applet where no real binary exists;
# - dash as /bin/sh when the host has it (else busybox's sh);
# - the host's merged-/usr layout (/bin -> usr/bin, ...);
# - the CA bundle (CA_BUNDLE, default /etc/ssl/certs/ca-certificates.crt);
# - minimal /etc/passwd, /etc/group, /etc/nsswitch.conf, /etc/hosts, and 1777 /tmp and /var/tmp.
set -eu

die() { echo "assemble-rootfs: $*" >&2; exit 1; }

[ "$#" -ge 1 ] || die "usage: $0 <out-dir> <binary...>"
out=$1
shift
case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
[ "$out" != "/" ] || die "refusing to write into /"

busybox=${BUSYBOX:-$(command -v busybox || true)}
[ -n "$busybox" ] && [ -x "$busybox" ] || die "busybox not found: install busybox-static (apt-get install busybox-static)"
command -v ldd >/dev/null || die "ldd not found: install libc-bin"
ca_bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ -f "$ca_bundle" ] || die "CA bundle $ca_bundle not found: install ca-certificates"

mkdir -p "$out/usr/bin" "$out/usr/sbin" "$out/usr/lib" "$out/etc/ssl/certs" "$out/root" "$out/var/tmp"
chmod 700 "$out/root"

# Mirror the host's merged /usr: copying to "$out/lib/..." then lands in "$out/usr/lib/...". The links are
# made relative here even if the host's are absolute, so nothing is ever written outside "$out".
for dir in bin sbin lib lib64 lib32 libx32; do
  if [ -L "/$dir" ] && [ ! -e "$out/$dir" ]; then
    target=$(readlink "/$dir")
    mkdir -p "$out/usr/${target##*/}"
    ln -s "usr/${target##*/}" "$out/$dir"
  fi
done
mkdir -p "$out/bin" "$out/sbin" "$out/lib"

# copy_path <absolute path>: same path under $out, content of the symlink's target.
copy_path() {
  mkdir -p "$out$(dirname "$1")"
  cp -L --preserve=mode "$1" "$out$1"
}

# copy_with_libs <absolute path>: the file plus every absolute path `ldd` prints (libraries and loader).
copy_with_libs() {
  copy_path "$1"
  libs=$(ldd "$1" 2>/dev/null || true)
  case "$libs" in *"not found"*)
    die "$1 needs libraries missing on this host: $(echo "$libs" | grep 'not found' | tr -s ' \t' ' ')" ;;
  esac
  for lib in $(echo "$libs" | grep -o '/[^ ]*'); do
    [ -e "$out$lib" ] || copy_path "$lib"
  done
}

copy_with_libs "$busybox"
if [ "$busybox" != /bin/busybox ] && [ "$busybox" != /usr/bin/busybox ]; then
  cp -L --preserve=mode "$busybox" "$out/bin/busybox"
fi

for arg in "$@"; do
  case "$arg" in
    /*) path=$arg ;;
    *) path=$(command -v "$arg" || true) ;;
  esac
  [ -n "$path" ] && [ -e "$path" ] || die "$arg not found on this host"
  copy_with_libs "$path"
done

# /bin/sh is the host's dash when there is one, as in Debian images: busybox-static's own shell runs its
# applets in preference to real binaries on PATH (`sh -c 'losetup …'` would get busybox's losetup).
dash=$(command -v dash || true)
if [ -n "$dash" ]; then
  copy_with_libs "$dash"
  [ -e "$out/bin/dash" ] || cp -L --preserve=mode "$dash" "$out/bin/dash"
  ln -s dash "$out/bin/sh"
fi

# One symlink per applet, at busybox's own path for it, unless a real binary of that name was copied.
for applet in $("$busybox" --list-full); do
  name=${applet##*/}
  [ "$name" != linuxrc ] || continue
  taken=""
  for dir in usr/local/sbin usr/local/bin usr/sbin usr/bin sbin bin; do
    if [ -e "$out/$dir/$name" ] || [ -L "$out/$dir/$name" ]; then taken=1; break; fi
  done
  [ -n "$taken" ] && continue
  mkdir -p "$out/$(dirname "$applet")"
  ln -s /bin/busybox "$out/$applet"
done

cp -L "$ca_bundle" "$out/etc/ssl/certs/ca-certificates.crt"
chmod 644 "$out/etc/ssl/certs/ca-certificates.crt"

cat >"$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
cat >"$out/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
nogroup:x:65534:
GROUP
cat >"$out/etc/nsswitch.conf" <<'NSS'
passwd: files
group: files
shadow: files
hosts: files dns
networks: files
protocols: files
services: files
NSS
cat >"$out/etc/hosts" <<'HOSTS'
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
HOSTS
chmod 644 "$out/etc/passwd" "$out/etc/group" "$out/etc/nsswitch.conf" "$out/etc/hosts"

mkdir -p "$out/tmp"
chmod 1777 "$out/tmp" "$out/var/tmp"
