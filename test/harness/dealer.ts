import { createHash } from 'node:crypto';
import { testDealer as dealKeys } from '@pausenet/crypto/testing';
import type { DkgResult } from '@pausenet/protocol';

/** Output of the trusted test dealer: what a DKG would give, for tests only. */
export interface DealtKeys {
  dkg: DkgResult;
  /** Secret share of member index i at [i - 1] (32-byte big-endian scalars). */
  shares: Uint8Array[];
}

/**
 * testDealer: the TRUSTED dealer of @pausenet/crypto/testing, shaped as a genesis DKG result.
 * Test-only shortcut for speed (the real DKG is tested in packages/crypto and by `pausenet devnet`).
 */
export function testDealer(n: number, threshold: number): DealtKeys {
  const { groupPublicKey, publicShares, shares } = dealKeys(n, threshold);
  const transcriptHash = new Uint8Array(
    createHash('sha256').update('pausenet/testDealer').update(groupPublicKey).digest(),
  );
  return { dkg: { groupPublicKey, publicShares, transcriptHash }, shares };
}
