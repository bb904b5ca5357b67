#!/usr/bin/env bash
# The container check CI runs: start an engine (engine.sh), build the local base (build-base.sh) and
# the image on it pinned by id (build-image.sh), check the image holds runtime files only, run a
# member node from it in a network and check it reaches the pause (devnet-check.mjs), and run the
# systemd unit under a real systemd (systemd-check.sh). Stops the engine it started. Needs root, apt (docker.io, debootstrap), the Debian mirror and the npm registry.
#
#   sudo bash scripts/container/ci.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

t0=$(date +%s)
step() { echo "container-ci: $1 (+$(($(date +%s) - t0)) s)"; }

if ! command -v debootstrap >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
started_engine=0
if ! docker info >/dev/null 2>&1; then
  bash scripts/container/engine.sh start
  started_engine=1
fi
# On an engine this script started, also drop the build stage's dangling images (about 1.2 GB a run).
cleanup() {
  if [ "$started_engine" -eq 1 ]; then
    docker image prune -f >/dev/null || true
    bash scripts/container/engine.sh stop
  fi
}
trap cleanup EXIT
step "engine ready"

base_tag=pausenet-base:node24-bookworm
base_id=$(bash scripts/container/build-base.sh --node 24 --tag "$base_tag" | tail -n1)
step "base $base_tag = $base_id"

image_id=$(bash scripts/container/build-image.sh --base "$base_tag" --base-id "$base_id" --tag pausenet:ci | tail -n1)
step "image pausenet:ci = $image_id"

# Runtime files only: no test or build tooling, no sources, runs as 10001.
found=$(docker run --rm --user 0 --entrypoint /bin/sh pausenet:ci -c \
  'find / -xdev \( -path /proc -o -path /sys \) -prune -o -type d \( -path "*/node_modules/vitest" -o -path "*/node_modules/vite" -o -path "*/node_modules/typescript" -o -path "*/node_modules/@biomejs" -o -path "*/node_modules/playwright-core" \) -print; [ -e /src ] && echo /src; true')
if [ -n "$found" ]; then
  echo "container-ci: the image holds build or test tooling:" >&2
  echo "$found" >&2
  exit 1
fi
user=$(docker image inspect --format '{{.Config.User}}' pausenet:ci)
[ "$user" = "10001:10001" ] || { echo "container-ci: image user is '$user', expected 10001:10001" >&2; exit 1; }
docker run --rm pausenet:ci --version
step "image holds runtime files only, user $user"

node scripts/container/devnet-check.mjs --image pausenet:ci --json
step "member node from the image reached the pause"

bash scripts/container/systemd-check.sh --base "$base_tag" --app pausenet:ci
step "configs/pausenet.service under systemd"
docker image rm pausenet:ci "$base_tag" >/dev/null
echo "container-ci: OK in $(($(date +%s) - t0)) s"
