import { readFileSync, writeFileSync } from 'node:fs';
import { type ConnectionGater, KEEP_ALIVE, type PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { createHook } from '@pausenet/hooks';
import {
  breachIdsFromHex,
  certificateToJson,
  commitmentToJson,
  decodeCertificate,
  decodeSignedCommitment,
  decodeSignedEvidence,
  detectEquivocation,
  type Evidence,
  evidenceToJson,
  fromHexOrNull,
  type Genesis,
  genesisToJson,
  networkIdOf,
  type PauseState,
  parseGenesisYaml,
  type SignedCommitment,
  signEvidence,
  toHex,
  type Validation,
} from '@pausenet/protocol';
import { Agreement as PauseAgreement } from './agreement/agreement.js';
import { createHookRunner } from './agreement/hookRunner.js';
import {
  type Agreement,
  type AgreementFactory,
  type AgreementStatus,
  type MessageKind,
  type MessageOf,
  NoAgreement,
  type SelfIdentity,
} from './agreement-port.js';
import type { ApiBackend } from './api/server.js';
import { ApiServer } from './api/server.js';
import { findDashboard } from './api/static.js';
import { loadOrCreateApiToken } from './api/token.js';
import { buildCommitment, parseCommitmentRequest, runsToJson } from './commit.js';
import { connectionLimitsOf, dataPaths, genesisMismatchMessage, type NodeConfig } from './config.js';
import { InboundGate, ipOf } from './connections.js';
import { ApiError, ConfigError } from './errors.js';
import { GossipAdmission } from './gossip/admission.js';
import { PeerBans, SYNC_REJECT_WEIGHT } from './gossip/bans.js';
import { PeerRateLimiter } from './gossip/ratelimit.js';
import { GossipIngestBatcher, makeTopicValidator, VerdictRecorder } from './gossip/validate.js';
import { VoteBatchVerifier } from './gossip/voteBatch.js';
import { createHost, loadOrCreateNodeKey, type PausenetLibp2p } from './host.js';
import { Ingest } from './ingest.js';
import { DEFAULT_PASSPHRASE_ENV, loadSelfIdentity } from './keystore.js';
import { judgeLateness, type Lateness } from './lateness.js';
import { createLogger, type Logger, LogThrottle } from './logger.js';
import { NodeMetrics } from './metrics.js';
import { PeerBook } from './peers.js';
import { type CommitmentRow, Store } from './store/store.js';
import { syncBounds } from './sync/bounds.js';
import { type StatusMessage, SyncResponder } from './sync/protocol.js';
import { handleReqResp, type ReqRespHandler } from './sync/reqresp.js';
import { Syncer } from './sync/syncer.js';
import { GOSSIP_KINDS, type GossipKind, protocolName, topicName } from './topics.js';
import { verifyPartialCached } from './verifyCache.js';

const KIND_TOPIC: Record<MessageKind, GossipKind> = {
  commitment: 'commitments',
  evidence: 'evidence',
  vote: 'votes',
  certificate: 'certificates',
};
const TOPIC_KIND: Record<GossipKind, MessageKind> = {
  commitments: 'commitment',
  evidence: 'evidence',
  votes: 'vote',
  certificates: 'certificate',
};

/** Upper bound per shutdown step (API, sync, agreement, ingest, libp2p). */
const STOP_STEP_MS = 10_000;
/** Heartbeat of this run in node_runs. */
const ALIVE_MS = 5_000;

export interface PausenetNodeOptions {
  logger?: Logger;
  /**
   * Builds the agreement; default: src/agreement's Agreement when genesis has a DKG result (else a
   * stand-in that only tracks certificates).
   */
  agreement?: AgreementFactory;
  /** HookRunner handed to the agreement; default: built from config.hooks (members only), null if none. */
  hooks?: unknown;
  /** libp2p connection gater (tests cut links with it). */
  connectionGater?: ConnectionGater;
  /** Clock (unix ms); default Date.now. */
  now?: () => number;
  /** Environment for the keystore passphrase (default process.env, from which it is deleted once read). */
  env?: NodeJS.ProcessEnv;
  /** The keystore passphrase itself (the CLI's prompt); takes precedence over keystore.passphraseEnv/File. */
  passphrase?: string;
}

/** Read and parse genesis.yaml; errors name the file. */
export function loadGenesisFile(file: string): Genesis {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      'GENESIS_UNREADABLE',
      `cannot read genesisFile ${file}: ${(err as Error).message}`,
      'genesisFile',
    );
  }
  try {
    return parseGenesisYaml(text);
  } catch (err) {
    throw new ConfigError('GENESIS_UNREADABLE', `genesis ${file}: ${(err as Error).message}`, 'genesisFile');
  }
}

/** A pausenet daemon: libp2p host, gossip validation, store, sync, local API (docs/node.md). */
export class PausenetNode {
  readonly genesis: Genesis;
  readonly networkId: Uint8Array;
  readonly networkIdHex: string;
  readonly ingest: Ingest;
  readonly syncer: Syncer;
  private agreementImpl: Agreement;
  private api: ApiServer | undefined;
  private readonly listeners = new Set<() => void>();
  private dialTimer: NodeJS.Timeout | undefined;
  private aliveTimer: NodeJS.Timeout | undefined;
  /** This run's key in node_runs (first-seen lateness is judged only for deadlines a run observed). */
  private runStartedAt = 0;
  private started = false;
  private stopped = false;
  private readonly peerLab = new Map<string, string>();
  private readonly logThrottle = new LogThrottle();
  /** Which peers are remembered and redialled (members; a few useful non-members at their own IP). */
  private readonly peerBook: PeerBook;

  private constructor(
    readonly config: NodeConfig,
    readonly store: Store,
    readonly host: PausenetLibp2p,
    readonly self: SelfIdentity | null,
    genesis: Genesis,
    networkId: Uint8Array,
    private readonly logger: Logger,
    private readonly now: () => number,
    /** Flood defence: non-member peers that keep sending invalid messages are disconnected and refused. */
    readonly bans: PeerBans,
    /** Admission of inbound connections (pending upgrades per IP, reserved slots for members). */
    readonly gate: InboundGate,
    readonly metrics: NodeMetrics,
    opts: PausenetNodeOptions,
  ) {
    this.genesis = genesis;
    this.networkId = networkId;
    this.networkIdHex = toHex(networkId);
    for (const m of genesis.members) for (const p of m.peerIds) this.peerLab.set(p, m.id);
    this.peerBook = new PeerBook({
      store,
      labOf: (p) => this.peerLab.get(p) ?? null,
      maxNonMembers: config.limits.maxRememberedPeers,
      memberPeerIds: this.peerLab.size,
    });
    const recorder = new VerdictRecorder(this.metrics, logger, (peer) => this.peerBook.useful(peer));
    this.ingest = new Ingest({
      genesis,
      networkId,
      store,
      agreement: () => this.agreementImpl,
      recorder,
      logger,
      now,
      onGap: (peer, _what) => {
        if (peer) this.syncer.syncSoon(peer);
      },
      onConflict: (sc) => this.onConflict(sc),
      onStored: () => this.changed(),
    });
    const factory: AgreementFactory =
      opts.agreement ??
      ((d) => {
        if (!d.genesis.dkg) {
          logger.warn(
            {},
            'genesis has no DKG result: pause agreement disabled until the DKG ceremony has run',
          );
          return new NoAgreement(d.store);
        }
        return new PauseAgreement({
          ...d,
          ...(config.approvals.auto ? { autoVote: config.approvals.auto } : {}),
          failSafe: config.failSafe,
          connectedMembers: () => this.connectedLabs(),
        });
      });
    this.agreementImpl = factory({
      genesis,
      networkId,
      self,
      store,
      hooks: opts.hooks !== undefined ? opts.hooks : this.buildHooks(),
      publish: (kind, msg) => this.publish(kind, msg),
      logger: logger.child({ component: 'agreement' }),
      now,
    });
    this.agreementImpl.on('change', () => this.changed());
    this.syncer = new Syncer({
      host,
      networkIdHex: this.networkIdHex,
      store,
      ingest: (kind, bytes, peer) => this.ingest.ingestBytes(kind, bytes, { source: 'sync', peer }),
      ingestBatch: (kind, items, peer) =>
        this.ingest.ingestBatch(items.map((bytes) => ({ kind, bytes, opts: { source: 'sync', peer } }))),
      currentHeight: () => this.agreementImpl.status().height,
      metrics: this.metrics,
      logger: logger.child({ component: 'sync' }),
      intervalMs: config.sync.intervalMs,
      timeoutMs: config.sync.timeoutMs,
      maxBatch: config.sync.maxBatch,
      bounds: syncBounds(genesis, now),
      onReject: (peer) => this.onReject(peer, SYNC_REJECT_WEIGHT),
    });
  }

  /** HookRunner from config.hooks on the node's store (members only; observers never act). */
  private buildHooks(): unknown {
    if (!this.self || this.config.hooks.length === 0) return null;
    const log = this.logger.child({ component: 'hooks' });
    const hookLogger = {
      info: (f: Record<string, unknown>, m: string) => log.info(f, m),
      warn: (f: Record<string, unknown>, m: string) => log.warn(f, m),
      error: (f: Record<string, unknown>, m: string) => log.error(f, m),
    };
    return createHookRunner({
      store: this.store,
      hooks: this.config.hooks.map((h) => createHook(h, { logger: hookLogger })),
      logger: hookLogger,
      now: this.now,
      onEvent: (e) => {
        if (e.type === 'ok' || e.type === 'failed')
          this.metrics.hookResults.inc({ hook: e.hook, action: e.action, status: e.type });
        this.changed();
      },
    });
  }

  /** Member labs with a live connection (self included). */
  connectedLabs(): string[] {
    const labs = new Set<string>();
    if (this.self) labs.add(this.self.lab);
    for (const p of this.host.getPeers()) {
      const lab = this.peerLab.get(p.toString());
      if (lab) labs.add(lab);
    }
    return [...labs];
  }

  /** Load genesis, keystore (members), store and identity; build (but do not start) the node. */
  static async create(config: NodeConfig, opts: PausenetNodeOptions = {}): Promise<PausenetNode> {
    const logger = opts.logger ?? createLogger(config.logLevel, { role: config.role });
    const now = opts.now ?? Date.now;
    const genesis = loadGenesisFile(config.genesisFile);
    const networkId = networkIdOf(genesis);
    const paths = dataPaths(config);
    let self: SelfIdentity | null = null;
    if (config.role === 'member') {
      const ks = config.keystore ?? { file: paths.keystore, passphraseEnv: DEFAULT_PASSPHRASE_ENV };
      self = loadSelfIdentity(ks, genesis, opts.env ?? process.env, opts.passphrase);
    }
    const store = Store.open(config.dataDir);
    try {
      const stored = store.getMeta('networkId');
      if (stored && stored !== toHex(networkId)) {
        throw new ConfigError(
          'CONFIG_INVALID',
          genesisMismatchMessage(config.dataDir, stored, config.genesisFile, toHex(networkId)),
          'dataDir',
        );
      }
      if (!stored) store.setMeta('networkId', toHex(networkId));
      const privateKey = await loadOrCreateNodeKey(paths.nodeKey, logger);
      const memberPeers = new Set(genesis.members.flatMap((m) => m.peerIds));
      const bans = new PeerBans({ isMember: (p) => memberPeers.has(p) });
      const memberIps = new Set(
        genesis.members.flatMap((m) => m.addrs.map(ipOf).filter((ip): ip is string => ip !== null)),
      );
      const limits = connectionLimitsOf(config);
      const metrics = new NodeMetrics();
      const gate = new InboundGate({
        limits,
        memberPeers,
        memberIps,
        onRefuse: (reason) => metrics.inboundRefused.inc({ reason }),
      });
      const host = await createHost({
        privateKey,
        listen: config.listen,
        bootstrap: config.bootstrap,
        networkIdHex: toHex(networkId),
        gossip: { maxMessageBytes: config.limits.maxMessageBytes },
        connectionGater: gate.gater(bans.gater(opts.connectionGater)),
        connections: { limits, allowIps: [...memberIps] },
      });
      gate.connections = () => host.getConnections();
      const log = logger.child({ peerId: host.peerId.toString(), lab: self?.lab ?? null });
      if (self) {
        const me = genesis.members.find((m) => m.id === self?.lab);
        if (me && me.peerIds.length > 0 && !me.peerIds.includes(host.peerId.toString())) {
          log.warn({ peerIds: me.peerIds }, 'this node peer id is not listed in genesis for this lab');
        }
      }
      return new PausenetNode(
        config,
        store,
        host,
        self,
        genesis,
        networkId,
        log,
        now,
        bans,
        gate,
        metrics,
        opts,
      );
    } catch (err) {
      store.close();
      throw err;
    }
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
  get agreement(): Agreement {
    return this.agreementImpl;
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
    const ps = this.host.services.pubsub;
    const limits = this.config.limits;
    const admission = new GossipAdmission({
      isMember: (p) => this.peerLab.has(p),
      perPeerMsgsPerSec: limits.perPeerMsgsPerSec,
      outsiderMsgsPerSec: limits.outsiderMsgsPerSec,
      outsiderBurst: limits.outsiderBurst,
      outsiderBlsPerSec: limits.outsiderBlsPerSec,
      outsiderEd25519PerSec: limits.outsiderEd25519PerSec,
    });
    const votes = new VoteBatchVerifier(this.genesis, this.networkId, verifyPartialCached);
    const batch = new GossipIngestBatcher((items) => this.ingest.ingestBatch(items));
    for (const gk of GOSSIP_KINDS) {
      const kind = TOPIC_KIND[gk];
      ps.topicValidators.set(
        topicName(this.networkIdHex, gk),
        makeTopicValidator({
          kind,
          admission,
          metrics: this.metrics,
          logger: this.logger,
          ingest: (k, data, peer) => batch.submit(k, data, peer),
          ...(kind === 'vote' ? { prepare: (data: Uint8Array) => votes.prepare(data) } : {}),
          onReject: (peer) => this.onReject(peer),
        }),
      );
    }
    const responder = new SyncResponder(this.store, () => this.syncStatus(), this.config.sync.maxBatch);
    const lim = { maxItems: this.config.sync.maxBatch, timeoutMs: this.config.sync.timeoutMs };
    // One request budget per peer over every sync protocol (docs/protocol.md "Req/resp sync").
    const requests = new PeerRateLimiter(
      limits.reqRespPerPeerPerSec,
      Math.max(1, 2 * limits.reqRespPerPeerPerSec),
    );
    const serve = (method: string) => ({
      admit: (peer: string) => requests.take(peer),
      onRefused: () => this.metrics.reqRespRateLimited.inc({ protocol: method }),
    });
    const handlers: [string, ReqRespHandler][] = [
      ['status', () => responder.handleStatus()],
      ['commitments-by-range', (r) => responder.commitmentsByRange(r)],
      ['certificates-by-range', (r) => responder.certificatesByRange(r)],
      ['votes', (r) => responder.votes(r)],
      ['evidence', (r) => responder.evidence(r)],
    ];
    for (const [method, handler] of handlers)
      await handleReqResp(this.host, protocolName(this.networkIdHex, method), handler, lim, serve(method));
    const onPeers = (): void => {
      this.metrics.peers.set(this.host.getPeers().length);
      this.changed();
    };
    this.host.addEventListener('peer:connect', onPeers);
    this.host.addEventListener('peer:disconnect', onPeers);
    // Remember members' (and a few useful peers') listen addrs: after a restart they are redialled.
    this.host.addEventListener('peer:identify', (evt) => {
      const { peerId, listenAddrs, connection } = evt.detail;
      if (this.stopped || !this.store.isOpen) return;
      this.peerBook.identified(
        peerId.toString(),
        listenAddrs.map((a) => a.toString()),
        connection?.remoteAddr?.toString() ?? null,
      );
    });
    await this.host.start();
    await this.keepMembers();
    for (const gk of GOSSIP_KINDS) ps.subscribe(topicName(this.networkIdHex, gk));
    // Record this run (docs/protocol.md "First seen") before anything is ingested, and keep it alive.
    this.runStartedAt = this.store.relaxed(() => this.store.runs.start(this.now()));
    this.aliveTimer = setInterval(() => {
      if (!this.stopped && this.store.isOpen)
        this.store.relaxed(() => this.store.runs.alive(this.runStartedAt, this.now()));
    }, ALIVE_MS);
    this.aliveTimer.unref();
    await this.agreementImpl.start();
    this.syncer.start();

    const token = loadOrCreateApiToken(dataPaths(this.config).apiToken);
    this.api = new ApiServer({
      host: this.config.api.host,
      port: this.config.api.port,
      token,
      backend: this.apiBackend(),
      metrics: this.metrics,
      beforeMetrics: () => {
        this.metrics.storeBytes.set(this.store.sizeBytes());
        this.metrics.commitments.set(this.store.countCommitments());
        this.metrics.peers.set(this.host.getPeers().length);
        this.metrics.inboundPending.set(this.gate.pending().total);
      },
      logger: this.logger.child({ component: 'api' }),
      dashboard: await findDashboard(),
      maxSseClients: this.config.api.maxSseClients,
      sseMaxBufferBytes: this.config.api.sseMaxBufferBytes,
    });
    const url = await this.api.start();
    writeFileSync(dataPaths(this.config).apiUrl, `${url}\n`, { mode: 0o600 });
    this.dialKnownPeers();
    this.dialTimer = setInterval(() => this.dialKnownPeers(), Math.max(1000, this.config.sync.intervalMs));
    this.dialTimer.unref();
    this.logger.info(
      { multiaddrs: this.multiaddrs, api: url, network: this.networkIdHex },
      'pausenet node started',
    );
  }

  /**
   * Tag every genesis member's peer id keep-alive (libp2p redials it as soon as it disconnects) and with a
   * high value (the connection pruner never picks it), with its genesis addrs (docs/protocol.md "Admission
   * control"). The periodic dialKnownPeers keeps trying after libp2p's own retries give up.
   */
  private async keepMembers(): Promise<void> {
    for (const m of this.genesis.members) {
      for (const id of m.peerIds) {
        if (id === this.peerId) continue;
        try {
          const peer = peerIdFromString(id);
          const addrs = m.addrs.filter((a) => !a.includes('/p2p/') || a.endsWith(`/p2p/${id}`));
          await this.host.peerStore.merge(peer, {
            multiaddrs: addrs.map((a) => multiaddr(a.replace(/\/p2p\/[^/]+$/, ''))),
            tags: { [KEEP_ALIVE]: { value: 1 }, 'pausenet-member': { value: 100 } },
          });
        } catch (err) {
          this.logger.warn(
            { peer: id, err: (err as Error).message },
            'cannot keep a genesis member connected',
          );
        }
      }
    }
  }

  /** A REJECT from `peer`: past the flood limit a non-member peer is banned and disconnected now. */
  private onReject(peer: string, weight = 1): void {
    if (!this.bans.noteReject(peer, weight)) return;
    this.metrics.peersBanned.inc();
    const suppressed = this.logThrottle.admit('peer banned');
    if (suppressed !== null)
      this.logger.warn(
        { peer, ...(suppressed > 0 ? { suppressed } : {}) },
        'peer banned for 10 min: too many invalid messages (flood defence)',
      );
    let id: PeerId;
    try {
      id = peerIdFromString(peer);
    } catch {
      return;
    }
    this.host
      .hangUp(id)
      .catch((err: Error) => this.logger.debug({ peer, err: err.message }, 'hang up failed'));
  }

  /** Stop everything and close the store (idempotent). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.dialTimer);
    clearInterval(this.aliveTimer);
    if (this.runStartedAt > 0 && this.store.isOpen)
      this.store.relaxed(() => this.store.runs.alive(this.runStartedAt, this.now()));
    // Each step is bounded: a stuck peer stream or hook must not keep the store open forever.
    await this.bounded('api', () => this.api?.stop());
    await this.bounded('sync', () => this.syncer.stop());
    await this.bounded('agreement', () => this.agreementImpl.stop());
    await this.bounded('ingest', () => this.ingest.drain());
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
          this.logger.warn({ step, err: err.message }, 'stop step failed'),
        ),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.logger.warn({ step, ms }, 'stop step timed out; continuing shutdown');
            resolve();
          }, ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.logger.debug({ step, ms: Date.now() - t0 }, 'stopped');
    }
  }

  /** Persist through the ingest path, then gossip. Resolves to the ingest verdict. */
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
      this.logger.debug({ kind, err: (err as Error).message }, 'gossip publish failed');
    }
  }

  /** Sign, chain, store and publish this lab's next commitment (POST /v1/commitments). */
  async submitCommitment(body: unknown): Promise<unknown> {
    const self = this.requireMember();
    const request = parseCommitmentRequest(body);
    const sc = buildCommitment({
      genesis: this.genesis,
      networkId: this.networkId,
      self,
      head: this.store.lastCommitment(self.lab),
      request,
      now: this.now(),
      applied: { height: this.agreementImpl.status().height, level: this.agreementImpl.status().state },
    });
    // Build, sign and ingest run synchronously: concurrent submissions cannot take the same seq.
    const out = this.ingest.ingestMessage('commitment', sc, { source: 'local' });
    if (!out.validation.ok) {
      throw new ApiError(422, out.validation.code, `commitment not accepted: ${out.validation.detail}`);
    }
    void this.gossip('commitment', out.bytes);
    return {
      ...commitmentToJson(sc),
      ...(request.runs.length > 0 ? { runs: runsToJson(request.runs) } : {}),
    };
  }

  private requireMember(): SelfIdentity {
    if (!this.self) {
      throw new ApiError(
        403,
        'OBSERVER_READ_ONLY',
        'this node runs as an observer: it has no signing key and accepts no writes',
      );
    }
    return this.self;
  }

  private async submitEvidence(body: unknown): Promise<unknown> {
    const self = this.requireMember();
    const b = (body ?? {}) as Record<string, unknown>;
    let evidence: Evidence;
    const epoch = b.epoch;
    if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0)
      throw new ApiError(400, 'BAD_EVIDENCE', 'epoch must be a non-negative integer');
    if (b.kind === 'missed') {
      if (typeof b.lab !== 'string') throw new ApiError(400, 'BAD_EVIDENCE', 'missed evidence needs "lab"');
      // Judged on first-seen time: a commitment this node saw in time refutes `missed`; a late one (first
      // seen after deadline + grace, e.g. back-dated and planted via sync) does not.
      const row = this.store.commitmentsByEpoch(b.lab, epoch, epoch, 1)[0];
      if (row !== undefined && this.latenessOf(row) === 'on-time')
        throw new ApiError(
          422,
          'NOT_MISSED',
          `${b.lab} committed for epoch ${epoch} in time (first seen here ${new Date(row.receivedAt).toISOString()}); nothing is missed`,
        );
      evidence = { kind: 'missed', lab: b.lab, epoch };
    } else if (b.kind === 'report') {
      const digest = typeof b.digest === 'string' ? fromHexOrNull(b.digest) : null;
      if (typeof b.subject !== 'string' || !digest || typeof b.summary !== 'string') {
        throw new ApiError(
          400,
          'BAD_EVIDENCE',
          'report evidence needs "subject", "digest" (hex) and "summary"',
        );
      }
      evidence = { kind: 'report', subject: b.subject, epoch, digest, summary: b.summary };
    } else {
      throw new ApiError(
        400,
        'BAD_EVIDENCE',
        'kind must be "report" or "missed" (cap-exceeded and equivocation are filed automatically)',
      );
    }
    const se = signEvidence(
      { networkId: this.networkId, evidence, reporter: self.lab, issuedAt: this.now() },
      self.identitySecretKey,
    );
    const v = await this.publish('evidence', se);
    if (!v.ok) throw new ApiError(422, v.code, `evidence not accepted: ${v.detail}`);
    return evidenceToJson(se);
  }

  /** A fork of a lab's chain: the agreement files evidence; without one, a member files it here. */
  private onConflict(sc: SignedCommitment): void {
    if (!(this.agreementImpl instanceof NoAgreement)) {
      void this.ingest.handOff('commitment', sc);
      return;
    }
    const c = sc.commitment;
    const rivals = [
      ...(this.store.getCommitment(c.lab, c.seq)
        ? [this.store.getCommitment(c.lab, c.seq) as CommitmentRow]
        : []),
      ...this.store.commitmentsByEpoch(c.lab, c.epoch, c.epoch, 4),
    ];
    for (const r of rivals) {
      const ev = detectEquivocation(decodeSignedCommitment(r.bytes), sc);
      if (ev) {
        this.fileEvidence(ev);
        return;
      }
    }
  }

  private fileEvidence(evidence: Evidence): void {
    if (!this.self) return;
    const se = signEvidence(
      { networkId: this.networkId, evidence, reporter: this.self.lab, issuedAt: this.now() },
      this.self.identitySecretKey,
    );
    // Deferred: we are inside the synchronous ingest step of the conflicting commitment.
    setImmediate(() => {
      if (!this.stopped) void this.publish('evidence', se);
    });
  }

  /** What this node advertises in the req/resp status exchange. */
  syncStatus(): StatusMessage {
    const height = this.store.certifiedHeight();
    return {
      networkId: this.networkIdHex,
      role: this.config.role,
      heads: this.store.chainHeads().map((h) => ({ lab: h.lab, seq: h.seq, hash: toHex(h.hash) })),
      certifiedHeight: height,
      openVotes: this.store.countVotes(height + 1),
      evidenceCount: this.store.countEvidence(),
    };
  }

  /** Lateness of a stored commitment, judged on its first-seen time (docs/protocol.md "First seen"). */
  latenessOf(row: CommitmentRow): Lateness {
    // Settled = up for two sync intervals (it has synced with its peers since it started).
    const settleMs = 2 * this.config.sync.intervalMs;
    const now = this.now();
    // This run covers `t` up to now (its stored heartbeat lags by up to ALIVE_MS); earlier runs per node_runs.
    const observed = (t: number): boolean =>
      (this.runStartedAt > 0 && this.runStartedAt + settleMs <= t && t <= now) ||
      this.store.runs.observed(t, settleMs);
    return judgeLateness(this.genesis.policy, row.epoch, row.receivedAt, observed);
  }

  /** A commitment as the API shows it: the signed message plus this node's first-seen time and judgement. */
  private commitmentView(row: CommitmentRow): unknown {
    return {
      ...commitmentToJson(decodeSignedCommitment(row.bytes)),
      firstSeenAt: row.receivedAt,
      lateness: this.latenessOf(row),
    };
  }

  /** Open breaches (at most 100, oldest first) and counts, for GET /v1/status. */
  private breachesView(): unknown {
    const counts = this.store.breaches.counts();
    return {
      open: this.store.breaches.open(100).map((b) => ({
        id: toHex(b.id),
        kind: b.kind,
        lab: b.lab,
        epoch: b.epoch,
        evidence: b.evidenceHash ? toHex(b.evidenceHash) : null,
        firstSeenAt: b.firstSeenAt,
        actedOnHeight: b.actedOnHeight,
      })),
      openCount: counts.open,
      resolvedCount: counts.resolved,
    };
  }

  /** GET /v1/health: ready once started and the start-up re-assert of the current state's hooks is done. */
  health(): { ready: boolean; reason: string | null; state: PauseState; height: number } {
    const a = this.agreementImpl.status();
    const ready = this.started && !this.stopped && this.api !== undefined && a.ready;
    return {
      ready,
      reason: ready ? null : (a.readyReason ?? (this.stopped ? 'stopping' : 'starting')),
      state: a.state,
      height: a.height,
    };
  }

  /** GET /v1/status body. */
  status(): unknown {
    const a: AgreementStatus = this.agreementImpl.status();
    const health = this.health();
    const connected = new Set(this.host.getPeers().map((p) => p.toString()));
    return {
      networkId: this.networkIdHex,
      role: this.config.role,
      self: this.self?.lab ?? null,
      peerId: this.peerId,
      peers: [...connected].sort().map((p) => ({ peerId: p, lab: this.peerLab.get(p) ?? null })),
      state: a.state,
      height: a.height,
      since: a.since,
      threshold: this.genesis.threshold,
      ready: health.ready,
      readyReason: health.reason,
      labs: this.genesis.members.map((m) => {
        const last = this.store.lastCommitment(m.id);
        return {
          id: m.id,
          name: m.name,
          connected: m.peerIds.some((p) => connected.has(p)) || m.id === this.self?.lab,
          lastCommitment: last ? this.commitmentView(last) : null,
        };
      }),
      pendingVotes: a.pendingVotes,
      approvals: a.approvals,
      breaches: this.breachesView(),
      hooks: a.hooks,
    };
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
        this.logger.warn({ err: (err as Error).message }, 'status listener failed');
      }
    }
  }

  private apiBackend(): ApiBackend {
    return {
      status: () => this.status(),
      health: () => this.health(),
      genesis: () => genesisToJson(this.genesis),
      submitCommitment: (b) => this.submitCommitment(b),
      listCommitments: (q) => {
        const labs = q.lab ? [q.lab] : this.genesis.members.map((m) => m.id);
        if (q.lab && !this.genesis.members.some((m) => m.id === q.lab))
          throw new ApiError(404, 'UNKNOWN_LAB', `no member "${q.lab}" in genesis`);
        const out: unknown[] = [];
        for (const lab of labs) {
          for (const r of this.store.commitmentsByEpoch(
            lab,
            q.from ?? 0,
            q.to ?? Number.MAX_SAFE_INTEGER,
            10_000,
          )) {
            out.push(this.commitmentView(r));
          }
        }
        return out;
      },
      submitEvidence: (b) => this.submitEvidence(b),
      listEvidence: () =>
        this.store.listEvidence(10_000).map((r) => ({
          ...evidenceToJson(decodeSignedEvidence(r.bytes)),
          firstSeenAt: r.receivedAt,
        })),
      approve: async (body) => {
        this.requireMember();
        const b = (body ?? {}) as Record<string, unknown>;
        if (typeof b.height !== 'number' || !Number.isInteger(b.height) || b.height < 1)
          throw new ApiError(400, 'BAD_APPROVAL', 'height must be a positive integer');
        if (b.target !== 'PAUSED' && b.target !== 'RUNNING')
          throw new ApiError(400, 'BAD_APPROVAL', 'target must be "PAUSED" or "RUNNING"');
        let breaches: Uint8Array[] | undefined;
        if (b.breaches !== undefined) {
          const ids = Array.isArray(b.breaches) ? breachIdsFromHex(b.breaches) : null;
          if (ids === null)
            throw new ApiError(
              400,
              'BAD_APPROVAL',
              'breaches must be a list of breach ids (64 lowercase hex characters each; pausenet status lists them)',
            );
          breaches = ids;
        }
        for (const flag of ['force', 'dryRun'] as const)
          if (b[flag] !== undefined && typeof b[flag] !== 'boolean')
            throw new ApiError(400, 'BAD_APPROVAL', `${flag} must be true or false`);
        const r = await this.agreementImpl.approve(b.height, b.target as PauseState, {
          ...(breaches ? { breaches } : {}),
          ...(b.force === true ? { force: true } : {}),
          ...(b.dryRun === true ? { dryRun: true } : {}),
        });
        if (r.refused !== undefined) throw new ApiError(409, r.refused, r.reason ?? r.refused);
        return r;
      },
      listCertificates: () =>
        this.store
          .certificatesRange(1, Number.MAX_SAFE_INTEGER, 10_000)
          .map((r) => ({ ...certificateToJson(decodeCertificate(r.bytes)), firstSeenAt: r.receivedAt })),
      onChange: (fn) => this.onChange(fn),
    };
  }

  /** Keep connections to bootstrap addrs, genesis members' addrs and remembered peers (every sync interval). */
  private dialKnownPeers(): void {
    if (this.stopped) return;
    const connected = new Set(this.host.getPeers().map((p) => p.toString()));
    const remembered = this.peerBook.dialAddrs();
    const addrs = new Set<string>([
      ...this.config.bootstrap,
      ...this.genesis.members.flatMap((m) => m.addrs),
      ...remembered,
    ]);
    const byPeer = new Map<string, string[]>();
    for (const a of addrs) {
      const id = a.split('/p2p/')[1];
      if (!id || id === this.peerId || connected.has(id)) continue;
      byPeer.set(id, [...(byPeer.get(id) ?? []), a]);
    }
    for (const [id, list] of byPeer) {
      let peer: PeerId;
      let mas: ReturnType<typeof multiaddr>[];
      try {
        peer = peerIdFromString(id);
        mas = list.map((a) => multiaddr(a));
      } catch {
        continue; // malformed address in config/genesis/peers table: nothing to dial
      }
      this.host.peerStore
        .merge(peer, { multiaddrs: mas })
        .then(() => this.host.dial(peer, { signal: AbortSignal.timeout(5000) }))
        .catch((err: Error) => this.logger.debug({ peer: id, err: err.message }, 'dial failed'));
    }
  }
}
