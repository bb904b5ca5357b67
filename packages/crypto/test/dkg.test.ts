import { describe, expect, it } from 'vitest';
import {
  blsSecretToPublic,
  blsSign,
  blsVerify,
  type DkgBundle,
  DkgError,
  type DkgOutput,
  decodeDkgBundle,
  dkgInit,
  dkgStep,
  encodeDkgBundle,
  fromHex,
  recoverSignature,
  signDkgBundle,
  toHex,
  verifyPartial,
} from '../src/index.js';
import { freshDkg, identities, type Node, roster, TIMEOUTS } from './dkg-harness.js';

const MSG = new TextEncoder().encode('pausenet test statement');

function outputs(nodes: Map<string, Node>, except: string[] = []): DkgOutput[] {
  return [...nodes.values()]
    .filter((n) => !except.includes(n.name))
    .map((n) => {
      expect(n.failed, `${n.name} failed: ${n.failed?.message}`).toBeUndefined();
      return n.done!;
    });
}

/** All outputs agree on the public part; every share matches its public share; t shares sign. */
function checkConsistent(outs: DkgOutput[], t: number, ownTranscript: number[] = []): void {
  const [first] = outs;
  for (const o of outs) {
    expect(Buffer.from(o.groupPublicKey).equals(Buffer.from(first!.groupPublicKey))).toBe(true);
    expect(o.publicShares.map((p) => toHex(p))).toEqual(first!.publicShares.map((p) => toHex(p)));
    expect(o.qualified).toEqual(first!.qualified);
    if (!ownTranscript.includes(o.index!)) expect(toHex(o.transcriptHash)).toBe(toHex(first!.transcriptHash));
    expect(Buffer.from(blsSecretToPublic(o.secretShare))).toEqual(Buffer.from(o.publicShares[o.index! - 1]!));
  }
  const partials = outs.slice(0, t).map((o) => {
    const signature = blsSign(o.secretShare, MSG);
    expect(verifyPartial(o.publicShares[o.index! - 1]!, MSG, signature)).toBe(true);
    return { index: o.index!, signature };
  });
  expect(blsVerify(first!.groupPublicKey, MSG, recoverSignature(partials, t))).toBe(true);
}

/** A deterministic tamper applied identically for every recipient, re-signed by the cheating dealer. */
function tamperDeal(dealer: number, victim: number, secretKey: Uint8Array) {
  return (b: DkgBundle): DkgBundle => {
    if (b.type !== 'deal' || b.dealer !== dealer) return b;
    const shares = b.shares.map((s) => {
      if (s.to !== victim) return s;
      const ciphertext = s.ciphertext.slice();
      ciphertext[0]! ^= 1;
      return { ...s, ciphertext };
    });
    const { signature: _s, ...body } = b;
    return signDkgBundle({ ...body, shares }, secretKey);
  };
}

describe('DKG (joint-Feldman with complaints)', () => {
  it('n=4 t=3 honest: every member derives the same group key and shares that sign', () => {
    const ids = identities(4);
    const { nodes } = freshDkg(ids, 3);
    const outs = outputs(nodes);
    expect(outs[0]!.qualified).toEqual([1, 2, 3, 4]);
    expect(outs[0]!.excluded).toEqual([]);
    checkConsistent(outs, 3);
  });

  it('n=16 t=11 honest', () => {
    const ids = identities(16);
    const started = performance.now();
    const { nodes } = freshDkg(ids, 11);
    const ms = performance.now() - started;
    const outs = outputs(nodes);
    expect(outs[0]!.qualified).toHaveLength(16);
    checkConsistent(outs, 11);
    // Issue target is < 5 s for all 16 members simulated in one thread (scripts/bench measures it);
    // here only a coarse guard, since npm test shares 2 cores with every other package.
    expect(ms).toBeLessThan(20_000);
  });

  it('bad share: victim complains, dealer justifies with the valid share, dealer stays', () => {
    const ids = identities(4);
    const tamper = tamperDeal(2, 3, ids[1]!.secretKey);
    const seen: string[] = [];
    const { nodes } = freshDkg(ids, 3, {
      intercept: (b) => {
        if (b.type === 'response' && b.complaints.length) seen.push(`complaint ${b.from}->${b.complaints}`);
        if (b.type === 'justification') seen.push(`justification ${b.dealer}:${b.shares.map((s) => s.to)}`);
        return tamper(b);
      },
    });
    expect(seen).toContain('complaint 3->2');
    expect(seen).toContain('justification 2:3');
    const outs = outputs(nodes);
    expect(outs[0]!.qualified).toEqual([1, 2, 3, 4]);
    // The harness tampers in flight, so only the dealer itself holds the untampered deal.
    checkConsistent(outs, 3, [2]);
  });

  it('bad share and no justification: the dealer is excluded, the rest succeed', () => {
    const ids = identities(4);
    const tamper = tamperDeal(2, 3, ids[1]!.secretKey);
    const { nodes } = freshDkg(ids, 3, {
      intercept: (b) => (b.type === 'justification' && b.dealer === 2 ? null : tamper(b)),
    });
    const honest = outputs(nodes, ['m2']); // the cheater believes its own justification went out
    for (const o of honest) {
      expect(o.qualified).toEqual([1, 3, 4]);
      expect(o.excluded).toEqual([{ dealer: 2, reason: 'NO_JUSTIFICATION' }]);
    }
    checkConsistent(honest, 3);
  });

  it('bad share and a justification that does not match the commitments: excluded', () => {
    const ids = identities(4);
    const tamper = tamperDeal(2, 3, ids[1]!.secretKey);
    const { nodes } = freshDkg(ids, 3, {
      intercept: (b) => {
        if (b.type === 'justification' && b.dealer === 2) {
          const { signature: _s, ...body } = b;
          const shares = b.shares.map((s) => ({ ...s, share: new Uint8Array(32).fill(1) }));
          return signDkgBundle({ ...body, shares }, ids[1]!.secretKey);
        }
        return tamper(b);
      },
    });
    const honest = outputs(nodes, ['m2']);
    for (const o of honest) expect(o.excluded).toEqual([{ dealer: 2, reason: 'BAD_JUSTIFICATION' }]);
    checkConsistent(honest, 3);
  });

  it('one silent dealer: the phases time out and the other three qualify', () => {
    const ids = identities(4);
    const { nodes, now } = freshDkg(ids, 3, { silent: [4] });
    const outs = outputs(nodes);
    expect(outs).toHaveLength(3);
    for (const o of outs) {
      expect(o.qualified).toEqual([1, 2, 3]);
      expect(o.excluded).toEqual([{ dealer: 4, reason: 'NO_DEAL' }]);
      expect(o.publicShares).toHaveLength(4);
    }
    expect(now).toBeGreaterThanOrEqual(TIMEOUTS.deal);
    checkConsistent(outs, 3);
  });

  it('two silent dealers of n=4 t=3: fails with NOT_ENOUGH_QUALIFIED naming them', () => {
    const ids = identities(4);
    const { nodes } = freshDkg(ids, 3, { silent: [3, 4] });
    for (const n of nodes.values()) {
      expect(n.done).toBeUndefined();
      expect(n.failed?.code).toBe('NOT_ENOUGH_QUALIFIED');
      expect(n.failed?.missing).toEqual([3, 4]);
      expect(n.failed?.error).toBeInstanceOf(DkgError);
      expect(n.failed?.message).toContain('missing: [3, 4]');
    }
  });

  it('an equivocating dealer (two different signed deals) is excluded', () => {
    const ids = identities(4);
    const sessionId = new Uint8Array(32).fill(9);
    const members = roster(ids);
    const init = (i: number) =>
      dkgInit({
        sessionId,
        members,
        threshold: 3,
        self: { index: i, secretKey: ids[i - 1]!.secretKey },
        now: 0,
        timeouts: TIMEOUTS,
      });
    const a = init(1);
    const deal1 = init(2).out[0]!;
    const deal2 = init(2).out[0]!; // a second, different deal from the same dealer
    let s = dkgStep(a.state, { type: 'bundle', bundle: deal1 }, 1).state;
    s = dkgStep(s, { type: 'bundle', bundle: deal2 }, 2).state;
    expect(s.cheaters.get(2)).toBe('EQUIVOCATION');
  });

  it('ignores bundles with a bad signature, another session or an unknown sender', () => {
    const ids = identities(4);
    const members = roster(ids);
    const mk = (sessionId: Uint8Array, i: number) =>
      dkgInit({
        sessionId,
        members,
        threshold: 3,
        self: { index: i, secretKey: ids[i - 1]!.secretKey },
        now: 0,
        timeouts: TIMEOUTS,
      });
    const s1 = new Uint8Array(32).fill(1);
    const a = mk(s1, 1);
    const deal = mk(s1, 2).out[0]! as Extract<DkgBundle, { type: 'deal' }>;
    const forged = { ...deal, signature: deal.signature.map((x, i) => (i === 0 ? x ^ 1 : x)) };
    expect(dkgStep(a.state, { type: 'bundle', bundle: forged }, 1).ignored?.code).toBe('BAD_SIGNATURE');
    const other = mk(new Uint8Array(32).fill(2), 2).out[0]!;
    expect(dkgStep(a.state, { type: 'bundle', bundle: other }, 1).ignored?.code).toBe('WRONG_SESSION');
    const stranger = { ...deal, dealer: 9 };
    expect(dkgStep(a.state, { type: 'bundle', bundle: stranger }, 1).ignored?.code).toBe('UNKNOWN_SENDER');
    expect(dkgStep(a.state, { type: 'bundle', bundle: a.out[0]! }, 1).ignored?.code).toBe('DUPLICATE');
  });

  it('rejects a bad configuration with DkgError BAD_CONFIG', () => {
    const ids = identities(3);
    const base = { sessionId: new Uint8Array(8), members: roster(ids), now: 0, timeouts: TIMEOUTS };
    const bad = [
      () => dkgInit({ ...base, threshold: 4, self: { index: 1, secretKey: ids[0]!.secretKey } }),
      () => dkgInit({ ...base, threshold: 2, self: { index: 1, secretKey: ids[1]!.secretKey } }),
      () => dkgInit({ ...base, threshold: 2, self: { index: 5, secretKey: ids[0]!.secretKey } }),
      () =>
        dkgInit({
          ...base,
          members: [...roster(ids), { index: 5, publicKey: new Uint8Array(32) }],
          threshold: 2,
          self: { index: 1, secretKey: ids[0]!.secretKey },
        }),
    ];
    for (const f of bad) expect(f).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
  });
});

describe('DKG bundle codec', () => {
  const ids = identities(3);
  const { out } = dkgInit({
    sessionId: new Uint8Array(16).fill(3),
    members: roster(ids),
    threshold: 2,
    self: { index: 1, secretKey: ids[0]!.secretKey },
    now: 0,
    timeouts: TIMEOUTS,
  });
  const deal = out[0]!;

  it('round-trips canonically', () => {
    const bytes = encodeDkgBundle(deal);
    expect(encodeDkgBundle(decodeDkgBundle(bytes))).toEqual(bytes);
  });

  it('typed errors: garbage, truncated, unknown field, non-canonical, oversized', () => {
    const bytes = encodeDkgBundle(deal);
    const code = (b: Uint8Array) => {
      try {
        decodeDkgBundle(b);
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(DkgError);
        return (e as DkgError).code;
      }
    };
    expect(code(new Uint8Array([0xff, 0x00]))).toBe('MALFORMED');
    expect(code(bytes.subarray(0, bytes.length - 3))).toBe('MALFORMED');
    // map(1) {"type": "deal"} with missing fields
    expect(code(new Uint8Array([0xa1, 0x64, 0x74, 0x79, 0x70, 0x65, 0x64, 0x64, 0x65, 0x61, 0x6c]))).toBe(
      'MALFORMED',
    );
    // non-minimal integer: dealer 1 encoded as 0x18 0x01 instead of 0x01
    const hex = toHex(bytes);
    const dealerKey = toHex(new TextEncoder().encode('dealer'));
    const at = hex.indexOf(dealerKey) + dealerKey.length;
    const nonMinimal = fromHex(`${hex.slice(0, at)}1801${hex.slice(at + 2)}`);
    expect(['NON_CANONICAL', 'MALFORMED']).toContain(code(new Uint8Array(nonMinimal)));
    expect(code(new Uint8Array((1 << 20) + 1))).toBe('OVERSIZED');
  });
});
