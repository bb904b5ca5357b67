import { compareBytes } from './bytes.js';
import { CAP_NAMES } from './codec/messages.js';
import { commitmentBodyHash } from './signing.js';
import type { CapName, Evidence, Metrics, Policy, SignedCommitment } from './types.js';

/** Builders of self-proving evidence (pure; validate the result with validateEvidence before gossiping). */

/**
 * Two signed commitments by one lab for the same epoch (or the same chain seq) with different content are a
 * fraud proof. Returns the portable evidence with `a`/`b` ordered by body hash (E_EQUIV_ORDER), else null.
 */
export function detectEquivocation(x: SignedCommitment, y: SignedCommitment): Evidence | null {
  const cx = x.commitment;
  const cy = y.commitment;
  if (cx.lab !== cy.lab) return null;
  if (cx.epoch !== cy.epoch && cx.seq !== cy.seq) return null;
  const order = compareBytes(commitmentBodyHash(cx), commitmentBodyHash(cy));
  if (order === 0) return null;
  return order < 0 ? { kind: 'equivocation', a: x, b: y } : { kind: 'equivocation', a: y, b: x };
}

/** Names of the caps the metrics strictly exceed, in CAP_NAMES order (the rule behind cap-exceeded evidence). */
export function capsExceededBy(metrics: Metrics, policy: Policy): CapName[] {
  return CAP_NAMES.filter((cap) => metrics[cap] > policy.caps[cap]);
}

/** Names of the caps the commitment's metrics strictly exceed, in CAP_NAMES order. */
export function exceededCaps(sc: SignedCommitment, policy: Policy): CapName[] {
  return capsExceededBy(sc.commitment.metrics, policy);
}

/** cap-exceeded evidence for the first cap the commitment exceeds (metric > cap), else null. */
export function checkCaps(sc: SignedCommitment, policy: Policy): Evidence | null {
  const cap = exceededCaps(sc, policy)[0];
  return cap ? { kind: 'cap-exceeded', commitment: sc, cap } : null;
}
