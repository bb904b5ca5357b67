import { blsSign, verifyPartial } from '@pausenet/crypto';
import { encodeSignedVote, signVote, statementBytes } from '@pausenet/protocol';
import { describe, expect, it } from 'vitest';
import { VoteBatchVerifier } from '../../src/gossip/voteBatch.js';
import { memoVerify } from '../../src/verifyCache.js';
import { makeAgreementGenesis } from '../helpers/agreementNet.js';

describe('VoteBatchVerifier (batch BLS pre-check of gossiped votes)', () => {
  const net = makeAgreementGenesis(6);
  const stmt = statementBytes({
    networkId: net.networkId,
    height: 1,
    target: 'PAUSED',
    step: 'up',
    resolves: [],
  });
  const vote = (
    i: number,
    partial = blsSign(net.shares[i] as Uint8Array, stmt),
    signer = net.labs[i]?.secretKey as Uint8Array,
  ) =>
    encodeSignedVote(
      signVote(
        {
          networkId: net.networkId,
          height: 1,
          target: 'PAUSED',
          step: 'up',
          voter: net.labs[i]?.id as string,
          partial,
          evidence: [new Uint8Array(32).fill(1)],
          breaches: [new Uint8Array(32).fill(2)],
          resolves: [],
          issuedAt: Date.now(),
        },
        signer,
      ),
    );
  /** A memo over crypto's verifyPartial that counts the real pairings it runs. */
  function counting() {
    const calls = { n: 0 };
    const memo = memoVerify((pk, m, s) => {
      calls.n++;
      return verifyPartial(pk, m, s);
    });
    return { calls, memo };
  }
  const share = (i: number) => net.genesis.dkg?.publicShares[i] as Uint8Array;
  const partialOf = (i: number) => blsSign(net.shares[i] as Uint8Array, stmt);

  it('votes arriving in one turn are checked together; afterwards their partials cost no pairing', async () => {
    const { calls, memo } = counting();
    const b = new VoteBatchVerifier(net.genesis, net.networkId, memo);
    await Promise.all([0, 1, 2, 3].map((i) => b.prepare(vote(i))));
    expect(b.stats).toEqual({ batches: 1, partials: 4, failed: 0 });
    for (const i of [0, 1, 2, 3]) expect(memo(share(i), stmt, partialOf(i))).toBe(true);
    expect(calls.n).toBe(0);
  });

  it('one bad partial in a batch: nothing is remembered, so each partial is checked on its own and the bad one fails', async () => {
    const { calls, memo } = counting();
    const b = new VoteBatchVerifier(net.genesis, net.networkId, memo);
    const bad = partialOf(5); // lab 5's partial sent as lab 2's
    await Promise.all([b.prepare(vote(0)), b.prepare(vote(1)), b.prepare(vote(2, bad))]);
    expect(b.stats.failed).toBe(1);
    expect(memo(share(0), stmt, partialOf(0))).toBe(true);
    expect(memo(share(2), stmt, bad)).toBe(false);
    expect(calls.n).toBe(2);
  });

  it("a vote without its voter's valid Ed25519 signature never joins (cannot spoil) a batch", async () => {
    const { memo } = counting();
    const b = new VoteBatchVerifier(net.genesis, net.networkId, memo);
    // claims lab 2, carries a bad partial, signed with lab 3's identity key
    const forged = vote(2, partialOf(5), net.labs[3]?.secretKey as Uint8Array);
    await Promise.all([b.prepare(vote(0)), b.prepare(vote(1)), b.prepare(forged)]);
    expect(b.stats).toEqual({ batches: 1, partials: 2, failed: 0 });
  });

  it('a lone vote is checked at once (one pairing, memoised); malformed bytes resolve without a check', async () => {
    const { calls, memo } = counting();
    const b = new VoteBatchVerifier(net.genesis, net.networkId, memo);
    await b.prepare(vote(4));
    expect(calls.n).toBe(1);
    expect(memo(share(4), stmt, partialOf(4))).toBe(true);
    expect(calls.n).toBe(1);
    await b.prepare(new Uint8Array([0xa1, 0x01]));
    expect(b.stats.batches).toBe(0);
    expect(calls.n).toBe(1);
  });
});
