import {
  type Certificate,
  certificateStaleRule,
  type PauseState,
  type SignedCommitment,
  type SignedEvidence,
  type SignedVote,
  type Validation,
} from '@pausenet/protocol';
import type { Validated } from '../message.js';
import { BreachFiler } from './breach.js';
import { Certificates } from './certificates.js';
import { AgreementCore, type Voter } from './core.js';
import { AgreementError } from './errors.js';
import { asRunner, HookDriver } from './hooks.js';
import { recoverOnStart } from './recovery.js';
import { agreementStatus } from './status.js';
import type { AgreementOptions, AgreementStatus, ApproveOptions, ApproveResult, Readiness } from './types.js';
import { Voting } from './voting.js';

/**
 * The imperative shell of pause agreement around @pausenet/protocol's pure pause machine (docs/agreement.md):
 * wiring and lifecycle of its parts — queue and effects (core.ts), breach filing (breach.ts), voting
 * (voting.ts), certificates (certificates.ts), hooks (hooks.ts), recovery on restart (recovery.ts) and the
 * status view (status.ts). Every message reaches it once, validated, through apply(); what it sends goes out
 * through the node's local door. Everything durable lives in the node's store.
 */
export class Agreement {
  private readonly core: AgreementCore;
  private readonly breaches: BreachFiler;
  private readonly voting: Voting;
  private readonly certificates: Certificates;
  private readonly hooks: HookDriver;
  private readonly republishMs: number;
  private republishTimer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(opts: AgreementOptions) {
    // The node's approvals.auto override replaces policy.autoVote for this member's own decisions.
    const genesis =
      opts.autoVote === undefined
        ? opts.genesis
        : { ...opts.genesis, policy: { ...opts.genesis.policy, autoVote: [...opts.autoVote] } };
    const self = opts.self;
    if (self !== null && genesis.members.find((m) => m.id === self.lab)?.index !== self.index) {
      throw new AgreementError(
        'BAD_SELF',
        `self ${self.lab} (index ${self.index}) is not a member of this genesis`,
      );
    }
    // Without a DKG result nothing can be signed or verified under the group: votes and certificates are
    // ignored on ingest (V_NO_DKG, K_NO_DKG); breaches are still detected and evidence filed.
    const voter: Voter | null =
      self !== null && self.blsShare !== null && genesis.dkg !== undefined
        ? { ...self, blsShare: self.blsShare }
        : null;
    const log = opts.logger.child({ component: 'agreement' });
    if (genesis.dkg === undefined)
      log.warn(
        { event: 'dkg.missing' },
        'genesis has no DKG result: no votes or certificates until the DKG ceremony has run',
      );
    this.core = new AgreementCore({
      genesis,
      networkId: opts.networkId,
      self,
      voter,
      store: opts.store,
      publish: opts.publish,
      log,
      now: opts.now,
    });
    // Hooks run on members only: observers verify and store, never act.
    this.hooks = new HookDriver(this.core, self !== null ? asRunner(opts.hooks) : null, {
      failSafe: opts.failSafe,
      connectedMembers: opts.connectedMembers,
    });
    this.breaches = new BreachFiler(this.core);
    this.voting = new Voting(this.core);
    this.certificates = new Certificates(this.core, this.hooks, this.voting, opts.certificateGraceMs ?? 0);
    this.republishMs = opts.republishMs ?? 0;
    this.core.handleEffects({
      'sign-vote': (e) => void this.voting.castVote(e.height, e.target, e),
      'approval-needed': (e) => this.voting.approvalNeeded(e),
      recover: (e) => this.certificates.recover(e.height, e.target, e.step, e.resolves, e.partials),
      'record-dominated': (e) => this.certificates.recordDominated(e.certificate),
      'publish-certificate': (e) => this.core.send('certificate', e.certificate),
      apply: (e) => this.certificates.apply(e.certificate),
    });
  }

  /** Load durable state and finish interrupted work (hooks, certificates, own vote); start timers. */
  async start(): Promise<void> {
    if (this.core.stopped) throw new AgreementError('STOPPED', 'agreement was stopped; create a new one');
    if (this.started) return;
    this.started = true;
    recoverOnStart(this.core, this.certificates, this.hooks);
    if (this.republishMs > 0) {
      this.republishTimer = setInterval(() => this.voting.republishOwnVote(), this.republishMs);
      this.republishTimer.unref();
    }
    void this.core.flush();
  }

  /** Stop timers, let hook runs finish (bounded), wait for in-flight work. The store stays open (the node owns it). */
  async stop(): Promise<void> {
    if (this.core.stopped) return;
    this.core.stopped = true;
    if (this.republishTimer !== null) clearInterval(this.republishTimer);
    this.certificates.stop();
    await this.hooks.stop();
    await this.core.drained();
    this.core.removeListeners();
  }

  /** Resolves once outgoing messages and hook runs have settled (tests, shutdown). */
  async settled(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const sent = await this.core.drained();
      const ran = await this.hooks.settled();
      if (sent && ran) return;
    }
  }

  /** Subscribe to status changes (SSE). */
  on(_event: 'change', fn: () => void): void {
    this.core.on(fn);
  }

  /** Unsubscribe from status changes. */
  off(_event: 'change', fn: () => void): void {
    this.core.off(fn);
  }

  /** Height of the last applied certificate (cheap: ingest judges every vote and certificate by it). */
  get height(): number {
    return this.core.machine.height;
  }

  /** The applied level (cheap). */
  get level(): PauseState {
    return this.core.machine.state;
  }

  /** [IGNORE] K_STALE / K_CONFLICT of a certificate the applied state already decides (ingest, before storing). */
  certificateRule(cert: Certificate): Validation | null {
    return certificateStaleRule(this.core.machine, cert);
  }

  /**
   * Step a message that passed its rules on the ingest path (once) and is durable, in acceptance order:
   * breach detection for commitments, the pause machine for evidence, votes and certificates. Synchronous;
   * what it sends (evidence, votes, certificates) goes out through the local door, never stepped here.
   */
  apply(v: Validated): void {
    if (this.core.stopped) return;
    switch (v.kind) {
      case 'commitment':
        this.breaches.onCommitment(v.msg as SignedCommitment, v.stored);
        break;
      case 'evidence':
        this.core.step({ type: 'evidence', evidence: v.msg as SignedEvidence, validated: true });
        break;
      case 'vote':
        this.core.step({ type: 'vote', vote: v.msg as SignedVote, validated: true });
        break;
      case 'certificate':
        this.certificates.onCertificate(v.msg as Certificate);
        break;
    }
    if (this.core.queued()) void this.core.flush();
  }

  /**
   * Operator approval of the transition at `height` (docs/protocol.md "Approvals"): PAUSED approves judged
   * breaches, RUNNING names what the resume resolves. Records it durably and may sign and send a vote.
   */
  approve(height: number, target: PauseState, opts: ApproveOptions = {}): Promise<ApproveResult> {
    return this.voting.approve(height, target, opts);
  }

  /** The /v1/status fields owned by the agreement. */
  status(): AgreementStatus {
    return agreementStatus(this.core, this.voting, this.hooks);
  }

  /** Readiness for GET /v1/health (cheap: no store reads). */
  readiness(): Readiness {
    return this.hooks.readiness();
  }
}
