#!/usr/bin/env bash
# Usage: scripts/bounded.sh SECONDS COMMAND [ARG...]
#
# Runs COMMAND (in a process group of its own) and passes on its exit status. When it is still
# running after SECONDS, prints the group's processes (a worker at 100% CPU is one whose event
# loop is held by a synchronous loop; the test reporter's [stall] lines say which file), then
# stops the group and exits 124: a hung test run fails CI within its budget, with a trace,
# instead of being cut off at the CI's own limit with none.
set -uo pipefail

limit=$1
shift
setsid "$@" &
group=$!

for ((waited = 0; waited < limit; waited++)); do
  if ! kill -0 "$group" 2>/dev/null; then
    wait "$group"
    exit $?
  fi
  sleep 1
done

echo "bounded: '$*' still running after ${limit} s; its processes:" >&2
ps -o pid,ppid,etimes,stat,pcpu,rss,args -g "$group" >&2
kill -TERM -- "-$group" 2>/dev/null
sleep 5
kill -KILL -- "-$group" 2>/dev/null
exit 124
