#!/bin/sh
# Entry point of the lambdock image. With REDIS_URL set (compose), it runs the command as it is. Without,
# it first starts a Redis of this container's own on 127.0.0.1:6379 (no persistence: the state lives as
# long as the container, like the sandboxes it describes), waits until it answers, and points lambdock at it.
set -eu
if [ -z "${REDIS_URL:-}" ]; then
  mkdir -p /opt/redis/data
  chroot /opt/redis redis-server --port 6379 --bind 127.0.0.1 --protected-mode no \
    --save '' --appendonly no --dir /data --daemonize yes --logfile /data/redis.log
  tries=0
  until node -e 'require("net").connect(6379, "127.0.0.1").on("connect", () => process.exit(0)).on("error", () => process.exit(1))'; do
    tries=$((tries + 1))
    if [ "$tries" -ge 100 ]; then
      echo "lambdock: the embedded redis-server did not start: $(cat /opt/redis/data/redis.log 2>/dev/null)" >&2
      exit 1
    fi
    sleep 0.1
  done
  export REDIS_URL=redis://127.0.0.1:6379
fi
exec "$@"
