import { batchVerify, blsSign, verifyPartial } from '@pausenet/crypto';
import { encodeSignedVote, signVote, statementBytes, type Validation } from '@pausenet/protocol';
import { TempDirs } from '@pausenet/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { VerdictRecorder } from '../../src/gossip/validate.js';
import { Ingest } from '../../src/ingest.js';
import { silentLogger } from '../../src/logger.js';
import type { Validated } from '../../src/message.js';
import { NodeMetrics } from '../../src/metrics.js';
import { Store } from '../../src/store/store.js';
import { makeAgreementGenesis } from '../helpers/agreement-net.js';

const net = makeAgreementGenesis(6);
const stmt = statementBytes({
  networkId: net.networkId,
  height: 1,
  target: 'PAUSED',
  step: 'up',
  resolves: [],
});
const partialOf = (i: number) => blsSign(net.shares[i] as Uint8Array, stmt);
const vote = (i: number, partial = partialOf(i), signer = net.labs[i]?.secretKey as Uint8Array) =>
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
const code = (v: Validation) => (v.ok ? 'OK' : v.code);

const tmp = new TempDirs();
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  tmp.cleanup();
});

/** An ingest path whose BLS checks are counted: single pairings, and multi-pairings with their sizes. */
function counting() {
  const dir = tmp.make('pn-vote-batch-');
  const store = Store.open(dir);
  stores.push(store);
  const calls = { single: 0, batches: [] as number[] };
  const applied: Validated[] = [];
  const ingest = new Ingest({
    genesis: net.genesis,
    networkId: net.networkId,
    store,
    recorder: new VerdictRecorder(new NodeMetrics(), silentLogger),
    logger: silentLogger,
    now: Date.now,
    applied: () => ({ height: 0, level: 'RUNNING', certificateRule: () => null }),
    apply: (v) => applied.push(v),
    verify: {
      partial: (pk, m, s) => {
        calls.single++;
        return verifyPartial(pk, m, s);
      },
      batch: (items) => {
        calls.batches.push(items.length);
        return batchVerify(items);
      },
    },
  });
  const batch = (votes: Uint8Array[]) =>
    ingest.ingestBatch(
      votes.map((bytes) => ({ kind: 'vote' as const, bytes, opts: { source: 'gossip' as const } })),
    );
  return { ingest, calls, applied, batch };
}

describe('vote partials on the ingest path: checked once, together per batch', () => {
  it('votes arriving in one batch are checked with one multi-pairing and no single pairing', () => {
    const c = counting();
    const outs = c.batch([0, 1, 2, 3].map((i) => vote(i)));
    expect(outs.map((o) => code(o.validation))).toEqual(['OK', 'OK', 'OK', 'OK']);
    expect(c.calls).toEqual({ single: 0, batches: [4] });
    expect(c.applied.map((v) => v.kind)).toEqual(['vote', 'vote', 'vote', 'vote']);
  });

  it('one bad partial in a batch: each partial is then checked on its own and only the bad one is rejected', () => {
    const c = counting();
    const bad = partialOf(5); // lab 5's partial sent as lab 2's
    const outs = c.batch([vote(0), vote(1), vote(2, bad)]);
    expect(outs.map((o) => code(o.validation))).toEqual(['OK', 'OK', 'V_PARTIAL']);
    expect(outs[2]?.validation).toMatchObject({ action: 'reject' });
    expect(c.calls).toEqual({ single: 3, batches: [3] });
    expect(c.applied.length).toBe(2);
  });

  it("a vote without its voter's valid Ed25519 signature never joins (cannot spoil) a batch", () => {
    const c = counting();
    // claims lab 2, carries a bad partial, signed with lab 3's identity key
    const forged = vote(2, partialOf(5), net.labs[3]?.secretKey as Uint8Array);
    const outs = c.batch([vote(0), vote(1), forged]);
    expect(outs.map((o) => code(o.validation))).toEqual(['OK', 'OK', 'V_SIGNATURE']);
    expect(c.calls).toEqual({ single: 0, batches: [2] });
  });

  it('a lone vote costs one pairing; a stored vote none; malformed bytes none', () => {
    const c = counting();
    expect(code(c.ingest.ingestBytes('vote', vote(4), { source: 'gossip' }).validation)).toBe('OK');
    expect(c.calls).toEqual({ single: 1, batches: [] });
    expect(code(c.ingest.ingestBytes('vote', vote(4), { source: 'gossip' }).validation)).toBe('DUPLICATE');
    const outs = c.batch([vote(4), new Uint8Array([0xa1, 0x01])]);
    expect(outs.map((o) => code(o.validation))).toEqual(['DUPLICATE', 'MALFORMED']);
    expect(c.calls).toEqual({ single: 1, batches: [] });
  });

  it('the same vote twice in one batch is checked once and stored once', () => {
    const c = counting();
    const outs = c.batch([vote(0), vote(0), vote(1)]);
    expect(outs.map((o) => code(o.validation))).toEqual(['OK', 'DUPLICATE', 'OK']);
    expect(c.calls).toEqual({ single: 0, batches: [2] });
  });
});
