#!/usr/bin/env bash
# Starts a single-node Slurm cluster on loopback for the tests (no systemd): munged, slurmctld, slurmd.
# Idempotent: daemons already running (per our pid files) are left alone. Needs root and the Debian
# packages slurmctld slurmd slurm-client munge (scripts/ci/apt-deps.sh installs them).
# Env: PAUSENET_SLURM_CPUS (16), PAUSENET_SLURM_GPUS (8 fake GPUs: symlinks to /dev/null), PAUSENET_SLURM_TIMEOUT (60 s).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/slurm/paths.sh
. "$HERE/paths.sh"

CPUS="${PAUSENET_SLURM_CPUS:-16}"
GPUS="${PAUSENET_SLURM_GPUS:-8}"
TIMEOUT="${PAUSENET_SLURM_TIMEOUT:-60}"
HOST="$(hostname -s)"
t0=$(date +%s%N)

die() {
  echo "slurm/start: $*" >&2
  for f in "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log" "$MUNGE_LOG"; do
    if [ -f "$f" ]; then echo "--- tail $f" >&2; tail -n 20 "$f" >&2; fi
  done
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (starts munged as munge, slurmctld as SlurmUser=slurm)"
for bin in munged slurmctld slurmd sinfo scontrol runuser; do
  command -v "$bin" >/dev/null 2>&1 || die "$bin not found: run scripts/ci/apt-deps.sh first"
done
id munge >/dev/null 2>&1 || die "user munge missing (install the munge package)"
id slurm >/dev/null 2>&1 || die "user slurm missing (install the slurmctld package)"

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
if [ -f "$CONF_DIR/slurm.conf" ] && ! grep -q '^# managed-by: pausenet' "$CONF_DIR/slurm.conf"; then
  die "$CONF_DIR/slurm.conf exists and is not ours; refusing to overwrite (set PAUSENET_SLURM_CONF_DIR)"
fi
MEM="$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')"
[ -n "$MEM" ] || die "cannot read RealMemory from 'slurmd -C'"
render() {
  sed -e "s|@HOST@|$HOST|g" -e "s|@CPUS@|$CPUS|g" -e "s|@GPUS@|$GPUS|g" -e "s|@GPU_MAX@|$((GPUS - 1))|g" -e "s|@MEM@|$MEM|g" \
    -e "s|@STATE_DIR@|$STATE_DIR|g" -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@LOG_DIR@|$LOG_DIR|g" \
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

# --- daemons ---------------------------------------------------------------------------------------
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if alive "$RUN_DIR/slurmctld.pid"; then
  echo "slurm/start: slurmctld already running (pid $(cat "$RUN_DIR/slurmctld.pid"))"
  if [ "$changed" -eq 1 ]; then
    echo "slurm/start: configuration changed: scontrol reconfigure"
    scontrol reconfigure || die "scontrol reconfigure failed"
  fi
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

ms=$((($(date +%s%N) - t0) / 1000000))
echo "slurm/start: up in ${ms} ms: node $HOST ($CPUS cpus, gpu:$GPUS) partitions: $(sinfo -h -o '%P:%a' | tr '\n' ' ')"
echo "slurm/start: conf $SLURM_CONF, logs $LOG_DIR, stop with scripts/slurm/stop.sh"
