#!/usr/bin/env bash
# Runs configs/pausenet.service under a real systemd (PID 1 of a container) and checks what the unit
# promises: a member node listening on 0.0.0.0 starts under every restriction of the unit; its file
# hook's sentinel appears in the data dir when the network pauses, other users can test for it but
# cannot list the directory, and it survives `systemctl restart` and `systemctl stop`.
#
#   sudo bash scripts/container/systemd-check.sh --base pausenet-base:node24-bookworm --app pausenet:ci
#
# --app is an image built from configs/Dockerfile (its /opt/pausenet is reused). The container has no
# network (--network none): a one-member network pauses on its own over-cap commitment.
set -euo pipefail
cd "$(dirname "$0")/../.."

BASE=
APP=
while [ $# -gt 0 ]; do
  case "$1" in
    --base) BASE=$2; shift 2 ;;
    --app) APP=$2; shift 2 ;;
    *) echo "systemd-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$BASE" ] && [ -n "$APP" ] || { echo "usage: systemd-check.sh --base IMAGE --app IMAGE" >&2; exit 2; }

start=$(date +%s)
tag=pausenet-systemd:check
name=pausenet-systemd-check-$$
DOCKER_BUILDKIT=0 docker build --network host -f scripts/container/systemd.Dockerfile \
  --build-arg "BASE=$BASE" --build-arg "APP=$APP" -t "$tag" scripts/container >/dev/null
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker image rm "$tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# systemd needs to mount and to manage cgroups. --privileged where the engine may grant every
# capability; some sandboxes lack CAP_SYS_RESOURCE, so fall back to all capabilities but that one.
run_opts=(-d --name "$name" --network none -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock)
if ! docker run "${run_opts[@]}" --privileged "$tag" >/dev/null 2>&1; then
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run "${run_opts[@]}" --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined "$tag" >/dev/null
fi
for _ in $(seq 1 60); do
  state=$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)
  case "$state" in running | degraded) break ;; esac
  sleep 0.5
done
echo "systemd-check: systemd in the container is $state" >&2

docker cp configs/pausenet.service "$name:/etc/systemd/system/pausenet.service"
docker exec -i "$name" bash -s <<'EOF'
set -euo pipefail
fail() { echo "systemd-check: FAILED: $*" >&2; journalctl -u pausenet --no-pager | tail -20 >&2; exit 1; }

# The install steps in the unit's header.
useradd --system --home /var/lib/pausenet --shell /usr/sbin/nologin pausenet
install -d -o pausenet -g pausenet -m 0711 /var/lib/pausenet
install -d -m 0755 /etc/pausenet
head -c 24 /dev/urandom | base64 > /tmp/passphrase
install -o pausenet -g pausenet -m 0600 /tmp/passphrase /etc/pausenet/passphrase

cd /tmp
runuser -u pausenet -- pausenet init --data-dir /var/lib/pausenet --lab lab-a --index 1 \
  --passphrase-file /etc/pausenet/passphrase > /tmp/lab-a.member.yaml 2>/dev/null
cat > /tmp/policy.yaml <<P
policy:
  genesisTime: $(date +%s000)
  epochMs: 1h
  deadlineMs: 10m
  graceMs: 10m
  caps: { trainingFlop: "1e26", largestRunFlop: "1e25", maxParams: "2e12", datasetTokens: "1e14" }
  autoVote: [cap-exceeded, equivocation]
  approvalRequired: [missed, report]
  resumeNeedsApproval: true
  auditors: []
P
pausenet genesis create --name systemd-check --member /tmp/lab-a.member.yaml --threshold 1 \
  --policy /tmp/policy.yaml --out /tmp/genesis.yaml >/dev/null
install -o pausenet -g pausenet -m 0600 /tmp/genesis.yaml /var/lib/pausenet/genesis.yaml
cat > /etc/pausenet/member.yaml <<C
role: member
dataDir: /var/lib/pausenet
genesisFile: /var/lib/pausenet/genesis.yaml
listen: [/ip4/0.0.0.0/tcp/9000]
api: { host: 127.0.0.1, port: 0 }
keystore: { file: /var/lib/pausenet/keystore.json, passphraseFile: /etc/pausenet/passphrase }
hooks:
  - { type: file, name: sentinel, path: /var/lib/pausenet/PAUSED }
C
runuser -u pausenet -- pausenet dkg --config /etc/pausenet/member.yaml --linger 0 >/dev/null

systemctl daemon-reload
systemctl start pausenet
# Up = the API answers and the unit is still active a moment later, never restarted.
up=0
for _ in $(seq 1 120); do
  if pausenet status --data-dir /var/lib/pausenet --json >/dev/null 2>&1; then up=1; break; fi
  [ "$(systemctl is-active pausenet)" = failed ] && break
  sleep 0.5
done
sleep 2
[ "$up" = 1 ] && [ "$(systemctl is-active pausenet)" = active ] \
  || fail "the node did not start under the unit ($(systemctl show -p ActiveState -p ExecMainStatus pausenet | tr '\n' ' '))"
[ "$(systemctl show -p NRestarts --value pausenet)" = 0 ] || fail "the unit restarted the node"
echo "systemd-check: the node runs under the unit, listening on 0.0.0.0" >&2

# over a cap on purpose: without a terminal the CLI refuses that unless --yes
pausenet commit --data-dir /var/lib/pausenet --training-flop 3e25 --largest-run-flop 3e25 \
  --max-params 1e9 --dataset-tokens 1e9 --yes >/dev/null
for _ in $(seq 1 120); do [ -e /var/lib/pausenet/PAUSED ] && break; sleep 0.5; done
[ -e /var/lib/pausenet/PAUSED ] || fail "no sentinel after the over-cap commitment"
state=$(pausenet status --data-dir /var/lib/pausenet --json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).state')
[ "$state" = PAUSED ] || fail "state is $state, expected PAUSED"
runuser -u nobody -- test -e /var/lib/pausenet/PAUSED || fail "other users cannot see the sentinel"
if runuser -u nobody -- ls /var/lib/pausenet >/dev/null 2>&1; then fail "other users can list the data dir"; fi
echo "systemd-check: PAUSED; sentinel in the data dir, visible to other users, directory not listable" >&2

systemctl restart pausenet
[ -e /var/lib/pausenet/PAUSED ] || fail "the sentinel is gone after systemctl restart"
for _ in $(seq 1 120); do [ "$(systemctl is-active pausenet)" = active ] && break; sleep 0.5; done
systemctl stop pausenet
[ -e /var/lib/pausenet/PAUSED ] || fail "the sentinel is gone after systemctl stop"
echo "systemd-check: the sentinel survives systemctl restart and stop" >&2
EOF
echo "systemd-check: OK in $(($(date +%s) - start)) s"
