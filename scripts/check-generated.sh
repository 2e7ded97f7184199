#!/usr/bin/env bash
# Regenerates schema/schema.graphql, test/generated/ and examples/generated/, then fails when they differ from what is committed.
set -euo pipefail
cd "$(dirname "$0")/.."

npx tsx scripts/print-schema.ts
npx graphql-codegen --config codegen.yml --silent

changes=$(git status --porcelain --untracked-files=all -- schema test/generated examples/generated)
if [ -n "$changes" ]; then
  echo "generated files are out of date: run npm run schema:print && npm run codegen, then commit them" >&2
  echo "$changes" >&2
  git --no-pager diff --stat -- schema test/generated examples/generated >&2
  exit 1
fi
echo "schema/schema.graphql, test/generated/ and examples/generated/ are up to date"
