/** Test-only Shamir dealer (a trusted dealer stands in for the DKG in dashboard tests). */
import { type DealtKeys, testDealer } from '@pausenet/crypto/testing';

export type Dealt = DealtKeys;

/** Split a fresh group secret into n shares, any t of which recover it (degree t-1 polynomial). */
export function dealShares(n: number, t: number): Dealt {
  return testDealer(n, t);
}
