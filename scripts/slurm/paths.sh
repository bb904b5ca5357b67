# Shared paths and helpers of the test Slurm cluster (sourced by start.sh and stop.sh).
# shellcheck shell=bash
CONF_DIR="${PAUSENET_SLURM_CONF_DIR:-/etc/slurm}"
STATE_DIR="${PAUSENET_SLURM_STATE_DIR:-/var/lib/pausenet-slurm}"
RUN_DIR="${PAUSENET_SLURM_RUN_DIR:-/run/pausenet-slurm}"
LOG_DIR="${PAUSENET_SLURM_LOG_DIR:-/var/log/pausenet-slurm}"
MUNGE_LOG=/var/log/munge/munged.log
# Accounting (slurmdbd + a private MariaDB): on unless PAUSENET_SLURM_ACCOUNTING=0.
ACCOUNTING="${PAUSENET_SLURM_ACCOUNTING:-1}"
DB_DIR="$STATE_DIR/mariadb"
DB_RUN_DIR="$RUN_DIR/mariadb" # owned by mysql: the socket and pid file of the private MariaDB
DB_SOCKET="$DB_RUN_DIR/mariadb.sock"
# Unprivileged OS users the live tests run the hook as (Slurm AdminLevel via sacctmgr; see docs/slurm.md).
OPERATOR_USER=pausenet-slurm-op
ADMIN_USER=pausenet-slurm-admin

# Stops the daemon whose pid file is $RUN_DIR/<name>.pid (or the file given): only that PID, never by name.
stop_pidfile() {
  local name="$1" file="${2:-$RUN_DIR/$1.pid}" pid
  if [ ! -f "$file" ]; then return 0; fi
  pid="$(cat "$file")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "slurm: $name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "slurm: stopped $name (pid $pid)"
  fi
  rm -f "$file"
}
