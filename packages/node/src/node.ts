// Just over 400 lines: the node's wiring and lifecycle (start, stop, publish, metrics refresh) in one place;
// peers, API handlers, views, sync and ingest live in their own modules (docs/architecture.md).
import { writeFileSync } from 'node:fs';
import { createHook } from '@pausenet/hooks';
import { type Genesis, toHex, type Validation } from '@pausenet/protocol';
import { Agreement } from './agreement/agreement.js';
import { createHookRunner } from './agreement/hook-runner.js';
import type { SelfIdentity } from './agreement/types.js';
import { createApiHandlers } from './api/handlers.js';
import { ApiServer } from './api/server.js';
import { findDashboard } from './api/static.js';
import { loadOrCreateApiToken } from './api/token.js';
import { NodeViews } from './api/views.js';
import { dataPaths, type NodeConfig } from './config.js';
import type { InboundGate } from './connections.js';
import { type PeerBans, syncRejectWeight } from './gossip/bans.js';
import { KIND_TOPIC, registerGossipValidators } from './gossip/register.js';
import { VerdictRecorder } from './gossip/validate.js';
import type { PausenetLibp2p } from './host.js';
import { Ingest } from './ingest.js';
import type { Lateness } from './lateness.js';
import { hookLoggerOf, type Logger } from './logger.js';
import type { MessageKind, MessageOf } from './message.js';
import type { NodeMetrics } from './metrics.js';
import { type NodeParts, openNodeParts, type PausenetNodeOptions } from './node-setup.js';
import { PeerManager } from './peer-manager.js';
import type { CommitmentRow } from './store/repositories.js';
import type { Store } from './store/store.js';
import { syncBounds } from './sync/bounds.js';
import type { StatusMessage } from './sync/protocol.js';
import { registerSyncHandlers } from './sync/register.js';
import { Syncer } from './sync/syncer.js';
import { GOSSIP_KINDS, topicName } from './topics.js';

/** Upper bound per shutdown step (API, sync, agreement, libp2p). */
const STOP_STEP_MS = 10_000;

export type { PausenetNodeOptions } from './node-setup.js';
export { loadGenesisFile } from './node-setup.js';

/** Heartbeat of this run in node_runs. */
const ALIVE_MS = 5_000;

/**
 * A pausenet daemon (docs/node.md, docs/architecture.md): wiring and lifecycle of the libp2p host, the one
 * ingest path, the agreement, sync, the peer manager and the local API. Its own messages enter through one
 * local door (publish) and take the ingest path like everyone else's.
 */
export class PausenetNode {
  readonly genesis: Genesis;
  readonly networkId: Uint8Array;
  readonly networkIdHex: string;
  readonly ingest: Ingest;
  readonly syncer: Syncer;
  readonly agreement: Agreement;
  /** Dialling, identify, bans and the peers book. */
  readonly peers: PeerManager;
  private readonly views: NodeViews;
  private api: ApiServer | undefined;
  private readonly listeners = new Set<() => void>();
  private aliveTimer: NodeJS.Timeout | undefined;
  /** This run's key in node_runs (first-seen lateness is judged only for deadlines a run observed). */
  private runStartedAt = 0;
  private started = false;
  private stopped = false;

  readonly config: NodeConfig;
  readonly store: Store;
  readonly host: PausenetLibp2p;
  readonly self: SelfIdentity | null;
  /** Flood defence: non-member peers that keep sending invalid messages are disconnected and refused. */
  readonly bans: PeerBans;
  /** Admission of inbound connections (pending upgrades per IP, reserved slots for members). */
  readonly gate: InboundGate;
  readonly metrics: NodeMetrics;
  private readonly logger: Logger;
  private readonly now: () => number;

  private constructor(parts: NodeParts, opts: PausenetNodeOptions) {
    const { config, store, host, self, genesis, networkId, logger, now, bans, metrics } = parts;
    this.config = config;
    this.store = store;
    this.host = host;
    this.self = self;
    this.bans = bans;
    this.gate = parts.gate;
    this.metrics = metrics;
    this.logger = logger;
    this.now = now;
    this.genesis = genesis;
    this.networkId = networkId;
    this.networkIdHex = toHex(networkId);
    this.peers = new PeerManager({
      host,
      genesis,
      store,
      bans,
      metrics,
      logger: logger.child({ component: 'peers' }),
      bootstrap: config.bootstrap,
      maxRememberedPeers: config.limits.maxRememberedPeers,
      dialIntervalMs: config.sync.intervalMs,
      onChange: () => this.changed(),
    });
    const recorder = new VerdictRecorder(metrics, logger.child({ component: 'ingest' }), (peer) =>
      this.peers.useful(peer),
    );
    this.ingest = new Ingest({
      genesis,
      networkId,
      store,
      recorder,
      logger: logger.child({ component: 'ingest' }),
      now,
      applied: () => this.agreement,
      apply: (v) => this.agreement.apply(v),
      onGap: (peer, _what) => {
        if (peer) this.syncer.syncSoon(peer);
      },
      onStored: () => this.changed(),
    });
    this.agreement = new Agreement({
      genesis,
      networkId,
      self,
      store,
      hooks: opts.hooks !== undefined ? opts.hooks : this.buildHooks(),
      publish: (kind, msg) => this.publish(kind, msg),
      logger,
      now,
      ...(config.approvals.auto ? { autoVote: config.approvals.auto } : {}),
      failSafe: config.failSafe,
      connectedMembers: () => this.connectedLabs(),
    });
    this.agreement.on('change', () => this.changed());
    this.syncer = new Syncer({
      host,
      networkIdHex: this.networkIdHex,
      store,
      ingest: (kind, bytes, peer) => this.ingest.ingestBytes(kind, bytes, { source: 'sync', peer }),
      ingestBatch: (kind, items, peer) =>
        this.ingest.ingestBatch(items.map((bytes) => ({ kind, bytes, opts: { source: 'sync', peer } }))),
      currentHeight: () => this.agreement.height,
      metrics,
      logger: logger.child({ component: 'sync' }),
      intervalMs: config.sync.intervalMs,
      timeoutMs: config.sync.timeoutMs,
      maxBatch: config.sync.maxBatch,
      bounds: syncBounds(genesis, now),
      onReject: (peer, code) => this.peers.onReject(peer, syncRejectWeight(code)),
    });
    this.views = new NodeViews({
      genesis,
      networkIdHex: this.networkIdHex,
      role: config.role,
      self,
      store,
      agreement: this.agreement,
      host,
      peers: this.peers,
      now,
      syncIntervalMs: config.sync.intervalMs,
      runStartedAt: () => this.runStartedAt,
      up: () => this.started && !this.stopped && this.api !== undefined,
      stopping: () => this.stopped,
    });
  }

  /** HookRunner from config.hooks on the node's store (members only; observers never act). */
  private buildHooks(): unknown {
    if (!this.self || this.config.hooks.length === 0) return null;
    const hookLogger = hookLoggerOf(this.logger.child({ component: 'hooks' }));
    // Every configured hook has a series from the start; a restart re-runs what had not succeeded
    // (re-assert, unfinished journal rows), and its events set the gauge again.
    for (const h of this.config.hooks) this.metrics.hookFailing.set({ hook: h.name }, 0);
    return createHookRunner({
      store: this.store,
      hooks: this.config.hooks.map((h) => createHook(h, { logger: hookLogger })),
      logger: hookLogger,
      now: this.now,
      onEvent: (e) => {
        if (e.type === 'ok' || e.type === 'failed') {
          this.metrics.hookResults.inc({ hook: e.hook, action: e.action, status: e.type });
          this.metrics.hookFailing.set({ hook: e.hook }, e.type === 'failed' ? 1 : 0);
        }
        this.changed();
      },
    });
  }

  /** Member labs with a live connection (self included). */
  connectedLabs(): string[] {
    return this.peers.connectedLabs(this.self?.lab ?? null);
  }

  /** Load genesis, keystore (members), store and identity; build (but do not start) the node. */
  static async create(config: NodeConfig, opts: PausenetNodeOptions = {}): Promise<PausenetNode> {
    const p = await openNodeParts(config, opts);
    return new PausenetNode(p, opts);
  }

  get peerId(): string {
    return this.host.peerId.toString();
  }
  get multiaddrs(): string[] {
    return this.host.getMultiaddrs().map((m) => m.toString());
  }
  get apiUrl(): string {
    return this.api?.baseUrl ?? '';
  }
  get role(): 'member' | 'observer' {
    return this.config.role;
  }

  /** Start networking, gossip validation, sync, the agreement and the API. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      await this.startInner();
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  private async startInner(): Promise<void> {
    const limits = this.config.limits;
    registerGossipValidators({
      host: this.host,
      networkIdHex: this.networkIdHex,
      limits,
      isMember: (p) => this.peers.isMember(p),
      metrics: this.metrics,
      logger: this.logger.child({ component: 'gossip' }),
      ingestBatch: (items) => this.ingest.ingestBatch(items),
      onReject: (peer) => this.peers.onReject(peer),
    });
    await registerSyncHandlers({
      host: this.host,
      networkIdHex: this.networkIdHex,
      store: this.store,
      status: () => this.syncStatus(),
      sync: this.config.sync,
      reqRespPerPeerPerSec: limits.reqRespPerPeerPerSec,
      metrics: this.metrics,
    });
    this.peers.watch();
    await this.host.start();
    await this.peers.start();
    // Record this run (docs/protocol.md "First seen") before anything is ingested, and keep it alive.
    this.runStartedAt = this.store.relaxed(() => this.store.runs.start(this.now()));
    this.aliveTimer = setInterval(() => {
      if (!this.stopped && this.store.isOpen)
        this.store.relaxed(() => this.store.runs.alive(this.runStartedAt, this.now()));
    }, ALIVE_MS);
    this.aliveTimer.unref();
    // The agreement has loaded its state before the first message (gossip or sync) is applied to it.
    await this.agreement.start();
    for (const gk of GOSSIP_KINDS) this.host.services.pubsub.subscribe(topicName(this.networkIdHex, gk));
    this.syncer.start();

    const token = loadOrCreateApiToken(dataPaths(this.config).apiToken);
    this.api = new ApiServer({
      host: this.config.api.host,
      port: this.config.api.port,
      token,
      backend: createApiHandlers({
        genesis: this.genesis,
        networkId: this.networkId,
        self: this.self,
        store: this.store,
        agreement: this.agreement,
        views: this.views,
        now: this.now,
        publish: (kind, msg) => this.publish(kind, msg),
        ingestOwn: (kind, msg) => this.ingest.ingestMessage(kind, msg, { source: 'local' }),
        gossip: (kind, bytes) => void this.gossip(kind, bytes),
        onChange: (fn) => this.onChange(fn),
      }),
      metrics: this.metrics,
      beforeMetrics: () => this.refreshMetrics(),
      logger: this.logger.child({ component: 'api' }),
      dashboard: await findDashboard(),
      maxSseClients: this.config.api.maxSseClients,
      sseMaxBufferBytes: this.config.api.sseMaxBufferBytes,
    });
    const url = await this.api.start();
    writeFileSync(dataPaths(this.config).apiUrl, `${url}\n`, { mode: 0o600 });
    this.peers.startDialling();
  }

  /** Gauges read from the state at scrape time (GET /metrics; docs/node.md "Metrics"). */
  private refreshMetrics(): void {
    const m = this.metrics;
    m.storeBytes.set(this.store.sizeBytes());
    m.commitments.set(this.store.commitments.count());
    m.peers.set(this.host.getPeers().length);
    m.inboundPending.set(this.gate.pending().total);
    m.setPause(this.agreement.level, this.agreement.height);
    const now = this.now();
    for (const l of this.views.labDeadlines()) {
      if (l.lastIssuedAt !== null)
        m.labCommitmentAge.set({ lab: l.lab }, Math.max(0, (now - l.lastIssuedAt) / 1000));
      m.labMissedDeadlines.set({ lab: l.lab }, l.missed);
    }
  }

  /** Stop everything and close the store (idempotent). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.peers.stop();
    clearInterval(this.aliveTimer);
    if (this.runStartedAt > 0 && this.store.isOpen)
      this.store.relaxed(() => this.store.runs.alive(this.runStartedAt, this.now()));
    // Each step is bounded: a stuck peer stream or hook must not keep the store open forever.
    await this.bounded('api', () => this.api?.stop());
    await this.bounded('sync', () => this.syncer.stop());
    await this.bounded('agreement', () => this.agreement.stop());
    await this.bounded('libp2p', () => this.host.stop());
    this.store.close();
    this.listeners.clear();
  }

  private async bounded(step: string, fn: () => Promise<void> | void, ms = STOP_STEP_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const t0 = Date.now();
    try {
      await Promise.race([
        Promise.resolve(fn()).catch((err: Error) =>
          this.logger.warn({ event: 'node.stop_step_failed', step, err: err.message }, 'stop step failed'),
        ),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.logger.warn(
              { event: 'node.stop_step_timeout', step, ms },
              'stop step timed out; continuing shutdown',
            );
            resolve();
          }, ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.logger.debug({ event: 'node.stop_step_done', step, ms: Date.now() - t0 }, 'stopped');
    }
  }

  /**
   * The local door: this node's own message (the agreement's evidence, votes and certificates, the API's
   * evidence) takes the ingest path — validated once, stored, applied — and is then gossiped. Resolves to
   * the ingest verdict.
   */
  async publish<K extends MessageKind>(kind: K, msg: MessageOf[K]): Promise<Validation> {
    const out = this.ingest.ingestMessage(kind, msg, { source: 'local' });
    if (out.validation.ok) await this.gossip(kind, out.bytes);
    return out.validation;
  }

  private async gossip(kind: MessageKind, bytes: Uint8Array): Promise<void> {
    try {
      await this.host.services.pubsub.publish(topicName(this.networkIdHex, KIND_TOPIC[kind]), bytes);
    } catch (err) {
      // Not fatal: peers fetch it by req/resp sync.
      this.logger.debug(
        { event: 'message.publish_failed', kind, err: (err as Error).message },
        'gossip publish failed',
      );
    }
  }

  /** What this node advertises in the req/resp status exchange. */
  syncStatus(): StatusMessage {
    const height = this.store.certificates.height();
    return {
      networkId: this.networkIdHex,
      role: this.config.role,
      heads: this.store.commitments.heads().map((h) => ({ lab: h.lab, seq: h.seq, hash: toHex(h.hash) })),
      certifiedHeight: height,
      openVotes: this.store.votes.count(height + 1),
      evidenceCount: this.store.evidence.count(),
    };
  }

  /** Lateness of a stored commitment, judged on its first-seen time (docs/protocol.md "First seen"). */
  latenessOf(row: CommitmentRow): Lateness {
    return this.views.latenessOf(row);
  }

  /** GET /v1/health body. */
  health(): ReturnType<NodeViews['health']> {
    return this.views.health();
  }

  /** GET /v1/status body. */
  status(): ReturnType<NodeViews['status']> {
    return this.views.status();
  }

  /** Register a status-change listener (SSE); returns an unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) {
      try {
        fn();
      } catch (err) {
        this.logger.warn(
          { event: 'node.listener_failed', err: (err as Error).message },
          'status listener failed',
        );
      }
    }
  }
}
