#!/usr/bin/env bash
# Stops the daemons scripts/slurm/start.sh started: only the PIDs in its pid files, never by name.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/slurm/paths.sh
. "$HERE/paths.sh"

stop_pidfile() {
  local name="$1" file="$RUN_DIR/$1.pid" pid
  if [ ! -f "$file" ]; then return 0; fi
  pid="$(cat "$file")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "slurm/stop: $name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "slurm/stop: stopped $name (pid $pid)"
  fi
  rm -f "$file"
}

# slurmd first (it reports to slurmctld), munged last (both daemons authenticate through it).
stop_pidfile slurmd
stop_pidfile slurmctld
stop_pidfile munged
