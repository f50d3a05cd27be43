#!/bin/sh
# lambdock's stem-cell shim for the runtimes whose bootstrap starts a process of its own (python3.11, the
# custom runtimes): a stem cell is a runtime container started before any function is known (generic
# environment, empty /var/task). This script tells lambdock it is parked (a marker line on its output,
# which lambdock drops) and blocks on the claim pipe beside it. A claim is one line of shell (lambdock
# writes it: `unset` of the stem cell's own variables, then each of the function's variables exported,
# its bytes as printf %b escapes); with the function's code already in /var/task, it then execs the
# image's bootstrap as a normal start would. What it saves is the container's create and start. POSIX sh
# only (dash and bash run it).
dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || exit 1
printf '\000lambdock-stem-cell-parked\n'
# lambdock holds the pipe open for writing: the open never waits, and the read ends only with a whole
# line (or end-of-file: lambdock closed it, the stem cell is being removed).
IFS= read -r claim <"$dir/claim" || exit 0
eval "$claim"
exec /var/runtime/bootstrap
