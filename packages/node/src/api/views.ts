import { commitmentToJson, decodeSignedCommitment, type Genesis, toHex } from '@pausenet/protocol';
import type { CommitmentView, HealthBody, StatusBody } from '@pausenet/protocol/api';
import type { Agreement } from '../agreement/agreement.js';
import type { SelfIdentity } from '../agreement/types.js';
import type { PausenetLibp2p } from '../host.js';
import { dueEpochs, judgeLateness, type Lateness } from '../lateness.js';
import type { PeerManager } from '../peer-manager.js';
import type { CommitmentRow, NodeStore } from '../store/repositories.js';

export interface NodeViewsOptions {
  genesis: Genesis;
  networkIdHex: string;
  role: 'member' | 'observer';
  self: SelfIdentity | null;
  store: NodeStore;
  agreement: Agreement;
  host: PausenetLibp2p;
  peers: PeerManager;
  now: () => number;
  /** Sync interval (ms): a run has settled after two of them. */
  syncIntervalMs: number;
  /** Start time of this run (node_runs key), 0 before it is recorded. */
  runStartedAt: () => number;
  /** Started, not stopping, and the API listening. */
  up: () => boolean;
  stopping: () => boolean;
}

/** What the API shows of the node's state: status, health, commitments with their lateness, breaches. */
export class NodeViews {
  constructor(private readonly o: NodeViewsOptions) {}

  /** Lateness of a stored commitment, judged on its first-seen time (docs/protocol.md "First seen"). */
  latenessOf(row: CommitmentRow): Lateness {
    // Settled = up for two sync intervals (it has synced with its peers since it started).
    const settleMs = 2 * this.o.syncIntervalMs;
    const now = this.o.now();
    const started = this.o.runStartedAt();
    // This run covers `t` up to now (its stored heartbeat lags behind); earlier runs per node_runs.
    const observed = (t: number): boolean =>
      (started > 0 && started + settleMs <= t && t <= now) || this.o.store.runs.observed(t, settleMs);
    return judgeLateness(this.o.genesis.policy, row.epoch, row.receivedAt, observed);
  }

  /** A commitment as the API shows it: the signed message plus this node's first-seen time and judgement. */
  commitment(row: CommitmentRow): CommitmentView {
    return {
      ...commitmentToJson(decodeSignedCommitment(row.bytes)),
      firstSeenAt: row.receivedAt,
      lateness: this.latenessOf(row),
    };
  }

  /** Open breaches (at most 100, oldest first) and counts, for GET /v1/status. */
  private breaches(): StatusBody['breaches'] {
    const store = this.o.store;
    const counts = store.breaches.counts();
    return {
      // An open row always has its evidence (written together with its first evidence).
      open: store.breaches.open(100).flatMap((b) =>
        b.kind !== null && b.lab !== null && b.epoch !== null && b.evidenceHash !== null
          ? [
              {
                id: toHex(b.id),
                kind: b.kind,
                lab: b.lab,
                epoch: b.epoch,
                evidence: toHex(b.evidenceHash),
                firstSeenAt: b.firstSeenAt ?? 0,
                actedOnHeight: b.actedOnHeight,
              },
            ]
          : [],
      ),
      openCount: counts.open,
      resolvedCount: counts.resolved,
    };
  }

  /**
   * Per member lab (GET /metrics): the issuedAt of its latest stored commitment, and how many epochs it
   * missed: epochs due by now (lateness.ts `dueEpochs`) with no commitment of the lab stored. A chain
   * holds one commitment per epoch, so its stored commitments in that span count the epochs not missed.
   */
  labDeadlines(): { lab: string; lastIssuedAt: number | null; missed: number }[] {
    const { genesis, store } = this.o;
    let first: number | null = null;
    for (const m of genesis.members) {
      const seq0 = store.commitments.get(m.id, 0);
      if (seq0 !== undefined) first = Math.min(first ?? seq0.epoch, seq0.epoch);
    }
    const due = dueEpochs(genesis.policy, first, this.o.now());
    return genesis.members.map((m) => {
      const last = store.commitments.last(m.id);
      return {
        lab: m.id,
        lastIssuedAt: last === undefined ? null : decodeSignedCommitment(last.bytes).commitment.issuedAt,
        missed: due === null ? 0 : due.to - due.from + 1 - store.commitments.count(m.id, due),
      };
    });
  }

  /** GET /v1/health: ready once started and the start-up re-assert of the current state's hooks is done. */
  health(): HealthBody {
    const a = this.o.agreement.readiness();
    const ready = this.o.up() && a.ready;
    return {
      ready,
      reason: ready ? null : (a.reason ?? (this.o.stopping() ? 'stopping' : 'starting')),
      state: a.state,
      height: a.height,
    };
  }

  /** GET /v1/status body. */
  status(): StatusBody {
    const { genesis, store, self, host } = this.o;
    const a = this.o.agreement.status();
    const health = this.health();
    const connected = new Set(host.getPeers().map((p) => p.toString()));
    return {
      networkId: this.o.networkIdHex,
      role: this.o.role,
      self: self?.lab ?? null,
      peerId: host.peerId.toString(),
      peers: [...connected].sort().map((p) => ({ peerId: p, lab: this.o.peers.labOf(p) })),
      state: a.state,
      height: a.height,
      since: a.since,
      threshold: genesis.threshold,
      ready: health.ready,
      readyReason: health.reason,
      labs: genesis.members.map((m) => {
        const last = store.commitments.last(m.id);
        return {
          id: m.id,
          name: m.name,
          connected: m.peerIds.some((p) => connected.has(p)) || m.id === self?.lab,
          lastCommitment: last ? this.commitment(last) : null,
        };
      }),
      pendingVotes: a.pendingVotes,
      approvals: a.approvals,
      breaches: this.breaches(),
      hooks: a.hooks,
    };
  }
}
