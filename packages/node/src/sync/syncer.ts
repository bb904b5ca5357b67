import { createHash } from 'node:crypto';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Validation } from '@pausenet/protocol';
import type { PausenetLibp2p } from '../host.js';
import type { IngestOutcome } from '../ingest.js';
import type { Logger } from '../logger.js';
import type { MessageKind } from '../message.js';
import type { NodeMetrics } from '../metrics.js';
import type { NodeStore } from '../store/repositories.js';
import { protocolName } from '../topics.js';
import type { SyncBounds } from './bounds.js';
import type { StatusMessage } from './protocol.js';
import { requestReqResp } from './reqresp.js';

export interface SyncerDeps {
  host: PausenetLibp2p;
  networkIdHex: string;
  store: NodeStore;
  ingest: (kind: MessageKind, bytes: Uint8Array, peer: string) => IngestOutcome;
  /** Several messages of one response in one transaction (Ingest.ingestBatch with source 'sync'). */
  ingestBatch: (kind: MessageKind, items: readonly Uint8Array[], peer: string) => IngestOutcome[];
  /** Current applied pause height (agreement). */
  currentHeight: () => number;
  metrics: NodeMetrics;
  logger: Logger;
  intervalMs: number;
  timeoutMs: number;
  maxBatch: number;
  /** What a genesis-valid network can hold (advertised counts above it are clamped). */
  bounds: SyncBounds;
  /** A sync response from `peer` held an invalid item failing with `code` (the node counts it toward a ban). */
  onReject?: (peer: string, code: string) => void;
}

/** Per-lab / height lag against one peer's status. */
export function lagAgainst(store: NodeStore, currentHeight: number, remote: StatusMessage): number {
  const mine = new Map(store.commitments.heads().map((h) => [h.lab, h.seq]));
  let lag = 0;
  for (const h of remote.heads) lag += Math.max(0, h.seq - (mine.get(h.lab) ?? -1));
  return lag + Math.max(0, remote.certifiedHeight - currentHeight);
}

/** Peers the periodic round syncs with per `sync.intervalMs` (syncSome). */
export const PEERS_PER_TICK = 3;

/**
 * Pulls what peers have and we miss (docs/protocol.md "Req/resp sync"): on every new connection, on a
 * commitment gap seen in gossip, and PEERS_PER_TICK peers in turn every `intervalMs`. Everything fetched goes through the ingest path.
 */
export class Syncer {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private cursor = 0;
  private readonly abort = new AbortController();
  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    this.syncSoon(evt.detail.toString());
  };

  constructor(private readonly deps: SyncerDeps) {}

  start(): void {
    this.deps.host.addEventListener('peer:connect', this.onConnect);
    this.timer = setInterval(() => this.syncSome(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.deps.host.removeEventListener('peer:connect', this.onConnect);
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * The periodic round: the next PEERS_PER_TICK connected peers in turn, not all of them. Any peer serves
   * everything it holds (not only its own messages), new connections and gaps sync at once, so a few
   * peers per interval find what gossip lost, and an idle node's cost stays flat as the network grows.
   */
  syncSome(): void {
    const peers = this.deps.host
      .getPeers()
      .map((p) => p.toString())
      .sort();
    if (peers.length === 0) return;
    for (let i = 0; i < Math.min(PEERS_PER_TICK, peers.length); i++)
      this.syncSoon(peers[(this.cursor + i) % peers.length] as string);
    this.cursor = (this.cursor + PEERS_PER_TICK) % peers.length;
  }

  /** Schedule a sync with `peer` (coalesced: at most one running + one queued per peer). */
  syncSoon(peer: string): void {
    if (this.abort.signal.aborted) return;
    if (this.running.has(peer)) {
      this.again.add(peer);
      return;
    }
    const run = this.syncWith(peer)
      .catch((err) => {
        this.deps.logger.debug(
          { event: 'sync.peer_failed', peer, err: (err as Error).message },
          'sync with peer failed',
        );
      })
      .finally(() => {
        this.running.delete(peer);
        if (this.again.delete(peer)) this.syncSoon(peer);
      });
    this.running.set(peer, run);
  }

  /** Settles when no sync is running (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private req(peer: PeerId, method: string, request: unknown) {
    const opts = { signal: this.abort.signal, timeoutMs: this.deps.timeoutMs, maxItems: this.deps.maxBatch };
    return requestReqResp(
      this.deps.host,
      peer,
      protocolName(this.deps.networkIdHex, method),
      request,
      opts,
    ).then(
      (r) => {
        this.deps.metrics.syncRounds.inc({ method, outcome: 'ok' });
        return r;
      },
      (err) => {
        this.deps.metrics.syncRounds.inc({ method, outcome: (err as { code?: string }).code ?? 'error' });
        throw err;
      },
    );
  }

  /** A response item was REJECTed: the round with this peer ends here and the peer is reported. */
  private rejected(peer: string, method: string, v: Validation): void {
    this.deps.metrics.syncRounds.inc({ method, outcome: 'REJECTED_ITEM' });
    this.deps.onReject?.(peer, v.ok ? '' : v.code);
  }

  /**
   * One sync round with one peer: status, then certificates, commitments per lab, open votes, evidence.
   * Advertised counts are clamped to what a genesis-valid network can hold, and the round ends at the
   * first invalid item (docs/protocol.md "Req/resp sync", "Bounds").
   */
  async syncWith(peerStr: string): Promise<void> {
    const peer = peerIdFromString(peerStr);
    const st = (await this.req(peer, 'status', {})).header.status as StatusMessage | undefined;
    if (!st || !Array.isArray(st.heads)) return;
    if (st.networkId !== this.deps.networkIdHex) return;
    const { bounds } = this.deps;
    const maxSeq = bounds.maxSeq();
    const heads = st.heads
      .filter((h) => typeof h?.lab === 'string' && Number.isSafeInteger(h.seq) && bounds.isLab(h.lab))
      .map((h) => ({ ...h, seq: Math.min(h.seq, maxSeq) }));
    const certifiedHeight = Number.isSafeInteger(st.certifiedHeight) ? st.certifiedHeight : 0;
    const lag = (): number =>
      lagAgainst(this.deps.store, this.deps.currentHeight(), { ...st, heads, certifiedHeight });
    this.deps.metrics.syncLag.set(lag());

    // Certificates first: a lab that was away learns what was certified (which breaches were acted on or
    // resolved) before it sees the commitments that prove them, so it neither files evidence for an old
    // breach again nor votes at a height the network has passed (docs/protocol.md "Req/resp sync").
    for (;;) {
      const height = this.deps.currentHeight();
      if (certifiedHeight <= height) break;
      const res = await this.req(peer, 'certificates-by-range', {
        fromHeight: height + 1,
        count: Math.min(this.deps.maxBatch, certifiedHeight - height),
      });
      if (res.items.length === 0) break;
      let progressed = false;
      for (const item of res.items) {
        const out = this.deps.ingest('certificate', item, peerStr);
        if (out.validation.ok) {
          // Applied by the time ingest returns: the next certificate validates against the height it sets.
          progressed = true;
          if (this.abort.signal.aborted) return;
        } else if (out.validation.action === 'reject')
          return this.rejected(peerStr, 'certificates-by-range', out.validation);
      }
      if (!progressed) break;
    }

    for (const head of heads) {
      const target = head.seq;
      for (;;) {
        const mine = this.deps.store.commitments.last(head.lab)?.seq ?? -1;
        if (mine >= target) break;
        const count = Math.min(this.deps.maxBatch, target - mine);
        const res = await this.req(peer, 'commitments-by-range', { lab: head.lab, fromSeq: mine + 1, count });
        if (res.items.length === 0) break;
        // One transaction per response (items are peers' messages: docs/protocol.md "Durability").
        const outs = this.deps.ingestBatch('commitment', res.items, peerStr);
        // A peer that serves invalid data: its valid items are kept, then sync with it stops.
        const bad = outs.find((o) => !o.validation.ok && o.validation.action === 'reject');
        if (bad) return this.rejected(peerStr, 'commitments-by-range', bad.validation);
        if (!outs.some((o) => o.validation.ok)) break;
      }
    }

    const open = certifiedHeight + 1;
    if (certifiedHeight === this.deps.currentHeight() && st.openVotes > this.deps.store.votes.count(open)) {
      const res = await this.req(peer, 'votes', { height: open });
      for (const item of res.items) {
        const out = this.deps.ingest('vote', item, peerStr);
        if (!out.validation.ok && out.validation.action === 'reject')
          return this.rejected(peerStr, 'votes', out.validation);
      }
    }

    const advertised = Number.isSafeInteger(st.evidenceCount) ? Math.max(0, st.evidenceCount) : 0;
    const evidenceCount = Math.min(advertised, bounds.maxEvidence());
    if (evidenceCount > 0 && evidenceCount !== this.deps.store.evidence.count()) {
      // An honest responder pages its store in arrival order and never serves an item twice in a round;
      // a repeat means the pages are not what it holds: stop (a liar replaying valid items cannot loop us).
      const seen = new Set<string>();
      for (let offset = 0; offset < evidenceCount; offset += this.deps.maxBatch) {
        const res = await this.req(peer, 'evidence', { offset, count: this.deps.maxBatch });
        for (const item of res.items) {
          const id = createHash('sha256').update(item).digest('base64');
          if (seen.has(id)) {
            this.deps.metrics.syncRounds.inc({ method: 'evidence', outcome: 'REPEATED_ITEM' });
            return;
          }
          seen.add(id);
          const out = this.deps.ingest('evidence', item, peerStr);
          if (!out.validation.ok && out.validation.action === 'reject')
            return this.rejected(peerStr, 'evidence', out.validation);
        }
        if (res.items.length < this.deps.maxBatch) break;
      }
    }
    this.deps.metrics.syncLag.set(lag());
  }
}
