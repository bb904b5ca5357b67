import type { DealtKeys } from '@pausenet/crypto/testing';
import type { DkgResult } from '@pausenet/protocol';

/**
 * The TRUSTED test dealer is crypto's (`@pausenet/crypto/testing`): it knows the group secret, which is
 * exactly what the DKG exists to prevent. Tests and benchmarks use it for speed (the DKG is tested in
 * packages/crypto and by `pausenet devnet`); every test that relies on it says so in its name.
 */
export type { DealtKeys } from '@pausenet/crypto/testing';
export { testDealer } from '@pausenet/crypto/testing';

/** The dealt keys as a genesis DKG result (the transcript hash is whatever the test fixes; default 32 zero bytes). */
export function dkgResultOf(d: DealtKeys, transcriptHash: Uint8Array = new Uint8Array(32)): DkgResult {
  return { groupPublicKey: d.groupPublicKey, publicShares: d.publicShares, transcriptHash };
}
