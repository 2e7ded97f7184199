#!/usr/bin/env bash
# Uploads a file to a repository through regql in chunks (GraphQL multipart requests), then
# completes it with its digest. Usage: examples/upload.sh FILE REPOSITORY [GRAPHQL_URL]
# The gateway must run with READ_ONLY=false (npm run demo does).
set -euo pipefail
file=$1 repo=$2 url=${3:-http://127.0.0.1:4000/graphql}
chunk=$((4 * 1024 * 1024))
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
id_of() { grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4; }

# 1. start an upload session
id=$(curl -sf "$url" -H 'content-type: application/json' \
  -d "{\"query\":\"mutation { startUpload(repository: \\\"$repo\\\") { id offset } }\"}" | id_of)

# 2. send the file in chunks; every answer carries the id the next call must use
split -b "$chunk" -d "$file" "$work/part-"
for part in "$work"/part-*; do
  answer=$(curl -sf "$url" -H 'x-regql-csrf: 1' \
    -F operations="{\"query\":\"mutation(\$id: String!, \$chunk: File!) { uploadChunk(repository: \\\"$repo\\\", id: \$id, chunk: \$chunk) { id offset } }\",\"variables\":{\"id\":\"$id\",\"chunk\":null}}" \
    -F map='{"0":["variables.chunk"]}' \
    -F 0=@"$part")
  id=$(echo "$answer" | id_of)
  echo "$answer"
done

# 3. complete with the digest; the registry checks it
digest="sha256:$(sha256sum "$file" | cut -d' ' -f1)"
curl -sf "$url" -H 'content-type: application/json' \
  -d "{\"query\":\"mutation { completeUpload(repository: \\\"$repo\\\", id: \\\"$id\\\", digest: \\\"$digest\\\") { digest size } }\"}"
echo
