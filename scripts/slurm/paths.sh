# Shared paths of the test Slurm cluster (sourced by start.sh and stop.sh).
# shellcheck shell=bash
CONF_DIR="${PAUSENET_SLURM_CONF_DIR:-/etc/slurm}"
STATE_DIR="${PAUSENET_SLURM_STATE_DIR:-/var/lib/pausenet-slurm}"
RUN_DIR="${PAUSENET_SLURM_RUN_DIR:-/run/pausenet-slurm}"
LOG_DIR="${PAUSENET_SLURM_LOG_DIR:-/var/log/pausenet-slurm}"
MUNGE_LOG=/var/log/munge/munged.log
