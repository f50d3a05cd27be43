#!/usr/bin/env bash
# Builds AWS's Node.js Runtime Interface Client (aws-lambda-ric@3.3.0) for the compatibility test, outside the
# project's node_modules: its install compiles a native addon (curl and aws-lambda-cpp with autotools, then
# node-gyp), so it is no dependency of the project and `npm ci` needs nothing but Node and npm.
#
# Installs test/fixtures/aws-lambda-ric (package.json + package-lock.json: the pinned tree) with `npm ci` into
# .cache/aws-lambda-ric/<key>/, where <key> covers that lockfile and Node's module ABI; an existing build is
# reused. Prints the package directory (…/node_modules/aws-lambda-ric) on stdout; npm's output goes to stderr.
# Exit 3: the build tools are missing (bash scripts/ensure-services.sh installs them).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
fixture="$root/test/fixtures/aws-lambda-ric"
cache="${LAMBDOCK_RIC_CACHE:-$root/.cache/aws-lambda-ric}"
abi="$(node -p 'process.platform + "-" + process.arch + "-abi" + process.versions.modules')"
key="$(cat "$fixture/package.json" "$fixture/package-lock.json" | sha256sum | cut -c1-16)-$abi"
target="$cache/$key"
pkg="$target/node_modules/aws-lambda-ric"

if [ -f "$target/.complete" ]; then
  echo "$pkg"
  exit 0
fi

missing=()
for tool in autoreconf automake libtoolize make g++ cmake; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "aws-lambda-ric@3.3.0 (the compatibility test's runtime client) compiles a native addon and needs build tools that are missing here: ${missing[*]}. Run: bash scripts/ensure-services.sh" >&2
  exit 3
fi

mkdir -p "$cache"
build="$(mktemp -d "$cache/.build-XXXXXX")"
trap 'rm -rf "$build"' EXIT
cp "$fixture/package.json" "$fixture/package-lock.json" "$build/"
echo "[build-aws-ric] building aws-lambda-ric@3.3.0 into $target (about a minute)" >&2
(cd "$build" && npm ci --no-audit --no-fund --loglevel=error) >&2
[ -f "$build/node_modules/aws-lambda-ric/dist/rapid-client.node" ] || {
  echo "aws-lambda-ric built no dist/rapid-client.node: see npm's output above" >&2
  exit 1
}
touch "$build/.complete"
# Another run may have finished the same build meanwhile: keep the first one.
mv -T "$build" "$target" 2>/dev/null || true
trap - EXIT
rm -rf "$build"
[ -f "$target/.complete" ] || { echo "$target exists but holds no finished build: remove it and run again" >&2; exit 1; }
echo "$pkg"
