#!/usr/bin/env bash
# Stops the daemons scripts/slurm/start.sh started: only the PIDs in its pid files, never by name.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/slurm/paths.sh
. "$HERE/paths.sh"

# slurmd first (it reports to slurmctld), then slurmctld, the accounting daemons, munged last (all of the
# Slurm daemons authenticate through it).
stop_pidfile slurmd
stop_pidfile slurmctld
stop_pidfile slurmdbd
stop_pidfile mariadb "$DB_RUN_DIR/mariadb.pid"
stop_pidfile munged
