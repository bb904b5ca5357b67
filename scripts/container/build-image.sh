#!/usr/bin/env bash
# Builds the pausenet image (configs/Dockerfile) on a base image pinned by content.
#
#   bash scripts/container/build-image.sh --base REF [--base-id sha256:<image id>] [--tag pausenet:local]
#
# REF is either a registry reference pinned by digest (node:24-bookworm-slim@sha256:<digest>: the
# engine verifies the digest when it pulls), or a local image with --base-id (its image id, which is
# the sha256 of its content; build-base.sh prints it): the build refuses to start if REF is any
# other image, and builds FROM the id itself so nothing can swap it in between. Prints the new
# image's id as the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."

BASE=
BASE_ID=
TAG=pausenet:local
while [ $# -gt 0 ]; do
  case "$1" in
    --base) BASE=$2; shift 2 ;;
    --base-id) BASE_ID=$2; shift 2 ;;
    --tag) TAG=$2; shift 2 ;;
    *) echo "build-image: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$BASE" ] || { echo "build-image: --base is required (see docs/node.md \"Container\")" >&2; exit 2; }

from=$BASE
if [ -n "$BASE_ID" ]; then
  actual=$(docker image inspect --format '{{.Id}}' "$BASE" 2>/dev/null) \
    || { echo "build-image: base image $BASE not found (build it: scripts/container/build-base.sh)" >&2; exit 1; }
  if [ "$actual" != "$BASE_ID" ]; then
    echo "build-image: $BASE is $actual, not the pinned $BASE_ID; refusing to build" >&2
    exit 1
  fi
  from=$BASE_ID
elif [[ "$BASE" != *@sha256:* ]]; then
  echo "build-image: $BASE is not pinned: give REF@sha256:<digest>, or a local image with --base-id" >&2
  exit 1
fi

start=$(date +%s)
# --network host: the build's apt and npm steps need the network, and these engines have no bridge.
DOCKER_BUILDKIT=0 docker build --network host -f configs/Dockerfile --build-arg "BASE=$from" \
  --label "org.opencontainers.image.base.name=$BASE" --label "org.opencontainers.image.base.digest=${BASE_ID:-${BASE#*@}}" \
  -t "$TAG" . >&2
id=$(docker image inspect --format '{{.Id}}' "$TAG")
size=$(docker image inspect --format '{{.Size}}' "$TAG")
echo "build-image: $TAG = $id ($((size / 1024 / 1024)) MiB) on $from in $(($(date +%s) - start)) s" >&2
echo "$id"
