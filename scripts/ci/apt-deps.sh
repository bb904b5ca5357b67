#!/usr/bin/env bash
# Installs the Debian packages the tests use (real single-node Slurm with accounting, headless
# Chromium, promtool from prometheus to lint /metrics) and the container check uses (debootstrap,
# docker.io) when missing.
# Idempotent: exits at once when every package is already installed. Needs root (or sudo) and apt.
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge slurmdbd mariadb-server chromium prometheus debootstrap docker.io)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "apt-deps: all present (${PACKAGES[*]})"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-deps: apt-get not found; install manually: ${missing[*]}" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "apt-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "apt-deps: installing ${missing[*]}"
start=$(date +%s)
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "apt-deps: installed in $(($(date +%s) - start)) s"
