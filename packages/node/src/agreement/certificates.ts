import { recoverSignature } from '@pausenet/crypto';
import { actionForTarget } from '@pausenet/hooks';
import {
  bytesEqual,
  type Certificate,
  certificateHash,
  decodeCertificate,
  encodeCertificate,
  type LabId,
  type PauseState,
  type SignedVote,
  type Step,
  statementKey,
  toHex,
} from '@pausenet/protocol';
import type { AgreementCore } from './core.js';
import type { HookDriver } from './hooks.js';
import type { Voting } from './voting.js';

/**
 * Certificates: recover the group signature from t partials (preferring the canonical signer set), apply a
 * certificate the machine accepted (certificate, pause_state, breaches and hook journal in one transaction)
 * and fill a gap from the store so hooks see every height in order.
 */
export class Certificates {
  /** The t lowest member indices: the signer set nodes prefer, so they tend to list the same signers. */
  private readonly canonicalIndices: number[];
  /** Statements (statementKey) this node recovered a certificate for (formed once). */
  private readonly formed = new Set<string>();
  private graceTimer: { height: number; timer: NodeJS.Timeout } | null = null;
  private readonly graceExpired = new Set<number>();

  constructor(
    private readonly core: AgreementCore,
    private readonly hooks: HookDriver,
    private readonly voting: Voting,
    /** With t votes but not the canonical signer set, wait this long for it (0: never). */
    private readonly graceMs: number,
  ) {
    this.canonicalIndices = [...core.memberIndex.values()].sort((a, b) => a - b).slice(0, core.threshold);
  }

  /** A certificate that passed ingest: fill any gap from the store first, then step it, then what follows. */
  onCertificate(cert: Certificate): void {
    this.applyStored(cert.height - 1);
    this.core.step({ type: 'certificate', certificate: cert, validated: true });
    this.applyStored(Number.POSITIVE_INFINITY);
  }

  stop(): void {
    if (this.graceTimer !== null) clearTimeout(this.graceTimer.timer);
  }

  /** Recover the group signature from t partials, preferring the canonical (lowest-index) signer set. */
  recover(
    height: number,
    target: PauseState,
    step: Step,
    resolves: Uint8Array[],
    partials: { index: number; voter: LabId; signature: Uint8Array }[],
  ): void {
    const key = statementKey({ height, target, step, resolves });
    const applied = this.core.machine.height;
    if (height < applied || height > applied + 1 || this.formed.has(key)) return;
    const sorted = [...partials].sort((a, b) => a.index - b.index);
    const canonical = sorted
      .slice(0, this.core.threshold)
      .every((p, i) => p.index === this.canonicalIndices[i]);
    if (
      !canonical &&
      sorted.length < this.core.memberIndex.size &&
      this.graceMs > 0 &&
      !this.graceExpired.has(height)
    ) {
      if (this.graceTimer === null) {
        const timer = setTimeout(() => {
          this.graceTimer = null;
          this.graceExpired.add(height);
          if (this.core.stopped) return;
          this.recoverFromMachine(key);
          void this.core.flush();
        }, this.graceMs);
        timer.unref();
        this.graceTimer = { height, timer };
      }
      return;
    }
    const chosen = sorted.slice(0, this.core.threshold);
    let signature: Uint8Array;
    try {
      signature = recoverSignature(
        chosen.map((p) => ({ index: p.index, signature: p.signature })),
        this.core.threshold,
      );
    } catch (e) {
      this.core.log.error(
        { event: 'certificate.recover_failed', height, err: (e as Error).message },
        'recovering the group signature failed',
      );
      return;
    }
    this.formed.add(key);
    const certificate: Certificate = {
      networkId: this.core.networkId,
      height,
      target,
      step,
      signers: chosen.map((p) => p.voter),
      resolves,
      signature,
    };
    this.core.log.info(
      {
        event: 'certificate.formed',
        height,
        target,
        signers: certificate.signers,
        resolves: resolves.map(toHex),
      },
      'certificate formed',
    );
    // Sent through the local door: validated there like any certificate (K_SIGNATURE would say a recovered
    // signature is wrong), stored, applied, gossiped. A crash before that loses nothing: the votes are
    // stored and recover() runs again.
    this.core.send('certificate', certificate);
  }

  private recoverFromMachine(key: string): void {
    // Only votes on one statement combine (a split step down has several groups).
    const group = [...this.core.machine.votes.values()].filter((sv) => statementKey(sv.vote) === key);
    if (group.length < this.core.threshold) return;
    const partials = group.map((sv) => ({
      index: this.core.memberIndex.get(sv.vote.voter) ?? 0,
      voter: sv.vote.voter,
      signature: sv.vote.partial,
    }));
    const first = (group[0] as SignedVote).vote;
    this.recover(first.height, first.target, first.step, [...first.resolves], partials);
  }

  /**
   * A certificate dominated by a higher level at its height (the machine's P_DOMINATED): the store holds one
   * certificate per height, so only what it resolves is kept (durably), and the resolved set does not
   * depend on the order certificates arrived in.
   */
  recordDominated(cert: Certificate): void {
    this.core.store.transaction(() => this.core.store.breaches.resolve(cert.resolves, cert.height));
    this.core.log.warn(
      {
        event: 'certificate.dominated',
        height: cert.height,
        target: cert.target,
        resolves: cert.resolves.map(toHex),
      },
      'dominated certificate: its resolved breaches are recorded, the certificate itself is not stored',
    );
    this.core.emitChange();
  }

  /**
   * Apply a certificate the machine accepted: in ONE transaction store it (duplicate is fine), set
   * pause_state and journal a 'pending' row per hook; then run the hooks (halt on PAUSED, resume on RUNNING).
   */
  apply(cert: Certificate): void {
    const now = this.core.now();
    let used = cert;
    let hash = certificateHash(cert);
    const action = actionForTarget(cert.target);
    this.core.store.transaction(() => {
      const r = this.core.store.certificates.insert({
        height: cert.height,
        hash,
        bytes: encodeCertificate(cert),
        receivedAt: now,
      });
      if (r === 'conflict') {
        // Another signer set for the same height: the group signature is unique, so it is the same decision.
        const row = this.core.store.certificates.get(cert.height);
        if (row === undefined) throw new Error(`certificate at height ${cert.height} vanished`);
        const stored = decodeCertificate(row.bytes);
        if (!bytesEqual(stored.signature, cert.signature))
          throw new Error(`two group signatures at height ${cert.height}`);
        used = stored;
        hash = row.hash;
      }
      this.core.store.pauseState.set({
        height: cert.height,
        state: cert.target,
        since: now,
        certificateHash: hash,
      });
      // The breaches it acts on (a pause: every breach open now) or resolves (a resume: the ids it names),
      // in the same transaction as the certificate (docs/protocol.md "Breach identity").
      if (cert.step === 'up') this.core.store.breaches.actOn(cert.height);
      else this.core.store.breaches.resolve(cert.resolves, cert.height);
      if (this.hooks.journaled) {
        this.core.store.hookJournal.recordPending(
          { certificateHash: toHex(hash), height: cert.height, action },
          this.hooks.names,
          now,
        );
      }
    });
    this.voting.certificateApplied();
    if (this.graceTimer !== null && this.graceTimer.height <= cert.height) {
      clearTimeout(this.graceTimer.timer);
      this.graceTimer = null;
    }
    this.core.log.info(
      {
        event: 'certificate.applied',
        height: cert.height,
        state: cert.target,
        certificate: toHex(hash),
        step: cert.step,
        ...(cert.step === 'down' ? { resolves: cert.resolves.map(toHex) } : {}),
      },
      'certificate applied',
    );
    this.core.emitChange();
    this.hooks.run(used, hash);
  }

  /** Apply stored certificates above the machine's height, in order, up to `maxHeight`. */
  applyStored(maxHeight: number): void {
    for (let h = this.core.machine.height + 1; h <= maxHeight; h = this.core.machine.height + 1) {
      const row = this.core.store.certificates.get(h);
      if (row === undefined) return;
      const v = this.core.step({
        type: 'certificate',
        certificate: decodeCertificate(row.bytes),
        validated: true,
      });
      if (!v.ok) {
        this.core.log.error(
          { event: 'certificate.stored_invalid', height: h, code: v.code, detail: v.detail },
          'stored certificate does not validate',
        );
        return;
      }
    }
  }
}
