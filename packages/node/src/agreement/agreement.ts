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
  evidenceHash,
  type Genesis,
  type LabId,
  LIMITS,
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
  signEvidence,
  signVote,
  stateAtHeight,
  statementBytes,
  toHex,
  type Validation,
} from '@pausenet/protocol';
import type { ApprovalSource, ApprovedBreach, ApproveOptions, ApproveResult } from '../agreement-port.js';
import type { Logger } from '../logger.js';
import type { Validated } from '../message.js';
import type { NodeStore } from '../store/repositories.js';
import { BreachDetector } from './breach.js';
import { AgreementError } from './errors.js';
import { FailSafeMonitor } from './failSafe.js';
import { hookCertificateOf } from './hookRunner.js';
import type {
  AgreementOptions,
  AgreementStatus,
  MessageKind,
  MessageOf,
  PublishFn,
  Readiness,
  SelfIdentity,
} from './types.js';

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
  private readonly store: NodeStore;
  private readonly runner: RunnerLike | null;
  private readonly hookNames: readonly string[];
  private readonly publishFn: PublishFn;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly threshold: number;
  private readonly memberIndex = new Map<LabId, number>();
  private readonly canonicalIndices: number[];
  private readonly republishMs: number;
  private readonly graceMs: number;

  private readonly breaches: BreachDetector;
  private readonly failSafe: FailSafeMonitor | null;

  private machine: PauseMachineState;
  /** Breach ids this node filed evidence for in this process (the store knows the rest). */
  private readonly filed = new Set<string>();
  /** Readiness: the start-up re-assert of the current state's hooks has completed (GET /v1/health). */
  private ready = false;
  private readyReason: string | null = 'starting';
  /** Heights for which the machine asked the operator (approval-needed). */
  private readonly awaitingApproval = new Set<number>();
  /** Heights this node recovered a certificate for (formed once). */
  private readonly formed = new Set<number>();
  private graceTimer: { height: number; timer: NodeJS.Timeout } | null = null;
  private readonly graceExpired = new Set<number>();

  private readonly outbox: OutboxItem[] = [];
  private flushing: Promise<void> | null = null;
  private readonly hookRuns = new Set<Promise<unknown>>();
  private readonly emitter = new EventEmitter();
  private readonly abort = new AbortController();
  private republishTimer: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;

  constructor(opts: AgreementOptions) {
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
    // Without a DKG result nothing can be signed or verified under the group: votes and certificates are
    // ignored on ingest (V_NO_DKG, K_NO_DKG); breaches are still detected and evidence filed.
    this.voter =
      opts.self !== null && opts.self.blsShare !== null && opts.genesis.dkg !== undefined
        ? { ...opts.self, blsShare: opts.self.blsShare }
        : null;
    if (opts.genesis.dkg === undefined)
      this.log.warn({}, 'genesis has no DKG result: no votes or certificates until the DKG ceremony has run');
    // Hooks run on members only: observers verify and store, never act.
    this.runner = opts.self !== null ? asRunner(opts.hooks) : null;
    this.hookNames = this.runner?.hookNames ?? [];

    this.breaches = new BreachDetector(opts.store.commitments, policy);
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
    const applied = this.store.pauseState.get();
    const row = applied.height > 0 ? this.store.certificates.get(applied.height) : undefined;
    return createPauseState(this.genesis, {
      networkId: this.networkId,
      ...(this.voter !== null ? { self: this.voter.lab } : {}),
      certificate: row === undefined ? null : decodeCertificate(row.bytes),
      since: applied.since ?? 0,
      signedHeights: this.store.signedHeights.all().map((s): [number, PauseState] => [s.height, s.target]),
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
    {
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
      for (const a of this.store.approvals.above(this.machine.height)) {
        if (a.height === open)
          this.step({ type: 'approve', height: a.height, target: a.target, breaches: a.breaches });
      }
      // Stored messages passed their rules when they were stored: the machine re-checks only its state rules.
      for (const row of this.store.votes.range(open, open, 10_000))
        this.step({ type: 'vote', vote: decodeSignedVote(row.bytes), validated: true });
      // Crash between persisting our vote and publishing it: publish the stored bytes now.
      const mine = this.store.signedHeights.signedAt(open);
      if (mine !== undefined) {
        this.log.info({ height: open, target: mine.target }, 're-publishing own stored vote');
        this.outbox.push({ kind: 'vote', msg: decodeSignedVote(mine.vote) });
      }
    }
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
    await this.flushing?.catch(() => undefined);
    await Promise.allSettled([...this.hookRuns]);
    this.emitter.removeAllListeners();
  }

  /** Resolves once outgoing messages and hook runs have settled (tests, shutdown). */
  async settled(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
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

  // ---------------------------------------------------------------- the one path

  /** Height of the last applied certificate (cheap: ingest judges every vote and certificate by it). */
  get height(): number {
    return this.machine.height;
  }

  /**
   * Step a message that passed its rules on the ingest path (once) and is durable, in acceptance order:
   * breach detection for commitments, the pause machine for evidence, votes and certificates. Synchronous;
   * what it sends (evidence, votes, certificates) goes out through the local door, never stepped here.
   */
  apply(v: Validated): void {
    if (this.stopped) return;
    switch (v.kind) {
      case 'commitment':
        this.onCommitment(v.msg as SignedCommitment, v.stored);
        break;
      case 'evidence':
        this.step({ type: 'evidence', evidence: v.msg as SignedEvidence, validated: true });
        break;
      case 'vote':
        this.step({ type: 'vote', vote: v.msg as SignedVote, validated: true });
        break;
      case 'certificate':
        this.onCertificate(v.msg as Certificate);
        break;
    }
    if (this.outbox.length > 0) void this.flush();
  }

  /** Breach detection runs on every node; only a member files (signs) evidence, once per breach. */
  private onCommitment(sc: SignedCommitment, stored: boolean): void {
    for (const evidence of this.breaches.detect(sc, { rivals: !stored })) {
      const id = breachIdOf(evidence);
      const key = toHex(id);
      if (this.self === null) {
        this.log.debug(
          { kind: evidence.kind, lab: sc.commitment.lab, breach: key },
          'breach seen (observer)',
        );
        continue;
      }
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

  private onCertificate(cert: Certificate): void {
    // Fill a gap from the store first, so hooks see every height in order when they can.
    this.applyStoredCertificates(cert.height - 1);
    this.step({ type: 'certificate', certificate: cert, validated: true });
    this.applyStoredCertificates(Number.POSITIVE_INFINITY);
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
        this.recover(e.height, e.target, e.resolves, e.partials);
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
    what: { breaches: Uint8Array[]; evidenceRefs: Uint8Array[]; resolves: Uint8Array[] },
  ): { signed: boolean; reason?: string } {
    const voter = this.voter;
    if (voter === null)
      return { signed: false, reason: 'this node has no BLS share (observer, or member before the DKG)' };
    const statement = statementBytes({ networkId: this.networkId, height, target, resolves: what.resolves });
    const res = this.store.signedHeights.signOnce(
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
          ...(target === 'RUNNING' ? { resolves: what.resolves.map(toHex) } : {}),
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
    const mine = this.store.signedHeights.signedAt(open);
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
    const r = ((): ApproveResult => {
      const open = this.machine.height + 1;
      if (height !== open)
        return refuse(
          'NOT_OPEN_HEIGHT',
          `height ${height} is not the open height ${open} (the network is ${this.machine.state} at height ${this.machine.height}; see pausenet status)`,
        );
      if (target !== stateAtHeight(height))
        return refuse(
          'WRONG_TARGET',
          `the only legal transition at height ${height} is to ${stateAtHeight(height)}`,
        );
      const chosen = this.chooseBreaches(target, opts);
      if ('refused' in chosen) {
        // Nothing judged to approve, but this member already voted PAUSED (an automatic breach): say so.
        const mine = this.store.signedHeights.signedAt(height);
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
        ...(target === 'RUNNING' ? { leftOpen: this.leftOpenBy(chosen.ids) } : {}),
      };
      const resolves = target === 'RUNNING' ? chosen.ids : [];
      const statement = statementBytes({ networkId: this.networkId, height, target, resolves });
      const mine = this.store.signedHeights.signedAt(height);
      // One member signs one statement per height: a resume with another set cannot be signed any more.
      if (mine !== undefined && !bytesEqual(mine.statement, statement))
        return refuse(
          'ALREADY_SIGNED',
          `this member already signed a different ${mine.target} statement at height ${height} (its vote resolves ${this.votedResolves(mine.vote)}); one member signs one statement per height`,
        );
      if (opts.dryRun === true) return { ...result, signed: mine !== undefined, dryRun: true };
      this.store.approvals.approve(height, target, chosen.ids, this.now());
      this.log.info(
        { height, target, breaches: chosen.ids.map(toHex), source: chosen.source },
        'operator approval recorded',
      );
      const v = this.step({ type: 'approve', height, target, breaches: chosen.ids });
      this.emitChange();
      if (!v.ok) return { ...result, reason: v.detail };
      const signed = this.store.signedHeights.signedAt(height);
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
    })();
    await this.flush();
    return r;
  }

  /** The breach ids an approval names: the operator's, else the default (docs/protocol.md "Approvals"). */
  private chooseBreaches(
    target: PauseState,
    opts: ApproveOptions,
  ): { ids: Uint8Array[]; source: ApprovalSource; voters?: LabId[] } | { refused: string; reason: string } {
    const pending = target === 'RUNNING' ? this.pendingResumes() : [];
    if (opts.breaches !== undefined) {
      const ids = sortedIds(opts.breaches);
      if (target === 'PAUSED' && ids.length === 0)
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
      if (target === 'RUNNING' && opts.force !== true) {
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
    if (target === 'PAUSED') {
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
      if (sv.vote.target !== 'RUNNING') continue;
      const key = toHex(resolvesDigest('RUNNING', sv.vote.resolves));
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
    resolves: Uint8Array[],
    partials: { index: number; voter: LabId; signature: Uint8Array }[],
  ): void {
    if (height !== this.machine.height + 1 || this.formed.has(height)) return;
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
          if (this.stopped) return;
          this.recoverFromMachine(height);
          void this.flush();
        }, this.graceMs);
        timer.unref();
        this.graceTimer = { height, timer };
      }
      return;
    }
    const chosen = sorted.slice(0, this.threshold);
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
    this.formed.add(height);
    const certificate: Certificate = {
      networkId: this.networkId,
      height,
      target,
      signers: chosen.map((p) => p.voter),
      resolves,
      signature,
    };
    this.log.info(
      { height, target, signers: certificate.signers, resolves: resolves.map(toHex) },
      'certificate formed',
    );
    // Sent through the local door: validated there like any certificate (K_SIGNATURE would say a recovered
    // signature is wrong), stored, applied, gossiped. A crash before that loses nothing: the votes are
    // stored and recover() runs again.
    this.outbox.push({ kind: 'certificate', msg: certificate });
  }

  private recoverFromMachine(height: number): void {
    if (height !== this.machine.height + 1) return;
    // Only votes on one statement combine (a split resume has several groups).
    const groups = new Map<string, SignedVote[]>();
    for (const sv of this.machine.votes.values()) {
      const key = toHex(resolvesDigest(sv.vote.target, sv.vote.resolves));
      groups.set(key, [...(groups.get(key) ?? []), sv]);
    }
    for (const group of groups.values()) {
      if (group.length < this.threshold) continue;
      const partials = group.map((sv) => ({
        index: this.memberIndex.get(sv.vote.voter) ?? 0,
        voter: sv.vote.voter,
        signature: sv.vote.partial,
      }));
      const first = group[0] as SignedVote;
      this.recover(height, stateAtHeight(height), [...first.vote.resolves], partials);
      return;
    }
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
      const r = this.store.certificates.insert({
        height: cert.height,
        hash,
        bytes: encodeCertificate(cert),
        receivedAt: now,
      });
      if (r === 'conflict') {
        // Another signer set for the same height: the group signature is unique, so it is the same decision.
        const row = this.store.certificates.get(cert.height);
        if (row === undefined) throw new Error(`certificate at height ${cert.height} vanished`);
        const stored = decodeCertificate(row.bytes);
        if (!bytesEqual(stored.signature, cert.signature))
          throw new Error(`two group signatures at height ${cert.height}`);
        used = stored;
        hash = row.hash;
      }
      this.store.pauseState.set({
        height: cert.height,
        state: cert.target,
        since: now,
        certificateHash: hash,
      });
      // The breaches it acts on (a pause: every breach open now) or resolves (a resume: the ids it names),
      // in the same transaction as the certificate (docs/protocol.md "Breach identity").
      if (cert.target === 'PAUSED') this.store.breaches.actOn(cert.height);
      else this.store.breaches.resolve(cert.resolves, cert.height);
      if (this.runner !== null && this.hookNames.length > 0) {
        this.store.hookJournal.recordPending(
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
        ...(cert.target === 'RUNNING' ? { resolves: cert.resolves.map(toHex) } : {}),
      },
      'certificate applied',
    );
    this.emitChange();
    this.runHooks(used, hash);
  }

  /** Apply stored certificates above the machine's height, in order, up to `maxHeight`. */
  private applyStoredCertificates(maxHeight: number): void {
    for (let h = this.machine.height + 1; h <= maxHeight; h = this.machine.height + 1) {
      const row = this.store.certificates.get(h);
      if (row === undefined) return;
      const v = this.step({
        type: 'certificate',
        certificate: decodeCertificate(row.bytes),
        validated: true,
      });
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
    const row = cert === null ? undefined : this.store.certificates.get(cert.height);
    if (runner === null || cert === null || row === undefined) {
      this.setReady(null);
      return;
    }
    if (cert.target === 'RUNNING') {
      if (this.store.hookJournal.entriesFor(toHex(row.hash)).length === 0) {
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

  private runLocal(target: PauseState, reason: string): void {
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

  /** Latest hook journal rows (read on status requests only: the ingest path uses the height getter). */
  private hooksView(): AgreementStatus['hooks'] {
    return this.store.hookJournal.latest(50).map((e) => ({
      height: e.height,
      action: e.action,
      hook: e.hookName,
      status: e.status,
      attempts: e.attempts,
      lastError: e.lastError,
      reasserts: e.reasserts ?? 0,
    }));
  }

  /** Readiness for GET /v1/health (cheap: no journal read). */
  readiness(): Readiness {
    return {
      ready: this.ready,
      reason: this.ready ? null : this.readyReason,
      state: this.machine.state,
      height: this.machine.height,
    };
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * Send queued messages in order through the local door (the node's ingest path: validated, stored,
   * applied there like any message, then gossiped). Nothing is stepped here: a message counts once, when
   * the door applies it.
   */
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
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private emitChange(): void {
    this.emitter.emit('change');
  }
}
