#!/usr/bin/env bash
# Fails when schema/api-contract.graphql (the copy the tests read) differs from the design folder's
# contract beside the repository; skips, saying so, when there is no such folder (a plain clone).
set -euo pipefail
cd "$(dirname "$0")/.."

copy=schema/api-contract.graphql
design=../shared/design/api-contract.graphql
if [ ! -e "$design" ]; then
  echo "$design not found (no design folder beside the repository): $copy not compared"
  exit 0
fi
if ! cmp -s "$copy" "$design"; then
  echo "$copy differs from $design, the binding contract: run cp $design $copy and commit it" >&2
  diff -u "$copy" "$design" | head -n 60 >&2 || true
  exit 1
fi
echo "$copy matches $design"
