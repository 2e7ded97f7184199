#!/usr/bin/env bash
# CI: build the Dockerfile with buildah (no Docker daemon), push the image to a local registry,
# read it back through regql itself, and check that regql reports the digest and layers the
# registry holds.
#
# No registry but npm's and Debian's is reachable here, so the Dockerfile's node:20 base cannot
# be pulled. This script assembles an equivalent base from this machine's own Node.js 20 and npm
# (the node binary, the shared libraries it links, npm, dash as /bin/sh, a user `node` with uid
# 1000) and builds the unchanged Dockerfile FROM it (--build-arg NODE_IMAGE=...). The gateway
# that reads the image back is the one inside the built image, started with `buildah run` as the
# image's own user.
#
# It skips (exit 0, with the reason) only when buildah cannot be installed or cannot build and
# run anything on this machine; any later failure (the Dockerfile, the image, the push, regql's
# answer) fails the step. Storage is a temporary folder (vfs driver), removed at the end.
# shellcheck disable=SC2016 # single-quoted JavaScript uses its own ${...}
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$SECONDS
phase_start=$SECONDS
phase() {
  echo "ci-image: $1 ($((SECONDS - phase_start)) s)"
  phase_start=$SECONDS
}
skip() {
  echo "ci-image: SKIPPED: $*"
  exit 0
}

# --- buildah ------------------------------------------------------------------------------
if ! command -v buildah >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || skip "buildah is not installed (apt-get install buildah) and this is not root"
  echo "ci-image: installing buildah"
  if ! out=$(apt-get update -qq 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah 2>&1); then
    skip "apt-get install buildah failed: $(tail -n 3 <<<"$out")"
  fi
  phase "installed $(buildah --version)"
fi
for tool in docker-registry skopeo node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "ci-image: $tool is missing" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/regql-ci-image.XXXXXX")
registry_pid=
gateway_pid=
cleanup() {
  local status=$? t=$SECONDS
  if [ "$status" != 0 ] && [ -s "$work/gateway.log" ]; then
    sed 's/^/  gateway: /' "$work/gateway.log" >&2
  fi
  [ -z "$gateway_pid" ] || kill "$gateway_pid" 2>/dev/null || true
  [ -z "$registry_pid" ] || kill "$registry_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  buildah rm --all >/dev/null 2>&1 || true
  rm -rf "$work"
  echo "ci-image: cleaned up ($((SECONDS - t)) s); $((SECONDS - t0)) s in all"
}
trap cleanup EXIT

# Private storage for this run: nothing is left in /var/lib/containers.
cat >"$work/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$work/storage"
runroot = "$work/run"
EOF
export CONTAINERS_STORAGE_CONF="$work/storage.conf"
export BUILDAH_ISOLATION=chroot
base=localhost/regql-ci-node:20
image=localhost/regql:ci

# --- the base: this machine's Node.js 20 and npm in an image made from scratch ---------------
# Copies a file and every shared library it links (ldd) into the root folder $1.
copy_with_libs() {
  local root=$1 file=$2 dest=$3 lib
  mkdir -p "$root$(dirname "$dest")"
  cp -L "$file" "$root$dest"
  for lib in $(ldd "$file" | grep -o '/[^ ]*'); do
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
node_version=$(node --version)
case "$node_version" in
v20.*) ;;
*) echo "ci-image: this machine's node is $node_version; the image needs Node.js 20" >&2; exit 1 ;;
esac

# Makes $base: this machine's node and npm, the libraries they link, dash as /bin/sh, env, and
# the users root and node (1000:1000), as node:20-bookworm-slim has them; then runs node in it.
make_base() {
  local ctr=regql-ci-base root cafile
  buildah from --name "$ctr" scratch >/dev/null
  root=$(buildah mount "$ctr")
  mkdir -p "$root"/usr/{bin,lib,lib64,sbin} "$root"/usr/local/{bin,etc,lib/node_modules} \
    "$root"/{etc,root,tmp,home/node}
  for dir in bin lib lib64 sbin; do ln -s "usr/$dir" "$root/$dir"; done
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  chown 1000:1000 "$root/home/node"
  copy_with_libs "$root" "$node_bin" /usr/local/bin/node
  copy_with_libs "$root" "$(readlink -f /bin/sh)" /usr/bin/dash
  ln -s dash "$root/usr/bin/sh"
  copy_with_libs "$root" "$(readlink -f "$(command -v env)")" /usr/bin/env
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'node:x:1000:1000::/home/node:/bin/sh' \
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'node:x:1000:' 'nogroup:x:65534:' >"$root/etc/group"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
  # This machine reaches the npm registry trusting its own CA bundle (npm's global `cafile`,
  # NODE_EXTRA_CA_CERTS); the CI base trusts the same, or `npm ci` in the build cannot connect.
  local env=(--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    --env NODE_VERSION="${node_version#v}")
  cafile=$(npm config get cafile 2>/dev/null || true)
  if [ -n "$cafile" ] && [ "$cafile" != null ] && [ -f "$cafile" ]; then
    mkdir -p "$root$(dirname "$cafile")"
    cp -L "$cafile" "$root$cafile"
    printf 'cafile=%s\n' "$cafile" >"$root/usr/local/etc/npmrc"
  fi
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    mkdir -p "$root$(dirname "$NODE_EXTRA_CA_CERTS")"
    cp -L "$NODE_EXTRA_CA_CERTS" "$root$NODE_EXTRA_CA_CERTS"
    env+=(--env NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS")
  fi
  buildah config "${env[@]}" --cmd node "$ctr"
  buildah unmount "$ctr" >/dev/null
  buildah commit --quiet --rm "$ctr" "$base" >/dev/null
  # Can buildah run a program here at all? Without that, no Dockerfile RUN step can work.
  buildah from --pull=never --name regql-ci-probe "$base" >/dev/null
  buildah run regql-ci-probe -- node -e 'console.log(`node ${process.version} runs in the base`)'
  buildah rm regql-ci-probe >/dev/null
}

# errexit holds inside the subshell only when the subshell is not itself a tested command.
set +e
(set -e; make_base) >"$work/base.log" 2>&1
status=$?
set -e
if [ "$status" != 0 ]; then
  skip "buildah cannot make or run an image on this machine (exit status $status):
$(grep -v -e '^time=.*level=warning' "$work/base.log" | tail -n 5 | sed 's/^/  /')"
fi
phase "base image $base from this machine's node $node_version and npm $(npm --version)"

# --- the image: the Dockerfile as users build it, FROM that base -----------------------------
# npm's cache is lent to the build's RUN steps (a volume, not part of any layer): packages this
# machine's `npm ci` already fetched are not downloaded again.
npm_cache=$(npm config get cache)
mkdir -p "$npm_cache"
buildah build --pull=never --build-arg NODE_IMAGE="$base" --volume "$npm_cache:/root/.npm" \
  --tag "$image" --file Dockerfile . >"$work/build.log" 2>&1 || {
  sed 's/^/  build: /' "$work/build.log"
  echo "ci-image: buildah build failed" >&2
  exit 1
}
# The build's log without npm's engine warnings (the host's `npm ci` shows the same ones).
grep -v 'npm warn EBADENGINE' "$work/build.log" | sed 's/^/  build: /'
phase "built $image: $(buildah images --format '{{.Size}}' "$image") ($base: $(buildah images --format '{{.Size}}' "$base"))"

# --- a registry, the push, and what the registry holds ---------------------------------------
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
mkdir -p "$work/registry"
cat >"$work/registry/config.yml" <<EOF
version: 0.1
log: { level: warn, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $work/registry/storage } }
http: { addr: 127.0.0.1:$port, secret: $(od -An -tx1 -N16 /dev/urandom | tr -d ' \n') }
EOF
docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
registry_pid=$!
for i in $(seq 100); do
  node -e "fetch('http://127.0.0.1:$port/v2/').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" &&
    break
  [ "$i" -lt 100 ] || { echo "ci-image: the registry did not start" >&2; cat "$work/registry/log" >&2; exit 1; }
  sleep 0.1
done
repo=regql/gateway
tag=ci
buildah push --quiet --tls-verify=false --digestfile "$work/pushed-digest" \
  "$image" "docker://127.0.0.1:$port/$repo:$tag"
pushed=$(cat "$work/pushed-digest")
skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$port/$repo:$tag" >"$work/manifest.json"
skopeo inspect --config --tls-verify=false "docker://127.0.0.1:$port/$repo:$tag" >"$work/config.json"
phase "pushed $repo:$tag to the registry at 127.0.0.1:$port: $pushed"

# --- regql, from the image just built, reads it back ---------------------------------------
# The image's own settings: its entrypoint, user and folder, as `docker run` would use them.
config=$(buildah inspect --type image "$image" | node -e '
  let text = ""; process.stdin.on("data", (d) => (text += d));
  process.stdin.on("end", () => console.log(JSON.stringify(JSON.parse(text).OCIv1.config)));')
node -e '
  const c = JSON.parse(process.argv[1]);
  const problems = [];
  if (JSON.stringify(c.Entrypoint) !== JSON.stringify(["node", "dist/main.js"]))
    problems.push(`Entrypoint ${JSON.stringify(c.Entrypoint)}`);
  if (c.Cmd?.length) problems.push(`Cmd ${JSON.stringify(c.Cmd)}`);
  if (c.User !== "node") problems.push(`User ${c.User}`);
  if (c.WorkingDir !== "/app") problems.push(`WorkingDir ${c.WorkingDir}`);
  if (!c.ExposedPorts?.["4000/tcp"]) problems.push("port 4000 not exposed");
  for (const e of ["NODE_ENV=production", "NODE_OPTIONS=--max-semi-space-size=64", "HOST=0.0.0.0", "PORT=4000"])
    if (!c.Env?.includes(e)) problems.push(`no ${e}`);
  if (problems.length) { console.error(`ci-image: image config: ${problems.join(", ")}`); process.exit(1); }
' "$config"
mapfile -t entrypoint < <(node -e 'for (const a of JSON.parse(process.argv[1]).Entrypoint) console.log(a)' "$config")
buildah from --pull=never --name regql-ci-gateway "$image" >/dev/null
uid=$(buildah run regql-ci-gateway -- node -e 'console.log(`${process.getuid()}:${process.getgid()}`)')
[ "$uid" = 1000:1000 ] || { echo "ci-image: the image runs as $uid, not node (1000:1000)" >&2; exit 1; }
# Without REGISTRY_URL the image's entrypoint must stop with the configuration error.
if out=$(buildah run regql-ci-gateway -- "${entrypoint[@]}" 2>&1); then
  echo "ci-image: the image started without REGISTRY_URL: $out" >&2
  exit 1
fi
grep -q 'REGISTRY_URL is required' <<<"$out" || {
  echo "ci-image: unexpected output without REGISTRY_URL: $out" >&2
  exit 1
}
said=$(grep -v -e '^subprocess exited' -e '^Error: exit status' <<<"$out" | tr -s ' \n' ' ')
# Arguments after the image name reach regql (`docker run regql --help`).
buildah run regql-ci-gateway -- "${entrypoint[@]}" --help | grep -q REGISTRY_URL || {
  echo "ci-image: \`${entrypoint[*]} --help\` in the image did not list the settings" >&2
  exit 1
}
echo "ci-image: the image runs as uid:gid $uid; without REGISTRY_URL it stops with: $said"
gateway_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
# buildah's chroot isolation shares this machine's network: HOST=127.0.0.1 keeps it on loopback.
buildah run \
  --env REGISTRY_URL="http://127.0.0.1:$port" --env HOST=127.0.0.1 --env PORT="$gateway_port" \
  regql-ci-gateway -- "${entrypoint[@]}" >"$work/gateway.log" 2>&1 &
gateway_pid=$!
node - "$gateway_port" "127.0.0.1:$port/$repo:$tag" "$pushed" "$work" <<'EOF'
const [port, reference, pushed, work] = process.argv.slice(2);
const { createHash } = await import('node:crypto');
const { readFileSync } = await import('node:fs');
// What skopeo (an independent client) reads from the registry.
const raw = readFileSync(`${work}/manifest.json`);
const manifest = JSON.parse(raw);
const config = JSON.parse(readFileSync(`${work}/config.json`, 'utf8'));
const query = `query ($reference: String!) {
  image(reference: $reference) {
    digest mediaType tags { name }
    ... on ImageManifest { totalSize config { digest created user } layers { digest size } }
  }
}`;
let answer;
for (let i = 0; ; i++) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: { reference } }),
    });
    answer = await response.json();
    break;
  } catch (error) {
    if (i >= 150) throw new Error(`regql did not answer on port ${port}: ${error.message}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const image = answer.data?.image;
const problems = [];
if (answer.errors) problems.push(`errors: ${JSON.stringify(answer.errors)}`);
const hashed = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
if (image?.digest !== pushed) problems.push(`digest ${image?.digest} != pushed ${pushed}`);
if (hashed !== pushed) problems.push(`the registry's manifest hashes to ${hashed}, not ${pushed}`);
if (image?.mediaType !== manifest.mediaType) problems.push(`mediaType ${image?.mediaType}`);
if (image?.config?.digest !== manifest.config.digest) problems.push('config digest differs');
if (image?.config?.user !== 'node') problems.push(`config user ${image?.config?.user}`);
if (image && Date.parse(image.config.created) !== Date.parse(config.created))
  problems.push(`created ${image.config.created} != ${config.created}`);
if (!image?.tags?.some((t) => reference.endsWith(`:${t.name}`))) problems.push('tag missing');
const want = manifest.layers.map((l) => `${l.digest}/${l.size}`).join(' ');
const got = (image?.layers ?? []).map((l) => `${l.digest}/${l.size}`).join(' ');
if (want !== got) problems.push(`layers ${got} != ${want}`);
// The probes a platform points at the container: liveness, and readiness (the registry answers).
for (const probe of ['/health', '/ready']) {
  const response = await fetch(`http://127.0.0.1:${port}${probe}`);
  await response.body?.cancel();
  if (response.status !== 200) problems.push(`${probe} answered ${response.status}`);
}
if (problems.length > 0) {
  console.error(`ci-image: regql's answer is wrong:\n  ${problems.join('\n  ')}`);
  console.error(JSON.stringify(answer, null, 2));
  process.exit(1);
}
console.log(
  `ci-image: regql read ${reference} back: ${image.digest}, ${image.mediaType}, ` +
    `${image.layers.length} layers, ${image.totalSize} bytes, created ${image.config.created}, ` +
    `user ${image.config.user}; /health and /ready 200`,
);
EOF
phase "read back through regql running from the image (port $gateway_port)"
# SIGTERM must shut the gateway down cleanly (exit status 0), as at `docker stop`. buildah run
# answers a SIGTERM of its own by killing its child, so the signal goes to node itself: the
# descendant of buildah run (runtime, exec, node) that runs the image's entrypoint.
node_pid=$gateway_pid
for _ in 1 2 3; do node_pid=$(pgrep -P "$node_pid" | head -n 1 || true); done
if [ -z "$node_pid" ] || ! tr '\0' ' ' <"/proc/$node_pid/cmdline" | grep -q "${entrypoint[*]}"; then
  echo "ci-image: cannot find the gateway's node process under buildah run ($gateway_pid)" >&2
  exit 1
fi
kill -TERM "$node_pid"
status=0
wait "$gateway_pid" || status=$?
gateway_pid=
[ "$status" = 0 ] || {
  echo "ci-image: the gateway exited with status $status after SIGTERM" >&2
  sed 's/^/  gateway: /' "$work/gateway.log" >&2
  exit 1
}
phase "the gateway stopped on SIGTERM with status 0"
