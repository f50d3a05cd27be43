#!/usr/bin/env bash
# Installs (from Debian) and starts what lambdock and its tests need on this host: a Docker engine,
# Redis, the host tools and Python for offline images and sandbox /tmp disks, and (for the tests only) the build tools
# of AWS's runtime client and the AWS CLI. Safe to run again: it only does what is missing. Needs root (or sudo) for apt-get, dockerd and losetup.
set -euo pipefail

log() { printf '[ensure-services] %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx wget || need+=(busybox-static)
command -v mkfs.ext4 >/dev/null 2>&1 || need+=(e2fsprogs)
command -v losetup >/dev/null 2>&1 || need+=(mount)
command -v curl >/dev/null 2>&1 || need+=(curl)
# The python3.11 runtime's offline stand-in: Debian's interpreter, its standard library, time zones, and the
# boto3 AWS bundles (Debian's python3-boto3 with its dependencies).
[ -x /usr/bin/python3.11 ] || need+=(python3.11)
[ -d /usr/lib/python3.11/lib-dynload ] || need+=(libpython3.11-stdlib)
[ -d /usr/share/zoneinfo ] || need+=(tzdata)
[ -d /usr/lib/python3/dist-packages/boto3 ] || need+=(python3-boto3)
# Tests only: the compatibility test runs AWS's Node.js runtime client (aws-lambda-ric), whose native addon
# scripts/build-aws-ric.sh compiles into .cache/ with these (no dependency of the project: `npm ci` needs
# nothing but Node and npm).
command -v autoreconf >/dev/null 2>&1 || need+=(autoconf)
command -v automake >/dev/null 2>&1 || need+=(automake)
command -v libtoolize >/dev/null 2>&1 || need+=(libtool)
# Tests only: examples/aws-cli/run.sh is run with the AWS CLI (Debian's is v2; v1 from pip does as well).
command -v aws >/dev/null 2>&1 || need+=(awscli)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Every execution environment is ~37 tasks (its runtime's threads, two containerd shims, init, its network
# holder): the kernel's default pid_max of 32,768 stops a host at ~880 environments. systemd hosts
# (Debian 12 among them) raise it to 4,194,304 at boot; a host started without systemd gets the same here.
pid_max=$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo 0)
if [ "$pid_max" -gt 0 ] && [ "$pid_max" -lt 4194304 ]; then
  if $SUDO sh -c 'echo 4194304 > /proc/sys/kernel/pid_max' 2>/dev/null; then
    log "kernel.pid_max raised from $pid_max to 4194304 (as systemd sets it)"
  else
    log "warning: kernel.pid_max is $pid_max and cannot be raised here: about $((pid_max / 37)) environments fit"
  fi
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  $SUDO sh -c 'setsid dockerd >/var/log/dockerd.log 2>&1 < /dev/null &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start:"; tail -20 /var/log/dockerd.log || true; exit 1; }
fi
log "docker engine $(docker version --format '{{.Server.Version}}')"

# Append-only persistence: an event lambdock answered 202 for is in the append-only file before the 202
# (a Redis that dies and starts again still has it).
REDIS_DIR="${LAMBDOCK_REDIS_DIR:-/var/lib/lambdock-redis}"
if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  log "starting redis-server on 127.0.0.1:6379 (append-only file in $REDIS_DIR)"
  $SUDO mkdir -p "$REDIS_DIR"
  $SUDO redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --dir "$REDIS_DIR" --save '' --appendonly yes >/dev/null
  for _ in $(seq 1 40); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.25; done
elif [ "$(redis-cli -p 6379 config get appendonly | tail -1)" != "yes" ]; then
  # Not ours to restart: say what it risks (its data dir cannot be changed while it runs).
  log "warning: the running redis-server has no append-only persistence: queued events do not survive its restart"
fi
log "redis $(redis-cli -p 6379 ping) (appendonly $(redis-cli -p 6379 config get appendonly | tail -1))"
