#!/bin/sh
# Entry point of the redis:7-bookworm stand-in, after the official one: `docker run IMAGE --flag` runs
# redis-server with that flag, and redis-server starts with protected mode off (the official image builds
# Redis with it off) unless the arguments set it.
set -e
case "${1:-}" in -*) set -- redis-server "$@" ;; esac
if [ "${1:-}" = redis-server ]; then
  case "${2:-}" in -v | --version | -h | --help | --test-memory | --check-system) exec "$@" ;; esac
  case " $* " in *" --protected-mode "*) ;; *) set -- "$@" --protected-mode no ;; esac
fi
exec "$@"
