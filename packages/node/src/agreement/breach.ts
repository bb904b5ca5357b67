import {
  decodeSignedCommitment,
  detectEquivocation,
  type Evidence,
  exceededCaps,
  hashSignedCommitment,
  type Policy,
  type SignedCommitment,
  toHex,
} from '@pausenet/protocol';
import type { CommitmentRepository } from '../store/repositories.js';

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
