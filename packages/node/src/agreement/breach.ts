import {
  breachIdOf,
  decodeSignedCommitment,
  detectEquivocation,
  type Evidence,
  evidenceHash,
  exceededCaps,
  hashSignedCommitment,
  type Policy,
  type SignedCommitment,
  signEvidence,
  toHex,
} from '@pausenet/protocol';
import type { CommitmentRepository } from '../store/repositories.js';
import type { AgreementCore } from './core.js';

/**
 * Breaches a newly accepted commitment proves: one cap-exceeded per cap it exceeds (each cap is its own
 * breach id, so a resume resolves them all and none is filed later by someone else as new), and/or
 * equivocation with a stored commitment (same epoch or seq).
 */
export class BreachDetector {
  constructor(
    private readonly commitments: Pick<CommitmentRepository, 'rivals'>,
    private readonly policy: Policy,
  ) {}

  /** Evidence proven by `sc` (empty when it is within policy and consistent with the lab's stored commitments). */
  detect(sc: SignedCommitment, opts: { rivals?: boolean } = {}): Evidence[] {
    const found: Evidence[] = exceededCaps(sc, this.policy).map((cap) => ({
      kind: 'cap-exceeded',
      commitment: sc,
      cap,
    }));
    // A commitment the store just appended to its lab's chain has no stored rival: skip the lookup.
    if (opts.rivals === false) return found;
    const own = toHex(hashSignedCommitment(sc));
    for (const row of this.commitments.rivals(sc.commitment.lab, sc.commitment.epoch, sc.commitment.seq)) {
      if (toHex(row.hash) === own) continue;
      let other: SignedCommitment;
      try {
        other = decodeSignedCommitment(row.bytes);
      } catch {
        continue; // stored bytes were validated on ingest; a decode failure here means a codec change, not a breach
      }
      const eq = detectEquivocation(other, sc);
      if (eq !== null) {
        found.push(eq);
        break;
      }
    }
    return found;
  }
}

/**
 * The one place a node files breach evidence it detects itself (cap-exceeded, equivocation): every
 * accepted commitment and every validated fork of a stored chain passes here. Detection runs on every
 * node; only a member signs, once per breach.
 */
export class BreachFiler {
  private readonly detector: BreachDetector;
  /** Breach ids this node filed evidence for in this process (the store knows the rest). */
  private readonly filed = new Set<string>();

  constructor(private readonly core: AgreementCore) {
    this.detector = new BreachDetector(core.store.commitments, core.genesis.policy);
  }

  /** Breach detection runs on every node; only a member files (signs) evidence, once per breach. */
  onCommitment(sc: SignedCommitment, stored: boolean): void {
    for (const evidence of this.detector.detect(sc, { rivals: !stored })) {
      const id = breachIdOf(evidence);
      const key = toHex(id);
      if (this.core.self === null) {
        this.core.log.debug(
          { event: 'breach.seen', kind: evidence.kind, lab: sc.commitment.lab, breach: key },
          'breach seen (observer)',
        );
        continue;
      }
      // One evidence per breach from this node: not when it filed one already, nor when the breach is
      // known (open, or resolved by a certified resume: docs/protocol.md "Breach identity").
      if (this.filed.has(key) || this.core.store.breaches.get(id) !== undefined) continue;
      this.filed.add(key);
      const se = signEvidence(
        { networkId: this.core.networkId, evidence, reporter: this.core.self.lab, issuedAt: this.core.now() },
        this.core.self.identitySecretKey,
      );
      this.core.log.warn(
        {
          event: 'breach.detected',
          kind: evidence.kind,
          lab: sc.commitment.lab,
          epoch: sc.commitment.epoch,
          evidence: toHex(evidenceHash(se)),
          breach: key,
        },
        'breach detected: publishing evidence',
      );
      this.core.send('evidence', se);
    }
  }
}
