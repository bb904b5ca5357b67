import { EventEmitter } from 'node:events';
import { blsSign, recoverSignature } from '@pausenet/crypto';
import { actionForTarget, type HookCertificate } from '@pausenet/hooks';
import {
  breachIdOf,
  type Certificate,
  certificateHash,
  compareBytes,
  createPauseState,
  decodeCertificate,
  decodeSignedVote,
  encodeCertificate,
  encodeSignedVote,
  escalationHeight,
  evidenceHash,
  type Genesis,
  type LabId,
  LIMITS,
  levelRank,
  type PauseEffect,
  type PauseEvent,
  type PauseMachineState,
  type PauseState,
  pauseStatus,
  pauseStep,
  resolvesDigest,
  type SignedCommitment,
  type SignedEvidence,
  type SignedVote,
  type Step,
  signEvidence,
  signVote,
  statementBytes,
  statementKey,
  toHex,
  type Validation,
} from '@pausenet/protocol';
import type { ApprovalSource, ApprovedBreach, ApproveOptions, ApproveResult } from '../agreement-port.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { blsVerifyCached, type VerifyFn, verifyPartialCached } from '../verifyCache.js';
import { BreachDetector } from './breach.js';
import { AgreementError } from './errors.js';
import { FailSafeMonitor } from './failSafe.js';
import { hookCertificateOf } from './hookRunner.js';
import { SqliteHookJournal } from './hookStore.js';
import { PauseDb } from './pauseDb.js';
import { SlashingProtection } from './slashing.js';
import type {
  AcceptInfo,
  AgreementOptions,
  AgreementStatus,
  MessageKind,
  MessageOf,
  PublishFn,
  SelfIdentity,
} from './types.js';

const OK: Validation = { ok: true };

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

interface RunOutcome {
  hookName: string;
  status: 'ok' | 'failed' | 'superseded';
  lastError: string | null;
}

/** The slice of @pausenet/hooks' HookRunner the agreement uses. */
interface RunnerLike {
  runFor(cert: HookCertificate, opts?: { signal?: AbortSignal }): Promise<readonly RunOutcome[]>;
  reassert(cert: HookCertificate, opts?: { signal?: AbortSignal }): Promise<readonly RunOutcome[]>;
  resumeUnfinished(opts?: { signal?: AbortSignal }): Promise<unknown>;
  stop?(): Promise<void>;
  readonly hookNames?: readonly string[];
}

function asRunner(x: unknown): RunnerLike | null {
  if (x === null || x === undefined) return null;
  const r = x as Partial<RunnerLike>;
  if (
    typeof r.runFor !== 'function' ||
    typeof r.resumeUnfinished !== 'function' ||
    typeof r.reassert !== 'function'
  ) {
    throw new AgreementError(
      'BAD_HOOKS',
      'hooks must be a HookRunner from @pausenet/hooks (see createHookRunner) or null',
    );
  }
  return x as RunnerLike;
}

function missingConnectivity(): never {
  throw new AgreementError('BAD_CONFIG', 'failSafe.enabled needs the node to pass connectedMembers()');
}

interface OutboxItem {
  kind: MessageKind;
  msg: MessageOf[MessageKind];
}

/** How long a graceful stop waits for hook runs under way before aborting them. */
const HOOK_DRAIN_MS = 5_000;

/** A member that can sign votes (has a BLS share). */
type Voter = SelfIdentity & { blsShare: Uint8Array };

/** Ascending, distinct breach ids. */
function sortedIds(ids: readonly Uint8Array[]): Uint8Array[] {
  const byHex = new Map(ids.map((id) => [toHex(id), id]));
  return [...byHex.values()].sort(compareBytes);
}

const sameIds = (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean =>
  a.length === b.length && a.every((x, i) => compareBytes(x, b[i] as Uint8Array) === 0);

/**
 * The imperative shell of pause agreement around @pausenet/protocol's pure pause machine: detects
 * breaches, signs votes behind slashing protection, recovers certificates, applies them (pause_state +
 * hook journal in one transaction) and runs the hooks. Everything durable lives in the node's store.
 */

export class Agreement {
  private readonly genesis: Genesis;
  private readonly networkId: Uint8Array;
  private readonly self: SelfIdentity | null;
  private readonly voter: Voter | null;
  private readonly store: Store;
  private readonly runner: RunnerLike | null;
  private readonly hookNames: readonly string[];
  private readonly publishFn: PublishFn;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly threshold: number;
  private readonly groupPublicKey: Uint8Array;
  private readonly publicShares: Uint8Array[];
  private readonly memberIndex = new Map<LabId, number>();
  private readonly canonicalIndices: number[];
  private readonly republishMs: number;
  private readonly graceMs: number;
  private readonly verifyPartialFn: VerifyFn = verifyPartialCached;
  private readonly blsVerifyFn: VerifyFn = blsVerifyCached;

  private readonly slashing: SlashingProtection;
  private readonly pauseDb: PauseDb;
  private readonly breaches: BreachDetector;
  /** SQLite hook journal (status API). */
  readonly journal: SqliteHookJournal;
  private readonly failSafe: FailSafeMonitor | null;

  private machine: PauseMachineState;
  /** Breach ids this node filed evidence for in this process (the store knows the rest). */
  private readonly filed = new Set<string>();
  /** Readiness: the start-up re-assert of the current state's hooks has completed (GET /v1/health). */
  private ready = false;
  private readyReason: string | null = 'starting';
  /** Heights for which the machine asked the operator (approval-needed). */
  private readonly awaitingApproval = new Set<number>();
  /** Statements (statementKey) this node recovered a certificate for (formed once). */
  private readonly formed = new Set<string>();
  private graceTimer: { height: number; timer: NodeJS.Timeout } | null = null;
  private readonly graceExpired = new Set<number>();

  private queue: Promise<unknown> = Promise.resolve();
  private readonly outbox: OutboxItem[] = [];
  private flushing: Promise<void> | null = null;
  private readonly hookRuns = new Set<Promise<unknown>>();
  private readonly emitter = new EventEmitter();
  private readonly abort = new AbortController();
  private republishTimer: NodeJS.Timeout | null = null;
  private hooksCache: { at: number; rows: AgreementStatus['hooks'] } | null = null;
  private started = false;
  private stopped = false;

  constructor(opts: AgreementOptions) {
    const dkg = opts.genesis.dkg;
    if (dkg === undefined) {
      throw new AgreementError(
        'NO_DKG',
        'genesis has no dkg result: run the DKG ceremony (pausenet dkg) before starting the node',
      );
    }
    const policy = opts.genesis.policy;
    // The node's approvals.auto override replaces policy.autoVote for this member's own decisions.
    this.genesis =
      opts.autoVote === undefined
        ? opts.genesis
        : { ...opts.genesis, policy: { ...policy, autoVote: [...opts.autoVote] } };
    this.networkId = opts.networkId;
    this.self = opts.self;
    this.store = opts.store;
    this.publishFn = opts.publish;
    this.log = opts.logger.child({ component: 'agreement' });
    this.now = opts.now;
    this.threshold = opts.genesis.threshold;
    this.groupPublicKey = dkg.groupPublicKey;
    this.publicShares = dkg.publicShares;
    for (const m of opts.genesis.members) this.memberIndex.set(m.id, m.index);
    this.canonicalIndices = [...this.memberIndex.values()].sort((a, b) => a - b).slice(0, this.threshold);
    this.republishMs = opts.republishMs ?? 0;
    this.graceMs = opts.certificateGraceMs ?? 0;

    if (opts.self !== null && this.memberIndex.get(opts.self.lab) !== opts.self.index) {
      throw new AgreementError(
        'BAD_SELF',
        `self ${opts.self.lab} (index ${opts.self.index}) is not a member of this genesis`,
      );
    }
    this.voter =
      opts.self !== null && opts.self.blsShare !== null
        ? { ...opts.self, blsShare: opts.self.blsShare }
        : null;
    // Hooks run on members only: observers verify and store, never act.
    this.runner = opts.self !== null ? asRunner(opts.hooks) : null;
    this.hookNames = this.runner?.hookNames ?? [];

    const db = opts.store.db;
    this.slashing = new SlashingProtection(db);
    this.pauseDb = new PauseDb(db);
    this.breaches = new BreachDetector(db, policy);
    this.journal = new SqliteHookJournal(db);
    if (opts.failSafe?.enabled === true && opts.connectedMembers === undefined) missingConnectivity();
    this.failSafe =
      opts.failSafe?.enabled === true && this.runner !== null
        ? new FailSafeMonitor({
            afterMs: opts.failSafe.afterMs,
            threshold: this.threshold,
            self: opts.self?.lab ?? null,
            connectedMembers: opts.connectedMembers ?? missingConnectivity,
            now: this.now,
            onTrip: (reason) => this.failSafeTrip(reason),
            onRecover: () => this.failSafeRecover(),
          })
        : null;
    this.machine = this.freshMachine();
  }

  private freshMachine(): PauseMachineState {
    const applied = this.pauseDb.get();
    const row = applied.height > 0 ? this.store.getCertificate(applied.height) : undefined;
    return createPauseState(this.genesis, {
      networkId: this.networkId,
      ...(this.voter !== null ? { self: this.voter.lab } : {}),
      verifyPartial: this.verifyPartialFn,
      blsVerify: this.blsVerifyFn,
      certificate: row === undefined ? null : decodeCertificate(row.bytes),
      since: applied.since ?? 0,
      signed: this.slashing.all().map((s) => {
        const v = decodeSignedVote(s.vote).vote;
        return { height: s.height, target: v.target, step: v.step, resolves: v.resolves };
      }),
      // Rebuilt from the breaches table, not by replaying stored evidence (docs/protocol.md "Restart").
      breaches: {
        open: this.store.breaches
          .open()
          .flatMap((b) =>
            b.kind !== null && b.evidenceHash !== null
              ? [{ id: b.id, kind: b.kind, ref: b.evidenceHash }]
              : [],
          ),
        resolved: this.store.breaches.resolved(),
      },
    });
  }

  /** Load durable state and finish interrupted work (hooks, certificates, own vote); start timers. */
  async start(): Promise<void> {
    if (this.stopped) throw new AgreementError('STOPPED', 'agreement was stopped; create a new one');
    if (this.started) return;
    this.started = true;
    await this.serial(() => {
      this.machine = this.freshMachine();
      // Re-assert on start (docs/protocol.md "Re-assert on start"): while PAUSED every hook runs again
      // for the current certificate (idempotent halt: a deleted sentinel, a job resumed by hand while the
      // node was down, is halted again); the node reports ready when that has completed. While RUNNING
      // nothing is re-run except an unfinished journal row (resumeUnfinished) or a certificate applied
      // just before a crash without journal rows.
      this.reassertOnStart();
      if (this.runner !== null) this.track(this.runner.resumeUnfinished({ signal: this.abort.signal }));
      // A certificate persisted by the node but not applied (crash in between) is applied now.
      this.applyStoredCertificates(Number.POSITIVE_INFINITY);
      const open = this.machine.height + 1;
      for (const a of this.pauseDb.approvalsAbove(this.machine.height)) {
        if (a.height === open) this.step(this.approveEvent(a.height, a.target, a.breaches));
      }
      for (const row of this.store.votesRange(open, open, 10_000))
        this.step({ type: 'vote', vote: decodeSignedVote(row.bytes) });
      // Crash between persisting our vote and publishing it: publish the stored bytes now.
      const mine = this.slashing.signedAt(open);
      if (mine !== undefined) {
        this.log.info({ height: open, target: mine.target }, 're-publishing own stored vote');
        this.outbox.push({ kind: 'vote', msg: decodeSignedVote(mine.vote) });
      }
    });
    if (this.republishMs > 0) {
      this.republishTimer = setInterval(() => this.republishOwnVote(), this.republishMs);
      this.republishTimer.unref();
    }
    this.failSafe?.start();
    void this.flush();
  }

  /** Stop timers, abort hook runs and wait for in-flight work. The store stays open (the node owns it). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.republishTimer !== null) clearInterval(this.republishTimer);
    if (this.graceTimer !== null) clearTimeout(this.graceTimer.timer);
    this.failSafe?.stop();
    // Graceful stop: let hook attempts already under way finish (bounded) before aborting them, so
    // a SIGTERM mid-halt does not make an at-least-once hook run a second time after the restart.
    if (this.hookRuns.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.hookRuns]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, HOOK_DRAIN_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    this.abort.abort();
    await this.queue.catch(() => undefined);
    await this.flushing?.catch(() => undefined);
    await Promise.allSettled([...this.hookRuns]);
    this.emitter.removeAllListeners();
  }

  /** Resolves once queued steps, outgoing messages and hook runs have settled (tests, shutdown). */
  async settled(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      await this.queue.catch(() => undefined);
      await this.flushing?.catch(() => undefined);
      await Promise.allSettled([...this.hookRuns]);
      if (this.outbox.length === 0 && this.flushing === null && this.hookRuns.size === 0) return;
    }
  }

  /** Subscribe to status changes (SSE). */
  on(event: 'change', fn: () => void): void {
    this.emitter.on(event, fn);
  }

  /** Unsubscribe from status changes. */
  off(event: 'change', fn: () => void): void {
    this.emitter.off(event, fn);
  }

  // ---------------------------------------------------------------- ingest

  /** State-aware check (height, duplicates, partials, group signature) before the node persists a message. */
  check<K extends MessageKind>(kind: K, msg: MessageOf[K]): Validation {
    if (kind === 'vote') {
      const sv = msg as SignedVote;
      const v = this.dryRun({ type: 'vote', vote: sv });
      // Our own stored vote being re-published (restart, lossy gossip) passes the duplicate rule.
      if (!v.ok && v.code === 'P_DUPLICATE_VOTE' && this.isOwnStoredVote(sv)) return OK;
      return v;
    }
    if (kind === 'certificate') return this.dryRun({ type: 'certificate', certificate: msg as Certificate });
    return OK; // commitments and evidence: stateless validation (node) is all; evidence is stored even when old
  }

  private dryRun(event: PauseEvent): Validation {
    try {
      return pauseStep(this.machine, event, this.now()).validation;
    } catch (e) {
      return { ok: false, action: 'reject', code: 'A_CHECK', detail: (e as Error).message };
    }
  }

  private isOwnStoredVote(sv: SignedVote): boolean {
    if (this.self === null || sv.vote.voter !== this.self.lab) return false;
    const mine = this.slashing.signedAt(sv.vote.height);
    return mine !== undefined && bytesEqual(mine.vote, encodeSignedVote(sv));
  }

  /** Act on a message the node has durably accepted (breach detection, votes, certificates). */
  async onAccepted<K extends MessageKind>(kind: K, msg: MessageOf[K], info?: AcceptInfo): Promise<void> {
    if (this.stopped) return;
    await this.serial(() => {
      if (kind === 'commitment') this.onCommitment(msg as SignedCommitment, info?.stored ?? false);
      else if (kind === 'evidence') this.onEvidence(msg as SignedEvidence);
      else if (kind === 'vote') this.step({ type: 'vote', vote: msg as SignedVote });
      else if (kind === 'certificate') this.onCertificate(msg as Certificate);
    });
    // Not awaited: publish() re-enters the node's ingest path, which may itself await onAccepted.
    void this.flush();
  }

  private onCommitment(sc: SignedCommitment, stored: boolean): void {
    if (this.self === null) return; // observers verify; they do not file evidence
    for (const evidence of this.breaches.detect(sc, { rivals: !stored })) {
      const id = breachIdOf(evidence);
      const key = toHex(id);
      // One evidence per breach from this node: not when it filed one already, nor when the breach is
      // known (open, or resolved by a certified resume: docs/protocol.md "Breach identity").
      if (this.filed.has(key) || this.store.breaches.get(id) !== undefined) continue;
      this.filed.add(key);
      const se = signEvidence(
        { networkId: this.networkId, evidence, reporter: this.self.lab, issuedAt: this.now() },
        this.self.identitySecretKey,
      );
      this.log.warn(
        {
          kind: evidence.kind,
          lab: sc.commitment.lab,
          epoch: sc.commitment.epoch,
          evidence: toHex(evidenceHash(se)),
          breach: key,
        },
        'breach detected: publishing evidence',
      );
      this.outbox.push({ kind: 'evidence', msg: se });
    }
  }

  private onEvidence(se: SignedEvidence): void {
    this.step({ type: 'evidence', evidence: se });
  }

  private onCertificate(cert: Certificate): void {
    // Fill a gap from the store first, so hooks see every height in order when they can.
    this.applyStoredCertificates(cert.height - 1);
    this.step({ type: 'certificate', certificate: cert });
    this.applyStoredCertificates(Number.POSITIVE_INFINITY);
  }

  /** The step an approval of `target` is: down below the applied level, up otherwise. */
  private stepFor(target: PauseState): Step {
    return levelRank(target) < levelRank(this.machine.state) ? 'down' : 'up';
  }

  private approveEvent(height: number, target: PauseState, breaches: Uint8Array[]): PauseEvent {
    return this.stepFor(target) === 'down'
      ? { type: 'approve', step: 'down', height, target, breaches }
      : { type: 'approve', step: 'up', height, breaches };
  }

  /** Feed one event to the pure machine and execute its effects. */
  private step(event: PauseEvent): Validation {
    const r = pauseStep(this.machine, event, this.now());
    this.machine = r.state;
    for (const e of r.effects) this.execute(e);
    if (r.validation.ok && event.type === 'vote') this.emitChange();
    return r.validation;
  }

  private execute(e: PauseEffect): void {
    switch (e.type) {
      case 'sign-vote':
        this.castVote(e.height, e.target, e);
        return;
      case 'record-dominated':
        // The certificate store holds one certificate per height: keep what a dominated step down
        // resolves (durably), so the resolved set does not depend on the order certificates arrived in.
        this.store.transaction(() =>
          this.store.breaches.resolve(e.certificate.resolves, e.certificate.height),
        );
        this.log.warn(
          {
            height: e.certificate.height,
            target: e.certificate.target,
            resolves: e.certificate.resolves.map(toHex),
          },
          'dominated certificate: its resolved breaches are recorded, the certificate itself is not stored',
        );
        this.emitChange();
        return;
      case 'approval-needed':
        if (!this.awaitingApproval.has(e.height)) {
          this.awaitingApproval.add(e.height);
          this.log.warn(
            { height: e.height, target: e.target, breaches: e.breaches.map(toHex) },
            'judged evidence: waiting for operator approval (pausenet approve)',
          );
          this.emitChange();
        }
        return;
      case 'recover':
        this.recover(e.height, e.target, e.step, e.resolves, e.partials);
        return;
      case 'publish-certificate':
        this.outbox.push({ kind: 'certificate', msg: e.certificate });
        return;
      case 'apply':
        this.applyCertificate(e.certificate);
        return;
    }
  }

  // ---------------------------------------------------------------- voting

  /**
   * Slashing protection: sign only if nothing, or the same statement, was signed at this height — the
   * check and the insert are one fsynced transaction before anything leaves the process; a repeat
   * re-sends the stored bytes, a different statement is refused.
   */
  private castVote(
    height: number,
    target: PauseState,
    what: { step: Step; breaches: Uint8Array[]; evidenceRefs: Uint8Array[]; resolves: Uint8Array[] },
  ): { signed: boolean; reason?: string } {
    const voter = this.voter;
    if (voter === null)
      return { signed: false, reason: 'this node has no BLS share (observer, or member before the DKG)' };
    const step = what.step;
    const statement = statementBytes({
      networkId: this.networkId,
      height,
      target,
      step,
      resolves: what.resolves,
    });
    const res = this.slashing.signOnce(
      height,
      target,
      statement,
      () =>
        encodeSignedVote(
          signVote(
            {
              networkId: this.networkId,
              height,
              target,
              step,
              voter: voter.lab,
              partial: blsSign(voter.blsShare, statement),
              evidence: what.evidenceRefs,
              breaches: what.breaches,
              resolves: what.resolves,
              issuedAt: this.now(),
            },
            voter.identitySecretKey,
          ),
        ),
      this.now(),
    );
    if (res.kind === 'conflict') {
      this.log.error(
        { height, target, alreadySigned: res.signedTarget },
        'slashing protection: refusing to sign a different statement at an already signed height',
      );
      return { signed: false, reason: `already signed ${res.signedTarget} at height ${height}` };
    }
    if (res.kind === 'new')
      this.log.info(
        {
          height,
          target,
          breaches: what.breaches.map(toHex),
          step,
          ...(step === 'down' ? { resolves: what.resolves.map(toHex) } : {}),
        },
        'vote signed and persisted',
      );
    this.outbox.push({ kind: 'vote', msg: decodeSignedVote(res.vote) });
    this.emitChange();
    return { signed: true };
  }

  private republishOwnVote(): void {
    if (this.voter === null || this.stopped) return;
    const open = this.machine.height + 1;
    const mine = this.slashing.signedAt(open);
    if (mine === undefined) return;
    this.outbox.push({ kind: 'vote', msg: decodeSignedVote(mine.vote) });
    void this.flush();
  }

  /**
   * Operator approval of the transition at `height` (docs/protocol.md "Approvals"): PAUSED approves judged
   * breaches, RUNNING names what the resume resolves. Records it durably and may sign and publish a vote.
   */
  async approve(height: number, target: PauseState, opts: ApproveOptions = {}): Promise<ApproveResult> {
    const refuse = (code: string, reason: string): ApproveResult => ({
      signed: false,
      refused: code,
      reason,
      height,
      target,
      breaches: [],
      source: 'explicit',
    });
    if (this.voter === null)
      return refuse('CANNOT_VOTE', 'this node cannot vote (observer, or member before the DKG)');
    const r = await this.serial((): ApproveResult => {
      const open = this.machine.height + 1;
      const step = this.stepFor(target);
      const expected = step === 'down' ? open : escalationHeight(this.machine);
      const notOpen = () =>
        refuse(
          'NOT_OPEN_HEIGHT',
          `height ${height} is not the open height ${expected} (the network is ${this.machine.state} at height ${this.machine.height}; see pausenet status)`,
        );
      if (height !== open && height !== escalationHeight(this.machine)) return notOpen();
      if (step === 'up' && levelRank(target) <= levelRank(this.machine.state))
        return refuse(
          'WRONG_TARGET',
          `the network is ${this.machine.state}: an approval at height ${height} steps down to a lower level or approves breaches that lead above it`,
        );
      if (height !== expected) return notOpen();
      const chosen = this.chooseBreaches(step, opts);
      if ('refused' in chosen) {
        // Nothing judged to approve, but this member already voted PAUSED (an automatic breach): say so.
        const mine = this.slashing.signedAt(height);
        if (chosen.refused === 'NOTHING_TO_APPROVE' && mine !== undefined && mine.target === 'PAUSED') {
          this.outbox.push({ kind: 'vote', msg: decodeSignedVote(mine.vote) });
          const cited = decodeSignedVote(mine.vote).vote.breaches;
          return {
            signed: true,
            reason: `already voted PAUSED at height ${height} (automatic breach evidence)`,
            height,
            target,
            breaches: cited.map((id) => this.describeBreach(id)),
            source: 'open-breaches',
          };
        }
        return refuse(chosen.refused, chosen.reason);
      }
      const result: ApproveResult = {
        signed: false,
        height,
        target,
        breaches: chosen.ids.map((id) => this.describeBreach(id)),
        source: chosen.source,
        ...(chosen.voters ? { voters: chosen.voters } : {}),
        ...(step === 'down' ? { leftOpen: this.leftOpenBy(chosen.ids) } : {}),
      };
      const resolves = step === 'down' ? chosen.ids : [];
      const statement = statementBytes({ networkId: this.networkId, height, target, step, resolves });
      const mine = this.slashing.signedAt(height);
      // One member signs one statement per height: a resume with another set cannot be signed any more.
      if (mine !== undefined && !bytesEqual(mine.statement, statement))
        return refuse(
          'ALREADY_SIGNED',
          `this member already signed a different ${mine.target} statement at height ${height} (its vote resolves ${this.votedResolves(mine.vote)}); one member signs one statement per height`,
        );
      if (opts.dryRun === true) return { ...result, signed: mine !== undefined, dryRun: true };
      this.pauseDb.approve(height, target, chosen.ids, this.now());
      this.log.info(
        { height, target, breaches: chosen.ids.map(toHex), source: chosen.source },
        'operator approval recorded',
      );
      const v = this.step(this.approveEvent(height, target, chosen.ids));
      this.emitChange();
      if (!v.ok) return { ...result, reason: v.detail };
      const signed = this.slashing.signedAt(height);
      if (signed !== undefined) {
        if (!this.outbox.some((o) => o.kind === 'vote'))
          this.outbox.push({ kind: 'vote', msg: decodeSignedVote(signed.vote) });
        return { ...result, signed: true };
      }
      const waiting = chosen.ids.filter((id) => !this.machine.open.has(toHex(id)));
      return {
        ...result,
        reason:
          waiting.length > 0
            ? `approval recorded; no evidence for ${waiting.map((id) => toHex(id).slice(0, 12)).join(', ')} on this node yet: the vote is cast when it arrives`
            : 'approval recorded',
      };
    });
    await this.flush();
    return r;
  }

  /** The breach ids an approval names: the operator's, else the default (docs/protocol.md "Approvals"). */
  private chooseBreaches(
    step: Step,
    opts: ApproveOptions,
  ): { ids: Uint8Array[]; source: ApprovalSource; voters?: LabId[] } | { refused: string; reason: string } {
    const pending = step === 'down' ? this.pendingResumes() : [];
    if (opts.breaches !== undefined) {
      const ids = sortedIds(opts.breaches);
      if (step === 'up' && ids.length === 0)
        return { refused: 'NOTHING_TO_APPROVE', reason: 'a pause approval names at least one breach id' };
      if (ids.length > LIMITS.resolves)
        return {
          refused: 'TOO_MANY_BREACHES',
          reason: `${ids.length} breach ids > ${LIMITS.resolves} per approval`,
        };
      for (const id of ids) {
        const at = this.machine.resolved.get(toHex(id));
        if (at !== undefined)
          return {
            refused: 'BREACH_RESOLVED',
            reason: `breach ${toHex(id)} was already resolved by the resume at height ${at}`,
          };
      }
      if (step === 'down' && opts.force !== true) {
        if (pending.length > 0 && !pending.some((p) => sameIds(p.resolves, ids))) {
          const p = pending[0] as { resolves: Uint8Array[]; voters: LabId[] };
          return {
            refused: 'RESOLVES_MISMATCH',
            reason: `the pending resume vote of ${p.voters.join(', ')} resolves [${p.resolves.map(toHex).join(', ')}]: a resume that resolves another set is another statement, so the members' votes split and the network stays PAUSED at this height. Approve that set (omit the breach ids), or pass force to split on purpose`,
          };
        }
        const named = new Set(pending.flatMap((p) => p.resolves.map(toHex)));
        const unknown = ids.filter((id) => !this.machine.open.has(toHex(id)) && !named.has(toHex(id)));
        if (unknown.length > 0)
          return {
            refused: 'UNKNOWN_BREACH',
            reason: `this node holds no open breach ${unknown.map(toHex).join(', ')} (pausenet status lists the open breaches); check the ids, or pass force`,
          };
      }
      return { ids, source: 'explicit' };
    }
    if (step === 'up') {
      const ids: Uint8Array[] = [];
      for (const b of this.machine.open.values()) {
        if (b.auto) continue;
        ids.push(b.id);
        if (ids.length === LIMITS.resolves) break;
      }
      if (ids.length === 0)
        return {
          refused: 'NOTHING_TO_APPROVE',
          reason: `no open judged breach on this node at height ${this.machine.height + 1}: wait for the evidence to arrive (pausenet status lists open breaches) or name the breach id`,
        };
      return { ids, source: 'open-breaches' };
    }
    // A resume: adopt the set another member already voted for, so that operators converge on one statement.
    const top = pending[0];
    if (top !== undefined) return { ids: top.resolves, source: 'pending-vote', voters: top.voters };
    const ids = sortedIds(this.store.breaches.openForResume(LIMITS.resolves).map((b) => b.id));
    return { ids, source: 'open-breaches' };
  }

  /** Resume votes at the open height grouped by what they resolve: most voters first, then lowest index. */
  private pendingResumes(): { resolves: Uint8Array[]; voters: LabId[] }[] {
    const groups = new Map<string, { resolves: Uint8Array[]; voters: LabId[] }>();
    for (const sv of this.machine.votes.values()) {
      if (sv.vote.step !== 'down' || sv.vote.height !== this.machine.height + 1) continue;
      const key = toHex(resolvesDigest('down', sv.vote.resolves));
      const g = groups.get(key) ?? { resolves: [...sv.vote.resolves], voters: [] };
      g.voters.push(sv.vote.voter);
      groups.set(key, g);
    }
    const minIndex = (g: { voters: LabId[] }) =>
      Math.min(...g.voters.map((v) => this.memberIndex.get(v) ?? Number.MAX_SAFE_INTEGER));
    for (const g of groups.values())
      g.voters.sort((a, b) => (this.memberIndex.get(a) ?? 0) - (this.memberIndex.get(b) ?? 0));
    return [...groups.values()].sort(
      (a, b) => b.voters.length - a.voters.length || minIndex(a) - minIndex(b),
    );
  }

  /** Open breaches a resume resolving `ids` leaves open (they lead to a new pause by policy). */
  private leftOpenBy(ids: readonly Uint8Array[]): number {
    const named = ids.filter((id) => this.machine.open.has(toHex(id))).length;
    return this.machine.open.size - named;
  }

  /** What this node knows about breach `id`. */
  private describeBreach(id: Uint8Array): ApprovedBreach {
    const row = this.store.breaches.get(id);
    return {
      id: toHex(id),
      kind: row?.kind ?? null,
      lab: row?.lab ?? null,
      epoch: row?.epoch ?? null,
      evidence: row?.evidenceHash ? toHex(row.evidenceHash) : null,
      status:
        row?.resolvedHeight !== null && row?.resolvedHeight !== undefined
          ? 'resolved'
          : row?.kind
            ? 'open'
            : 'unknown',
    };
  }

  private votedResolves(voteBytes: Uint8Array): string {
    const v = decodeSignedVote(voteBytes).vote;
    return `[${v.resolves.map((id) => toHex(id).slice(0, 12)).join(', ')}]`;
  }

  // ---------------------------------------------------------------- certificates

  /** Recover the group signature from t partials, preferring the canonical (lowest-index) signer set. */
  private recover(
    height: number,
    target: PauseState,
    step: Step,
    resolves: Uint8Array[],
    partials: { index: number; voter: LabId; signature: Uint8Array }[],
  ): void {
    const key = statementKey({ height, target, step, resolves });
    if (height < this.machine.height || height > this.machine.height + 1 || this.formed.has(key)) return;
    const sorted = [...partials].sort((a, b) => a.index - b.index);
    const canonical = sorted.slice(0, this.threshold).every((p, i) => p.index === this.canonicalIndices[i]);
    if (
      !canonical &&
      sorted.length < this.memberIndex.size &&
      this.graceMs > 0 &&
      !this.graceExpired.has(height)
    ) {
      if (this.graceTimer === null) {
        const timer = setTimeout(() => {
          this.graceTimer = null;
          this.graceExpired.add(height);
          void this.serial(() => this.recoverFromMachine(key)).then(() => this.flush());
        }, this.graceMs);
        timer.unref();
        this.graceTimer = { height, timer };
      }
      return;
    }
    const chosen = sorted.slice(0, this.threshold);
    const statement = statementBytes({ networkId: this.networkId, height, target, step, resolves });
    let signature: Uint8Array;
    try {
      signature = recoverSignature(
        chosen.map((p) => ({ index: p.index, signature: p.signature })),
        this.threshold,
      );
    } catch (e) {
      this.log.error({ height, err: (e as Error).message }, 'recovering the group signature failed');
      return;
    }
    if (!this.blsVerifyFn(this.groupPublicKey, statement, signature)) {
      // Partials were verified on ingest, so this is a bug or a corrupted store: say so, do not publish.
      this.log.error({ height }, 'recovered signature does not verify under the group key');
      return;
    }
    this.formed.add(key);
    const certificate: Certificate = {
      networkId: this.networkId,
      height,
      target,
      step,
      signers: chosen.map((p) => p.voter),
      resolves,
      signature,
    };
    this.log.info(
      { height, target, signers: certificate.signers, resolves: resolves.map(toHex) },
      'certificate formed',
    );
    // Published first (the node persists, gossips and hands it back through onAccepted); applied when
    // accepted. A crash before that loses nothing: the votes are stored and recover() runs again.
    this.outbox.push({ kind: 'certificate', msg: certificate });
  }

  private recoverFromMachine(key: string): void {
    // Only votes on one statement combine (a split resume has several groups).
    const group = [...this.machine.votes.values()].filter((sv) => statementKey(sv.vote) === key);
    if (group.length < this.threshold) return;
    const partials = group.map((sv) => ({
      index: this.memberIndex.get(sv.vote.voter) ?? 0,
      voter: sv.vote.voter,
      signature: sv.vote.partial,
    }));
    const first = (group[0] as SignedVote).vote;
    this.recover(first.height, first.target, first.step, [...first.resolves], partials);
  }

  /**
   * Apply a certificate the machine accepted: in ONE transaction store it (duplicate is fine), set
   * pause_state and journal a 'pending' row per hook; then run the hooks (halt on PAUSED, resume on RUNNING).
   */
  private applyCertificate(cert: Certificate): void {
    const now = this.now();
    let used = cert;
    let hash = certificateHash(cert);
    const action = actionForTarget(cert.target);
    this.store.transaction(() => {
      const r = this.store.insertCertificate({
        height: cert.height,
        hash,
        bytes: encodeCertificate(cert),
        receivedAt: now,
      });
      if (r === 'conflict') {
        // Another signer set for the same height: the group signature is unique, so it is the same decision.
        const row = this.store.getCertificate(cert.height);
        if (row === undefined) throw new Error(`certificate at height ${cert.height} vanished`);
        const stored = decodeCertificate(row.bytes);
        if (!bytesEqual(stored.signature, cert.signature))
          throw new Error(`two group signatures at height ${cert.height}`);
        used = stored;
        hash = row.hash;
      }
      this.pauseDb.set({ height: cert.height, state: cert.target, since: now, certificateHash: hash });
      // The breaches it acts on (a pause: every breach open now) or resolves (a resume: the ids it names),
      // in the same transaction as the certificate (docs/protocol.md "Breach identity").
      if (cert.step === 'up') this.store.breaches.actOn(cert.height);
      else this.store.breaches.resolve(cert.resolves, cert.height);
      if (this.runner !== null && this.hookNames.length > 0) {
        this.journal.recordPendingSync(
          { certificateHash: toHex(hash), height: cert.height, action },
          this.hookNames,
          now,
        );
      }
    });
    this.awaitingApproval.clear();
    if (this.graceTimer !== null && this.graceTimer.height <= cert.height) {
      clearTimeout(this.graceTimer.timer);
      this.graceTimer = null;
    }
    this.log.info(
      {
        height: cert.height,
        state: cert.target,
        certificate: toHex(hash),
        step: cert.step,
        ...(cert.step === 'down' ? { resolves: cert.resolves.map(toHex) } : {}),
      },
      'certificate applied',
    );
    this.emitChange();
    this.runHooks(used, hash);
  }

  /** Apply stored certificates above the machine's height, in order, up to `maxHeight`. */
  private applyStoredCertificates(maxHeight: number): void {
    for (let h = this.machine.height + 1; h <= maxHeight; h = this.machine.height + 1) {
      const row = this.store.getCertificate(h);
      if (row === undefined) return;
      const v = this.step({ type: 'certificate', certificate: decodeCertificate(row.bytes) });
      if (!v.ok) {
        this.log.error({ height: h, code: v.code, detail: v.detail }, 'stored certificate does not validate');
        return;
      }
    }
  }

  // ---------------------------------------------------------------- hooks

  private runHooks(cert: Certificate, hash: Uint8Array): void {
    const runner = this.runner;
    if (runner === null) return;
    const hc = hookCertificateOf(cert, hash);
    this.track(
      runner.runFor(hc, { signal: this.abort.signal }).then((results) => {
        this.log.info({ height: hc.height, action: actionForTarget(hc.target) }, 'hooks done');
        // A node whose start-up re-assert failed is ready again once the hooks of a newer state all ran.
        if (!this.ready && hc.height === this.machine.height && results.every((r) => r.status === 'ok'))
          this.setReady(null);
      }),
    );
  }

  /**
   * Start-up re-assert (docs/protocol.md "Re-assert on start"): while PAUSED, every hook runs again for
   * the current certificate; the node is ready once each is ok (or superseded by a newer certificate).
   * While RUNNING, only a certificate applied just before a crash without journal rows gets its hooks run.
   */
  private reassertOnStart(): void {
    const cert = this.machine.certificate;
    const runner = this.runner;
    const row = cert === null ? undefined : this.store.getCertificate(cert.height);
    if (runner === null || cert === null || row === undefined) {
      this.setReady(null);
      return;
    }
    if (cert.target === 'RUNNING') {
      if (this.journal.entriesFor(toHex(row.hash)).length === 0) {
        this.log.info({ height: cert.height }, 'running hooks of the applied certificate after restart');
        this.runHooks(cert, row.hash);
      }
      this.setReady(null);
      return;
    }
    const hc = hookCertificateOf(cert, row.hash);
    this.readyReason = `re-asserting the halt hooks of height ${cert.height}`;
    this.log.info(
      { height: cert.height, hooks: this.hookNames },
      're-asserting PAUSED: running halt hooks again',
    );
    this.track(
      runner.reassert(hc, { signal: this.abort.signal }).then((results) => {
        const failed = results.filter((r) => r.status === 'failed');
        if (failed.length === 0) {
          this.log.info({ height: cert.height }, 'halt re-asserted: ready');
          this.setReady(null);
        } else {
          const why = failed.map((r) => `${r.hookName}: ${r.lastError ?? 'failed'}`).join('; ');
          this.log.error({ height: cert.height, failed: why }, 'halt re-assert failed: not ready');
          this.readyReason = `halt hooks of height ${cert.height} failed on start: ${why}`;
          this.emitChange();
        }
      }),
    );
  }

  private setReady(reason: string | null): void {
    this.ready = reason === null;
    this.readyReason = reason;
    this.emitChange();
  }

  private track(p: Promise<unknown>): void {
    const t = p
      .catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'hook run failed'))
      .finally(() => {
        this.hookRuns.delete(t);
        this.emitChange();
      });
    this.hookRuns.add(t);
  }

  private failSafeTrip(reason: string): void {
    this.log.warn(
      { reason, state: this.machine.state, height: this.machine.height },
      'fail-safe tripped: running halt hooks locally (no certificate; pause state unchanged)',
    );
    this.emitChange();
    if (this.machine.state === 'RUNNING') this.runLocal('PAUSED', reason);
  }

  private failSafeRecover(): void {
    this.log.warn({ state: this.machine.state }, 'fail-safe cleared: t members reachable again');
    this.emitChange();
    if (this.machine.state === 'RUNNING') this.runLocal('RUNNING', 'fail-safe cleared');
  }

  private runLocal(target: 'RUNNING' | 'PAUSED', reason: string): void {
    const runner = this.runner;
    if (runner === null) return;
    const at = this.now();
    this.track(
      runner.runFor(
        {
          networkId: toHex(this.networkId),
          height: this.machine.height,
          target,
          certificateHash: `failsafe-${target === 'PAUSED' ? 'halt' : 'resume'}-${at}`,
          certificateJson: JSON.stringify({
            failSafe: true,
            reason,
            certifiedHeight: this.machine.height,
            at,
          }),
        },
        { signal: this.abort.signal },
      ),
    );
  }

  // ---------------------------------------------------------------- status

  /** The /v1/status fields owned by the agreement. */
  status(): AgreementStatus {
    const s = pauseStatus(this.machine);
    const open = this.machine.height + 1;
    const approvals =
      this.voter === null
        ? []
        : s.approvals.filter(
            (a) => a.approved || this.machine.state === 'PAUSED' || this.awaitingApproval.has(a.height),
          );
    return {
      state: this.machine.state,
      height: this.machine.height,
      since: this.machine.height === 0 ? null : this.machine.since,
      threshold: this.threshold,
      pendingVotes: s.pendingVotes
        .filter((p) => p.height === open)
        .map((p) => ({
          ...p,
          voters: [...p.voters].sort(
            (a, b) => (this.memberIndex.get(a) ?? 0) - (this.memberIndex.get(b) ?? 0),
          ),
        })),
      approvals,
      hooks: this.hooksView(),
      failSafe: this.failSafe?.status() ?? { enabled: false, active: false, reason: null, since: null },
      breaches: s.breaches,
      ready: this.ready,
      readyReason: this.ready ? null : this.readyReason,
    };
  }

  /** Latest hook journal rows; cached briefly because the node reads status() on every vote it ingests. */
  private hooksView(): AgreementStatus['hooks'] {
    const now = Date.now();
    if (this.hooksCache !== null && now - this.hooksCache.at < 250) return this.hooksCache.rows;
    const rows = this.journal.latest(50).map((e) => ({
      height: e.height,
      action: e.action,
      hook: e.hookName,
      status: e.status,
      attempts: e.attempts,
      lastError: e.lastError,
      reasserts: e.reasserts ?? 0,
    }));
    this.hooksCache = { at: now, rows };
    return rows;
  }

  // ---------------------------------------------------------------- plumbing

  private serial<T>(fn: () => T): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch((e: unknown) => {
      this.log.error({ err: (e as Error).message }, 'agreement step failed');
    });
    return run;
  }

  /** Publish queued messages in order, outside the serial queue; then account for each locally (idempotent). */
  private flush(): Promise<void> {
    if (this.flushing !== null) return this.flushing;
    this.flushing = (async () => {
      for (let item = this.outbox.shift(); item !== undefined; item = this.outbox.shift()) {
        try {
          const verdict = await this.publishFn(item.kind, item.msg as never);
          if (!verdict.ok && verdict.action === 'reject') {
            this.log.error(
              { kind: item.kind, code: verdict.code, detail: verdict.detail },
              'own message rejected by ingest',
            );
          }
        } catch (e) {
          this.log.warn(
            { kind: item.kind, err: (e as Error).message },
            'publish failed (re-sent later for votes)',
          );
        }
        if (this.stopped) continue;
        // Our own message counts here whatever the network did; a repeat is a no-op in the machine.
        await this.serial(() => {
          if (item.kind === 'evidence') this.onEvidence(item.msg as SignedEvidence);
          else if (item.kind === 'vote') this.step({ type: 'vote', vote: item.msg as SignedVote });
          else if (item.kind === 'certificate') this.onCertificate(item.msg as Certificate);
        }).catch(() => undefined);
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private emitChange(): void {
    this.hooksCache = null;
    this.emitter.emit('change');
  }
}
