import { blsSign } from '@pausenet/crypto';
import {
  encodeSignedVote,
  type PauseState,
  type SignedVote,
  signVote,
  statementBytes,
  voteHash,
} from '@pausenet/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { validated } from '../src/message.js';
import { commitment, SimNet } from './helpers/agreement-net.js';
import { makeLabs } from './helpers/network.js';

const nets: SimNet[] = [];
afterEach(async () => {
  for (const n of nets.splice(0)) await n.stop();
});

/** A signed vote by member `i` (0-based) of the net, with an optional forged partial / voter key. */
function vote(
  n: SimNet,
  i: number,
  height: number,
  target: PauseState,
  opts: { partialFrom?: number; refs?: Uint8Array[]; issuedAt?: number } = {},
): SignedVote {
  const lab = n.labs[i];
  const share = n.shares[opts.partialFrom ?? i];
  if (!lab || !share) throw new Error('no such lab');
  const partial = blsSign(
    share,
    statementBytes({
      networkId: n.networkId,
      height: height,
      target: target,
      step: target === 'RUNNING' ? 'down' : 'up',
      resolves: [],
    }),
  );
  return signVote(
    {
      networkId: n.networkId,
      height,
      target,
      step: target === 'RUNNING' ? 'down' : 'up',
      voter: lab.id,
      partial,
      evidence: opts.refs ?? (target === 'PAUSED' ? [new Uint8Array(32).fill(i + 1)] : []),
      breaches: target === 'PAUSED' ? [new Uint8Array(32).fill(0x40)] : [],
      resolves: [],
      issuedAt: opts.issuedAt ?? Date.now(),
    },
    lab.secretKey,
  );
}

describe('votes: validation, dedupe, threshold', () => {
  it('rejects wrong-height, bad-partial and non-member votes; duplicates never count twice', async () => {
    // Node 5 is an observer: it counts votes and forms certificates but never votes itself.
    const n = new SimNet({ labs: 4, observers: 1, connected: [] });
    nets.push(n);
    await n.start();
    const obs = n.node(5).agreement;
    // Through the node's one path (decode, validate once, store, apply): a refused vote is never stored.
    const check = async (sv: SignedVote) => {
      const v = await n.ingest(5, 'vote', sv);
      expect(n.node(5).store.votes.has(sv.vote.height, sv.vote.target, sv.vote.voter) && !v.ok).toBe(false);
      return v;
    };

    expect(await check(vote(n, 0, 2, 'RUNNING'))).toMatchObject({ ok: false, action: 'ignore' }); // future height
    expect(await check(vote(n, 0, 1, 'RUNNING'))).toMatchObject({ ok: false, action: 'reject' }); // wrong target for height 1
    expect(await check(vote(n, 0, 1, 'PAUSED', { partialFrom: 1 }))).toMatchObject({
      ok: false,
      action: 'reject',
      code: 'V_PARTIAL',
    });
    const outsider = makeLabs(1)[0];
    if (!outsider) throw new Error('outsider');
    const forged = signVote({ ...vote(n, 0, 1, 'PAUSED').vote, voter: 'lab-z' }, outsider.secretKey);
    expect(await check(forged)).toMatchObject({ ok: false, action: 'reject', code: 'V_MEMBER' });

    // Through the full ingest path: first vote accepted, the same and a re-signed duplicate are not.
    const v1 = vote(n, 0, 1, 'PAUSED');
    expect(await n.ingest(5, 'vote', v1)).toEqual({ ok: true });
    expect(await n.ingest(5, 'vote', v1)).toMatchObject({ ok: false, action: 'ignore' });
    const v1b = vote(n, 0, 1, 'PAUSED', { refs: [new Uint8Array(32).fill(9)], issuedAt: Date.now() - 5 });
    expect(await n.ingest(5, 'vote', v1b)).toMatchObject({ ok: false, action: 'ignore' });
    // Even if a duplicate slipped past the store it counts once (the machine's P_DUPLICATE_VOTE).
    obs.apply(
      validated({
        kind: 'vote',
        msg: v1b,
        bytes: encodeSignedVote(v1b),
        hash: voteHash(v1b),
        source: 'gossip',
        stored: true,
      }),
    );
    expect(obs.status().pendingVotes).toEqual([
      { height: 1, target: 'PAUSED', step: 'up', resolves: [], voters: ['lab-a'], needed: 3 },
    ]);
    expect(await n.ingest(5, 'vote', vote(n, 1, 1, 'PAUSED'))).toEqual({ ok: true });
    await n.settle();
    expect(obs.status()).toMatchObject({ height: 0, pendingVotes: [{ voters: ['lab-a', 'lab-b'] }] });
    // The third distinct valid partial completes t = 3: the observer recovers and applies the certificate.
    expect(await n.ingest(5, 'vote', vote(n, 3, 1, 'PAUSED'))).toEqual({ ok: true });
    await n.until(() => obs.status().height === 1, 'observer certificate after 3 distinct votes', 5_000);
    expect(obs.status()).toMatchObject({ state: 'PAUSED', pendingVotes: [] });
    expect(n.node(5).published.map((p) => p.kind)).toEqual(['certificate']);
    // Votes for the now-certified height are stale.
    expect(await check(vote(n, 2, 1, 'PAUSED'))).toMatchObject({
      ok: false,
      action: 'ignore',
      code: 'V_STALE',
    });
  });

  it('an approval alone signs nothing; with evidence the pause is signed once and later approvals re-send the stored vote', async () => {
    const n = new SimNet({ labs: 4, connected: [] });
    nets.push(n);
    await n.start();
    const a = n.node(1).agreement;
    expect(await a.approve(2, 'RUNNING')).toMatchObject({
      signed: false,
      reason: expect.stringMatching(/not the open height 1/),
    });
    // A pause approval names judged breaches; with none held there is nothing to approve.
    expect(await a.approve(1, 'PAUSED')).toMatchObject({ signed: false, refused: 'NOTHING_TO_APPROVE' });
    await n.settle();
    expect(n.node(1).published.filter((p) => p.kind === 'vote')).toEqual([]);
    const l4 = n.labs[3];
    if (!l4) throw new Error('labs');
    await n.ingest(
      1,
      'commitment',
      commitment(n.genesis, n.networkId, l4, { metrics: { trainingFlop: 10n ** 27n } }),
    );
    await n.settle();
    expect(n.node(1).published.some((p) => p.kind === 'evidence')).toBe(true);
    expect(a.status().pendingVotes).toEqual([
      { height: 1, target: 'PAUSED', step: 'up', resolves: [], voters: ['lab-a'], needed: 3 },
    ]);
    expect(await a.approve(1, 'PAUSED')).toMatchObject({ signed: true });
    await n.settle();
    const votes = n
      .node(1)
      .published.filter((p) => p.kind === 'vote')
      .map((p) => Buffer.from(p.bytes).toString('hex'));
    expect(votes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(votes).size).toBe(1);
    expect(n.node(1).store.signedHeights.all().length).toBe(1);
  });
});

describe('slashing protection (SQLite)', () => {
  it('signs once per height; the same statement returns the stored bytes; a different one is refused', async () => {
    const n = new SimNet({ labs: 4, connected: [] });
    nets.push(n);
    await n.start();
    const sp = n.node(1).store.signedHeights;
    const st = (t: PauseState) =>
      statementBytes({
        networkId: n.networkId,
        height: 7,
        target: t,
        step: t === 'RUNNING' ? 'down' : 'up',
        resolves: [],
      });
    let calls = 0;
    const sign = (b: number) => () => {
      calls++;
      return new Uint8Array([b]);
    };
    expect(sp.signOnce(7, 'PAUSED', st('PAUSED'), sign(1), 1)).toEqual({
      kind: 'new',
      vote: new Uint8Array([1]),
    });
    expect(sp.signOnce(7, 'PAUSED', st('PAUSED'), sign(2), 2)).toEqual({
      kind: 'same',
      vote: new Uint8Array([1]),
    });
    expect(sp.signOnce(7, 'RUNNING', st('RUNNING'), sign(3), 3)).toEqual({
      kind: 'conflict',
      signedTarget: 'PAUSED',
    });
    expect(calls).toBe(1);
    // A signer that throws leaves nothing behind (the transaction rolls back).
    expect(() =>
      sp.signOnce(
        8,
        'RUNNING',
        statementBytes({ networkId: n.networkId, height: 8, target: 'RUNNING', step: 'down', resolves: [] }),
        () => {
          throw new Error('hsm unavailable');
        },
        4,
      ),
    ).toThrow('hsm unavailable');
    expect(sp.signedAt(8)).toBeUndefined();
    // Never nested: inside another (e.g. relaxed) transaction its commit would not be its own fsync.
    const store = n.node(1).store;
    expect(() =>
      store.relaxed(() =>
        sp.signOnce(
          9,
          'PAUSED',
          statementBytes({ networkId: n.networkId, height: 9, target: 'PAUSED', step: 'up', resolves: [] }),
          sign(9),
          5,
        ),
      ),
    ).toThrow(/inside a transaction/);
    expect(sp.signedAt(9)).toBeUndefined();
    expect(sp.all()).toEqual([{ height: 7, target: 'PAUSED', vote: new Uint8Array([1]) }]);
  });
});

describe('fail-safe', () => {
  it('cut off from t members for afterMs: halt hooks run locally with a reason; the certified state stays RUNNING', async () => {
    const n = new SimNet({ labs: 4, connected: [1, 2], failSafe: { enabled: true, afterMs: 100 } });
    nets.push(n);
    await n.start();
    const a = n.node(1).agreement;
    await n.until(() => a.status().failSafe.active, 'fail-safe trips', 5_000);
    await n.until(() => n.hookLines(1).length === 1, 'halt hook ran', 5_000);
    const s = a.status();
    expect(s).toMatchObject({ state: 'RUNNING', height: 0 });
    expect(s.failSafe.reason).toMatch(/only 2 of the 3 members needed/);
    expect(n.hookLines(1)[0]).toMatch(/^halt 0 failsafe-halt-/);
    expect(n.node(1).store.certificates.get(1)).toBeUndefined();
    // Reconnected: the fail-safe clears and, the certified state being RUNNING, resume hooks undo the halt.
    await n.connect(3);
    await n.until(
      () => !a.status().failSafe.active && n.hookLines(1).length === 2,
      'fail-safe cleared',
      5_000,
    );
    expect(n.hookLines(1)[1]).toMatch(/^resume 0 failsafe-resume-/);
    // Off by default.
    expect(n.node(1).agreement.status().failSafe.enabled).toBe(true);
  });
});
