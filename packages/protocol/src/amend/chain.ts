import { epochAt, epochStart } from '../epoch.js';
import { ProtocolError } from '../errors.js';
import { networkIdOf } from '../signing.js';
import type { Genesis } from '../types.js';
import { amendmentHash } from './signing.js';
import type { CertifiedAmendment } from './types.js';

/**
 * The chain of genesis revisions of one network (docs/protocol.md "Amendments and revisions"): revision 1
 * is the original genesis, revision r + 1 the amendment certified by revision r's committee. Immutable:
 * extending returns a new chain (see `extendChain`, `verifyAmendmentChain`).
 */

export interface Revision {
  /** 1 for the original genesis, then 2, 3, … */
  revision: number;
  /** Revision 1: the network id; later: amendmentHash of its amendment (the next one's `prev`). */
  hash: Uint8Array;
  /** The genesis in effect from `effectiveEpoch` on. */
  genesis: Genesis;
  /** Revision 1: 0; later: the amendment's effective epoch (strictly increasing along the chain). */
  effectiveEpoch: number;
  /** The certified amendment that created it (null for revision 1). */
  certified: CertifiedAmendment | null;
}

export class RevisionChain {
  readonly networkId: Uint8Array;
  /** revisions[i] is revision i + 1. */
  readonly revisions: readonly Revision[];

  private constructor(networkId: Uint8Array, revisions: readonly Revision[]) {
    this.networkId = networkId;
    this.revisions = revisions;
  }

  /** A chain holding only the original genesis (revision 1); its network id is networkIdOf(original). */
  static fromGenesis(original: Genesis): RevisionChain {
    const networkId = networkIdOf(original);
    return new RevisionChain(networkId, [
      { revision: 1, hash: networkId, genesis: original, effectiveEpoch: 0, certified: null },
    ]);
  }

  /**
   * This chain plus a certified amendment the caller has validated against it (validateCertifiedAmendment,
   * or use extendChain, which validates). Throws INVALID_ARGUMENT when it does not even link to the head.
   */
  appendValidated(c: CertifiedAmendment): RevisionChain {
    const a = c.amendment;
    const head = this.head;
    if (a.revision !== head.revision + 1)
      throw new ProtocolError(
        'INVALID_ARGUMENT',
        `revision ${a.revision} does not follow head ${head.revision}`,
        'revision',
      );
    return new RevisionChain(this.networkId, [
      ...this.revisions,
      {
        revision: a.revision,
        hash: amendmentHash(a),
        genesis: a.genesis,
        effectiveEpoch: a.effectiveEpoch,
        certified: c,
      },
    ]);
  }

  /** The original genesis (revision 1). */
  get original(): Genesis {
    return (this.revisions[0] as Revision).genesis;
  }

  /** The latest certified revision (it may not be in effect yet: see `atEpoch`). */
  get head(): Revision {
    return this.revisions[this.revisions.length - 1] as Revision;
  }

  /** The certified amendments after the original genesis, in order (what `verify` checks and sync serves). */
  get amendments(): CertifiedAmendment[] {
    return this.revisions.slice(1).map((r) => r.certified as CertifiedAmendment);
  }

  /** Revision `revision`, or undefined if not (yet) in this chain. */
  get(revision: number): Revision | undefined {
    return Number.isSafeInteger(revision) && revision >= 1 ? this.revisions[revision - 1] : undefined;
  }

  /** The revision in effect at epoch `epoch`: the last one whose effective epoch is ≤ epoch. */
  atEpoch(epoch: number): Revision {
    for (let i = this.revisions.length - 1; i > 0; i--) {
      const r = this.revisions[i] as Revision;
      if (r.effectiveEpoch <= epoch) return r;
    }
    return this.revisions[0] as Revision;
  }

  /** The genesis in effect at epoch `epoch`: commitments and evidence about that epoch are validated under it. */
  genesisAt(epoch: number): Genesis {
    return this.atEpoch(epoch).genesis;
  }

  /** The revision in effect at instant `now` (unix ms). */
  atTime(now: number): Revision {
    return this.atEpoch(epochAt(this.original.policy, now));
  }

  /**
   * Unix ms from which revision `revision` is in effect: the start of its effective epoch (revision 1:
   * always). Its new members sign nothing dated before this instant.
   */
  activeFrom(revision: number): number {
    const r = this.get(revision);
    if (r === undefined)
      throw new ProtocolError('INVALID_ARGUMENT', `unknown revision ${revision}`, 'revision');
    return r.revision === 1 ? Number.NEGATIVE_INFINITY : epochStart(this.original.policy, r.effectiveEpoch);
  }

  /**
   * Unix ms at which the activation window of revision `revision + 1` closes and partials made with
   * revision `revision`'s shares stop counting: the end of revision + 1's effective epoch. Null while no
   * later revision is certified. Honest holders delete their revision-`revision` share at this instant
   * (docs/protocol.md "When an old share is useless").
   */
  retiredAt(revision: number): number | null {
    if (this.get(revision) === undefined)
      throw new ProtocolError('INVALID_ARGUMENT', `unknown revision ${revision}`, 'revision');
    const next = this.get(revision + 1);
    return next === undefined ? null : epochStart(this.original.policy, next.effectiveEpoch + 1);
  }

  /** Revisions whose partials count at instant `now`: in effect, and their activation window not closed. */
  activeAt(now: number): Revision[] {
    return this.revisions.filter((r) => {
      const until = this.retiredAt(r.revision);
      return this.activeFrom(r.revision) <= now && (until === null || now < until);
    });
  }
}
