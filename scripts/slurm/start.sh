#!/usr/bin/env bash
# Starts a single-node Slurm cluster on loopback for the tests (no systemd): munged, a private MariaDB and
# slurmdbd (accounting), slurmctld, slurmd; and the unprivileged operator users the live tests run the hook as.
# Idempotent: daemons already running (per our pid files) are left alone; a changed slurm.conf restarts
# slurmctld and slurmd. Needs root and the Debian packages slurmctld slurmd slurm-client munge slurmdbd
# mariadb-server (scripts/ci/apt-deps.sh installs them).
# Env: PAUSENET_SLURM_CPUS (16), PAUSENET_SLURM_GPUS (8 fake GPUs: symlinks to /dev/null), PAUSENET_SLURM_TIMEOUT
# (60 s), PAUSENET_SLURM_ACCOUNTING (1; 0 = no slurmdbd/MariaDB, accounting_storage/none).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/slurm/paths.sh
. "$HERE/paths.sh"

CPUS="${PAUSENET_SLURM_CPUS:-16}"
GPUS="${PAUSENET_SLURM_GPUS:-8}"
TIMEOUT="${PAUSENET_SLURM_TIMEOUT:-60}"
DBD_PORT="${PAUSENET_SLURMDBD_PORT:-6819}"
HOST="$(hostname -s)"
t0=$(date +%s%N)

die() {
  echo "slurm/start: $*" >&2
  for f in "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log" "$LOG_DIR/slurmdbd.log" "$LOG_DIR/mariadb/error.log" "$MUNGE_LOG"; do
    if [ -f "$f" ]; then echo "--- tail $f" >&2; tail -n 20 "$f" >&2; fi
  done
  exit 1
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Polls `$@` every 0.1 s for up to TIMEOUT seconds; succeeds as soon as it does.
wait_for() {
  for _ in $(seq 1 $((TIMEOUT * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (starts munged as munge, slurmctld as SlurmUser=slurm)"
[ "$ACCOUNTING" = 0 ] || [ "$ACCOUNTING" = 1 ] || die "PAUSENET_SLURM_ACCOUNTING must be 0 or 1"
bins=(munged slurmctld slurmd sinfo scontrol runuser)
if [ "$ACCOUNTING" = 1 ]; then bins+=(slurmdbd sacctmgr mariadbd mariadb-install-db mariadb mariadb-admin useradd); fi
for bin in "${bins[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || die "$bin not found: run scripts/ci/apt-deps.sh first"
done
id munge >/dev/null 2>&1 || die "user munge missing (install the munge package)"
id slurm >/dev/null 2>&1 || die "user slurm missing (install the slurmctld package)"
if [ "$ACCOUNTING" = 1 ]; then id mysql >/dev/null 2>&1 || die "user mysql missing (install mariadb-server)"; fi

mkdir -p "$RUN_DIR" "$LOG_DIR" "$STATE_DIR/ctld" "$STATE_DIR/slurmd" "$CONF_DIR"
chown slurm:slurm "$STATE_DIR/ctld" "$LOG_DIR"
chmod 0755 "$RUN_DIR"
[ "$GPUS" -ge 1 ] || die "PAUSENET_SLURM_GPUS must be >= 1"
mkdir -p "$STATE_DIR/fakegpu"
for i in $(seq 0 $((GPUS - 1))); do ln -sfn /dev/null "$STATE_DIR/fakegpu/gpu$i"; done

# --- munge -----------------------------------------------------------------------------------------
mkdir -p /run/munge /var/lib/munge /var/log/munge /etc/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  if command -v mungekey >/dev/null 2>&1; then mungekey --create --keyfile=/etc/munge/munge.key
  else dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key

if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  echo "slurm/start: munged already running"
else
  runuser -u munge -- munged || die "munged failed to start"
  for _ in $(seq 1 50); do
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  munge -n | unmunge >/dev/null || die "munged not answering"
  cp /run/munge/munged.pid "$RUN_DIR/munged.pid"
fi

# --- config ----------------------------------------------------------------------------------------
for f in slurm.conf slurmdbd.conf; do
  if [ -f "$CONF_DIR/$f" ] && ! grep -q '^# managed-by: pausenet' "$CONF_DIR/$f"; then
    die "$CONF_DIR/$f exists and is not ours; refusing to overwrite (set PAUSENET_SLURM_CONF_DIR)"
  fi
done
MEM="$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')"
[ -n "$MEM" ] || die "cannot read RealMemory from 'slurmd -C'"
ACCT_TYPE=accounting_storage/none ACCT_TRES="# (no AccountingStorageTRES: needs slurmdbd)"
ACCT_ENFORCE="# (no AccountingStorageEnforce: needs slurmdbd)"
if [ "$ACCOUNTING" = 1 ]; then
  ACCT_TYPE=accounting_storage/slurmdbd ACCT_TRES=AccountingStorageTRES=gres/gpu
  ACCT_ENFORCE=AccountingStorageEnforce=associations,limits
fi
render() {
  sed -e "s|@HOST@|$HOST|g" -e "s|@CPUS@|$CPUS|g" -e "s|@GPUS@|$GPUS|g" -e "s|@GPU_MAX@|$((GPUS - 1))|g" -e "s|@MEM@|$MEM|g" \
    -e "s|@STATE_DIR@|$STATE_DIR|g" -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@LOG_DIR@|$LOG_DIR|g" \
    -e "s|@ACCT_TYPE@|$ACCT_TYPE|g" -e "s|@ACCT_TRES@|$ACCT_TRES|g" -e "s|@ACCT_ENFORCE@|$ACCT_ENFORCE|g" -e "s|@DBD_PORT@|$DBD_PORT|g" \
    -e "s|@CTLD_PORT@|${PAUSENET_SLURMCTLD_PORT:-6817}|g" -e "s|@SLURMD_PORT@|${PAUSENET_SLURMD_PORT:-6818}|g" "$1"
}
render "$HERE/slurm.conf.template" >"$CONF_DIR/slurm.conf.new"
render "$HERE/gres.conf.template" >"$CONF_DIR/gres.conf.new"
changed=0
cmp -s "$CONF_DIR/slurm.conf.new" "$CONF_DIR/slurm.conf" 2>/dev/null || changed=1
cmp -s "$CONF_DIR/gres.conf.new" "$CONF_DIR/gres.conf" 2>/dev/null || changed=1
mv "$CONF_DIR/slurm.conf.new" "$CONF_DIR/slurm.conf"
mv "$CONF_DIR/gres.conf.new" "$CONF_DIR/gres.conf"
chmod 0644 "$CONF_DIR/slurm.conf" "$CONF_DIR/gres.conf"
export SLURM_CONF="$CONF_DIR/slurm.conf"

# --- accounting: a private MariaDB (Unix socket only) and slurmdbd -----------------------------------
if [ "$ACCOUNTING" = 1 ]; then
  mkdir -p "$DB_DIR" "$DB_RUN_DIR" "$LOG_DIR/mariadb"
  chown mysql:mysql "$DB_DIR" "$DB_RUN_DIR" "$LOG_DIR/mariadb"
  chmod 0700 "$DB_DIR"
  chmod 0755 "$DB_RUN_DIR"
  if [ ! -d "$DB_DIR/mysql" ]; then
    mariadb-install-db --no-defaults --user=mysql --datadir="$DB_DIR" --auth-root-authentication-method=socket \
      --skip-test-db >"$LOG_DIR/mariadb/install.log" 2>&1 || die "mariadb-install-db failed: see $LOG_DIR/mariadb/install.log"
  fi
  dbping() { mariadb-admin --no-defaults --socket="$DB_SOCKET" -u root ping; }
  if alive "$DB_RUN_DIR/mariadb.pid"; then
    echo "slurm/start: mariadb already running (pid $(cat "$DB_RUN_DIR/mariadb.pid"))"
  else
    # mariadbd stays in the foreground: detach it from this shell. No TCP listener (--skip-networking). A small
    # buffer pool for a test cluster (slurmdbd logs that it is below its recommendation: harmless here).
    setsid mariadbd --no-defaults --user=mysql --datadir="$DB_DIR" --socket="$DB_SOCKET" \
      --pid-file="$DB_RUN_DIR/mariadb.pid" --skip-networking --log-error="$LOG_DIR/mariadb/error.log" \
      --innodb-buffer-pool-size=64M --innodb-lock-wait-timeout=900 </dev/null >/dev/null 2>&1 &
  fi
  wait_for dbping || die "mariadb not answering on $DB_SOCKET after ${TIMEOUT}s"
  # slurmdbd logs in as the OS user slurm through the socket (unix_socket authentication): no password.
  mariadb --no-defaults --socket="$DB_SOCKET" -u root -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db;
    CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED VIA unix_socket;
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';" || die "cannot set up the slurm database user"

  render "$HERE/slurmdbd.conf.template" >"$CONF_DIR/slurmdbd.conf.new"
  chown slurm:slurm "$CONF_DIR/slurmdbd.conf.new"
  chmod 0600 "$CONF_DIR/slurmdbd.conf.new" # slurmdbd refuses a config others can read
  dbd_changed=0
  cmp -s "$CONF_DIR/slurmdbd.conf.new" "$CONF_DIR/slurmdbd.conf" 2>/dev/null || dbd_changed=1
  mv "$CONF_DIR/slurmdbd.conf.new" "$CONF_DIR/slurmdbd.conf"
  if alive "$RUN_DIR/slurmdbd.pid" && [ "$dbd_changed" -eq 1 ]; then
    echo "slurm/start: slurmdbd.conf changed: restarting slurmdbd"
    stop_pidfile slurmdbd
  fi
  if alive "$RUN_DIR/slurmdbd.pid"; then
    echo "slurm/start: slurmdbd already running (pid $(cat "$RUN_DIR/slurmdbd.pid"))"
  else
    # The MariaDB client library finds the private server's socket through MYSQL_UNIX_PORT.
    MYSQL_UNIX_PORT="$DB_SOCKET" slurmdbd || die "slurmdbd failed to start"
  fi
  wait_for sacctmgr -n list cluster || die "slurmdbd not answering 'sacctmgr list cluster' after ${TIMEOUT}s"

  # The cluster, an account, and one OS user per Slurm admin level (what each level allows: docs/slurm.md).
  cluster="$(sed -n 's/^ClusterName=//p' "$CONF_DIR/slurm.conf")"
  if ! sacctmgr -n -P list cluster "$cluster" format=cluster | grep -qx "$cluster"; then
    sacctmgr -i add cluster "$cluster" >/dev/null || die "sacctmgr add cluster $cluster failed"
  fi
  if ! sacctmgr -n -P list account pausenet format=account | grep -qx pausenet; then
    sacctmgr -i add account pausenet description="pausenet tests" organization=pausenet >/dev/null ||
      die "sacctmgr add account pausenet failed"
  fi
  for pair in "$OPERATOR_USER:Operator" "$ADMIN_USER:Administrator"; do
    user="${pair%%:*}" level="${pair#*:}"
    id "$user" >/dev/null 2>&1 ||
      useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user" ||
      die "useradd $user failed"
    if ! sacctmgr -n -P list user "$user" format=user | grep -qx "$user"; then
      sacctmgr -i add user "$user" account=pausenet adminlevel="$level" >/dev/null || die "sacctmgr add user $user failed"
    fi
    have="$(sacctmgr -n -P list user "$user" format=adminlevel)"
    if [ "$have" != "$level" ]; then
      sacctmgr -i modify user where name="$user" set adminlevel="$level" >/dev/null ||
        die "sacctmgr modify user $user adminlevel=$level failed"
    fi
  done
fi

# --- slurmctld, slurmd -----------------------------------------------------------------------------
if [ "$changed" -eq 1 ] && { alive "$RUN_DIR/slurmctld.pid" || alive "$RUN_DIR/slurmd.pid"; }; then
  # A restart, not `scontrol reconfigure`: some settings (AccountingStorageType) only take effect then.
  # Running jobs survive it (state in StateSaveLocation, slurmstepd keeps running).
  echo "slurm/start: configuration changed: restarting slurmctld and slurmd"
  stop_pidfile slurmd
  stop_pidfile slurmctld
fi
if alive "$RUN_DIR/slurmctld.pid"; then
  echo "slurm/start: slurmctld already running (pid $(cat "$RUN_DIR/slurmctld.pid"))"
else
  slurmctld -f "$SLURM_CONF" || die "slurmctld failed to start"
fi
for i in $(seq 1 $((TIMEOUT * 10))); do
  if scontrol ping 2>/dev/null | grep -q 'is UP'; then break; fi
  if [ "$i" -gt 20 ] && ! alive "$RUN_DIR/slurmctld.pid"; then die "slurmctld exited during startup"; fi
  sleep 0.1
done
scontrol ping 2>/dev/null | grep -q 'is UP' || die "slurmctld not answering 'scontrol ping' after ${TIMEOUT}s"

if alive "$RUN_DIR/slurmd.pid"; then
  echo "slurm/start: slurmd already running (pid $(cat "$RUN_DIR/slurmd.pid"))"
else
  slurmd -f "$SLURM_CONF" -N "$HOST" || die "slurmd failed to start"
fi

state=""
for i in $(seq 1 $((TIMEOUT * 10))); do
  state="$(sinfo -h -n "$HOST" -o '%T' 2>/dev/null | head -n 1 || true)"
  case "$state" in
    idle | mixed | allocated) break ;;
    # A drain left over from an earlier run (e.g. a config that changed): this is a test cluster, undrain.
    drained | draining | inval) scontrol update NodeName="$HOST" State=RESUME 2>/dev/null || true ;;
  esac
  if [ "$i" -gt 20 ] && ! alive "$RUN_DIR/slurmd.pid"; then die "slurmd exited during startup"; fi
  sleep 0.1
done
case "$state" in
  idle | mixed | allocated) ;;
  *) die "node $HOST not idle after ${TIMEOUT}s (state: '${state:-none}')" ;;
esac

if [ "$ACCOUNTING" = 1 ]; then
  # slurmctld learns admin levels from slurmdbd: wait until it grants the operator user its level.
  operator_ok() { [ "$(scontrol show assoc_mgr users="$OPERATOR_USER" flags=users 2>/dev/null | grep -c 'AdminLevel=Operator')" -ge 1 ]; }
  wait_for operator_ok || die "slurmctld does not know $OPERATOR_USER as AdminLevel=Operator after ${TIMEOUT}s"
fi

ms=$((($(date +%s%N) - t0) / 1000000))
echo "slurm/start: up in ${ms} ms: node $HOST ($CPUS cpus, gpu:$GPUS) partitions: $(sinfo -h -o '%P:%a' | tr '\n' ' ')"
echo "slurm/start: accounting: $ACCT_TYPE$([ "$ACCOUNTING" = 1 ] && echo " (operator users: $OPERATOR_USER=Operator, $ADMIN_USER=Administrator)")"
echo "slurm/start: conf $SLURM_CONF, logs $LOG_DIR, stop with scripts/slurm/stop.sh"
