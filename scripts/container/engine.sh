#!/usr/bin/env bash
# A Docker engine for the container scripts, on machines without one running: Debian's docker.io
# dockerd with no iptables and no bridge network (what works in a VM without netfilter rights;
# containers then use --network host), and the overlay2 storage driver where the kernel lets us mount
# overlayfs, else vfs (works everywhere, but every build step copies the whole filesystem).
# PAUSENET_DOCKER_STORAGE_DRIVER=vfs|overlay2 forces one.
#
#   sudo bash scripts/container/engine.sh start   # installs docker.io with apt if missing; no-op if an engine answers
#   sudo bash scripts/container/engine.sh stop    # stops only a dockerd that `start` started
set -euo pipefail

PIDFILE=/run/pausenet-dockerd.pid
LOG=${PAUSENET_DOCKERD_LOG:-/var/log/pausenet-dockerd.log}

case "${1:-}" in
  start)
    if docker info >/dev/null 2>&1; then
      echo "engine: a Docker engine is already running"
      exit 0
    fi
    [ "$(id -u)" -eq 0 ] || { echo "engine: needs root to start dockerd" >&2; exit 1; }
    if ! command -v dockerd >/dev/null 2>&1; then
      echo "engine: installing docker.io (apt)"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends docker.io >/dev/null
    fi
    driver=${PAUSENET_DOCKER_STORAGE_DRIVER:-}
    if [ -z "$driver" ]; then
      mkdir -p /var/lib/docker
      probe=$(mktemp -d /var/lib/docker/overlay-probe.XXXXXX)
      mkdir "$probe"/{lower,upper,work,merged}
      if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
        umount "$probe/merged"
        driver=overlay2
      else
        driver=vfs
      fi
      rm -rf "$probe"
    fi
    start=$(date +%s)
    setsid dockerd --storage-driver="$driver" --iptables=false --bridge=none --pidfile "$PIDFILE" >"$LOG" 2>&1 < /dev/null &
    for _ in $(seq 1 120); do
      if docker info >/dev/null 2>&1; then
        echo "engine: dockerd ($driver) started in $(($(date +%s) - start)) s (pid $(cat "$PIDFILE"), log $LOG)"
        exit 0
      fi
      sleep 0.5
    done
    echo "engine: dockerd did not answer within 60 s; last log lines:" >&2
    tail -20 "$LOG" >&2
    exit 1
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      pid=$(cat "$PIDFILE")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      echo "engine: dockerd (pid $pid) stopped"
    fi
    ;;
  *)
    echo "usage: engine.sh start|stop" >&2
    exit 2
    ;;
esac
