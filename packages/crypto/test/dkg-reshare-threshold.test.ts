import { describe, expect, it } from 'vitest';
import {
  blsSign,
  blsVerify,
  DkgError,
  type DkgOutput,
  type DkgStepResult,
  decodeDkgBundle,
  dkgInitReshare,
  dkgStep,
  recoverSignature,
  toHex,
  verifyPartial,
  verifyPublicShares,
} from '../src/index.js';
import { testDealer } from '../src/testing.js';
import {
  freshDkg,
  type Identity,
  identities,
  type Node,
  roster,
  runCeremony,
  TIMEOUTS,
} from './dkg-harness.js';

/**
 * Resharing at the threshold: exactly t old holders online (the case a running network meets when some
 * labs are down during `pausenet reshare`), fewer than t, a cheater among exactly t, new thresholds up
 * and down, a lab leaving, a recipient that was offline recovering its share from the public transcript.
 */

const MSG = new TextEncoder().encode('pausenet/v2/statement: height 9');

interface Committee {
  ids: Identity[];
  threshold: number;
  groupPublicKey: Uint8Array;
  publicShares: Uint8Array[];
  /** Secret share by member index. */
  shares: Map<number, Uint8Array>;
}

function fresh(n: number, t: number): Committee {
  const ids = identities(n);
  const outs = [...freshDkg(ids, t).nodes.values()].map((x) => x.done!);
  return {
    ids,
    threshold: t,
    groupPublicKey: outs[0]!.groupPublicKey,
    publicShares: outs[0]!.publicShares,
    shares: new Map(outs.map((o) => [o.index!, o.secretShare])),
  };
}

interface ReshareRun {
  nodes: Map<string, Node>;
  log: Uint8Array[];
  now: number;
  sessionId: Uint8Array;
  next: Identity[];
}

/**
 * Reshare `prev` to `next` (identities with their new indices) at threshold `t`. Only the old holders in
 * `dealers` (old indices) and the new members in `recipients` (new indices) take part; a process that is
 * both runs once. Node names: `old<i>` (deals only), `new<j>` (receives only), `m<i>-<j>` (both).
 */
function reshare(
  prev: Committee,
  next: Identity[],
  t: number,
  online: { dealers: number[]; recipients: number[] },
  /** A dishonest holder: the public shares its own config believes in, and the share it deals. */
  tamper?: (oldIndex: number) => { publicShares: Uint8Array[]; share: Uint8Array } | undefined,
): ReshareRun {
  const sessionId = new Uint8Array(32).fill(0x5e);
  const previous = {
    members: roster(prev.ids),
    threshold: prev.threshold,
    groupPublicKey: prev.groupPublicKey,
    publicShares: prev.publicShares,
  };
  const common = { sessionId, previous, members: roster(next), threshold: t, now: 0, timeouts: TIMEOUTS };
  const newIndexOf = (id: Identity) => next.find((m) => toHex(m.publicKey) === toHex(id.publicKey))?.index;
  const starts: { name: string; init: DkgStepResult }[] = [];
  const seen = new Set<string>();
  for (const i of online.dealers) {
    const id = prev.ids[i - 1]!;
    const lie = tamper?.(i);
    const j = newIndexOf(id);
    const asRecipient = j !== undefined && online.recipients.includes(j);
    if (asRecipient) seen.add(toHex(id.publicKey));
    starts.push({
      name: asRecipient ? `m${i}-${j}` : `old${i}`,
      init: dkgInitReshare({
        ...common,
        previous: lie ? { ...previous, publicShares: lie.publicShares } : previous,
        self: {
          secretKey: id.secretKey,
          ...(asRecipient && { index: j }),
          previous: { index: i, secretShare: lie?.share ?? prev.shares.get(i)! },
        },
      }),
    });
  }
  for (const j of online.recipients) {
    const id = next[j - 1]!;
    if (seen.has(toHex(id.publicKey))) continue;
    starts.push({
      name: `new${j}`,
      init: dkgInitReshare({ ...common, self: { secretKey: id.secretKey, index: j } }),
    });
  }
  const { nodes, log, now } = runCeremony(starts);
  return { nodes, log, now, sessionId, next };
}

/** The new committee: `stay` (old indices, in order) keep their identities, then `join` newcomers. */
function nextCommittee(prev: Committee, stay: number[], join: number): Identity[] {
  return [...stay.map((i) => prev.ids[i - 1]!), ...identities(join)].map((m, k) => ({ ...m, index: k + 1 }));
}

function outputs(run: ReshareRun): DkgOutput[] {
  return [...run.nodes.values()].map((n) => {
    expect(n.failed, n.failed?.message).toBeUndefined();
    return n.done!;
  });
}

/** Sign MSG with the given new shares (index -> share) and recover with threshold t. */
function groupSign(shares: Map<number, Uint8Array>, indices: number[], t: number): Uint8Array {
  return recoverSignature(
    indices.map((index) => ({ index, signature: blsSign(shares.get(index)!, MSG) })),
    t,
  );
}

describe('resharing with exactly t old holders online', () => {
  it('4 -> 5 (a lab joins, t 3 -> 4) with old holder 4 offline: 3 dealers suffice, the group key stays', () => {
    const prev = fresh(4, 3);
    const next = nextCommittee(prev, [1, 2, 3, 4], 1);
    // Old holders 1..3 online (exactly t_old = 3); old holder 4 (also new member 4) is down; newcomer 5 is up.
    const run = reshare(prev, next, 4, { dealers: [1, 2, 3], recipients: [1, 2, 3, 5] });
    const outs = outputs(run);
    for (const o of outs) {
      expect(toHex(o.groupPublicKey)).toBe(toHex(prev.groupPublicKey));
      expect(o.qualified).toEqual([1, 2, 3]);
      expect(o.excluded).toEqual([{ dealer: 4, reason: 'NO_DEAL' }]);
      expect(o.threshold).toBe(4);
      expect(toHex(o.transcriptHash)).toBe(toHex(outs[0]!.transcriptHash));
      expect(o.publicShares.map(toHex)).toEqual(outs[0]!.publicShares.map(toHex));
    }
    const shares = new Map(outs.map((o) => [o.index!, o.secretShare]));
    expect([...shares.keys()].sort()).toEqual([1, 2, 3, 5]);
    // The four online new members (exactly t' = 4, the newcomer among them) sign for the unchanged key.
    expect(blsVerify(prev.groupPublicKey, MSG, groupSign(shares, [1, 2, 3, 5], 4))).toBe(true);
    expect(verifyPublicShares(prev.groupPublicKey, outs[0]!.publicShares, 4)).toBe(true);

    // Member 4 was offline: the ceremony's bundles are public (encrypted shares), so it derives its share
    // later by replaying them as a recipient only (it must not deal: a late deal would change nothing for
    // the others but would split its own view).
    let late = dkgInitReshare({
      sessionId: run.sessionId,
      previous: {
        members: roster(prev.ids),
        threshold: 3,
        groupPublicKey: prev.groupPublicKey,
        publicShares: prev.publicShares,
      },
      members: roster(next),
      threshold: 4,
      now: run.now,
      timeouts: TIMEOUTS,
      self: { secretKey: next[3]!.secretKey, index: 4 },
    });
    let now = run.now;
    for (const bytes of run.log)
      late = dkgStep(late.state, { type: 'bundle', bundle: decodeDkgBundle(bytes) }, now);
    while (!late.done && !late.failed) {
      now += 250;
      late = dkgStep(late.state, { type: 'tick' }, now);
    }
    expect(late.failed?.message).toBeUndefined();
    const o4 = late.done!;
    expect(o4.index).toBe(4);
    // Same qualified dealers, hence the same public shares (what the amendment certifies). Its transcript
    // hash is its own view: it also holds its own response, which complains about the missing dealer 4.
    expect(o4.qualified).toEqual([1, 2, 3]);
    expect(o4.publicShares.map(toHex)).toEqual(outs[0]!.publicShares.map(toHex));
    shares.set(4, o4.secretShare);
    expect(blsVerify(prev.groupPublicKey, MSG, groupSign(shares, [2, 3, 4, 5], 4))).toBe(true);
  });

  it('5 -> 4 (a lab leaves, t 4 -> 3) with exactly 4 old holders online, the leaver among them', () => {
    const prev = fresh(5, 4);
    // Old member 3 leaves; old 4 and 5 become new 3 and 4. Old 5 (new 4) is offline.
    const next = nextCommittee(prev, [1, 2, 4, 5], 0);
    const run = reshare(prev, next, 3, { dealers: [1, 2, 3, 4], recipients: [1, 2, 3] });
    const outs = outputs(run);
    for (const o of outs) {
      expect(toHex(o.groupPublicKey)).toBe(toHex(prev.groupPublicKey));
      expect(o.qualified).toEqual([1, 2, 3, 4]);
      expect(o.publicShares).toHaveLength(4);
    }
    const leaver = run.nodes.get('old3')!.done!;
    expect(leaver.index).toBeNull();
    expect(leaver.secretShare).toHaveLength(0);
    const shares = new Map(outs.filter((o) => o.index !== null).map((o) => [o.index!, o.secretShare]));
    expect(blsVerify(prev.groupPublicKey, MSG, groupSign(shares, [1, 2, 3], 3))).toBe(true);
    expect(verifyPublicShares(prev.groupPublicKey, outs[0]!.publicShares, 3)).toBe(true);
    // The leaver's old share no longer verifies as any new member's partial...
    const oldPartial = blsSign(prev.shares.get(3)!, MSG);
    for (const p of outs[0]!.publicShares) expect(verifyPartial(p, MSG, oldPartial)).toBe(false);
    // ...but the old sharing is still a sharing of the same secret: t_old old shares (the leaver's and
    // three others kept past the activation window) still sign for the group key. That is why honest holders
    // delete their old share once the new one is in use (docs/protocol.md "When an old share is useless").
    expect(blsVerify(prev.groupPublicKey, MSG, groupSign(prev.shares, [1, 2, 3, 4], 4))).toBe(true);
  });

  it('fewer than t old holders online: the reshare fails (NOT_ENOUGH_QUALIFIED) naming the missing dealers', () => {
    const prev = fresh(4, 3);
    const next = nextCommittee(prev, [1, 2, 3, 4], 1);
    const run = reshare(prev, next, 4, { dealers: [1, 2], recipients: [1, 2, 5] });
    for (const n of run.nodes.values()) {
      expect(n.done).toBeUndefined();
      expect(n.failed?.code).toBe('NOT_ENOUGH_QUALIFIED');
      expect(n.failed?.missing).toEqual([3, 4]);
      expect(n.failed?.error).toBeInstanceOf(DkgError);
      expect(n.state.polynomial).toBeNull();
    }
  });

  it('exactly t online and one of them deals a mismatched constant term: typed rejection, no new key', () => {
    const prev = fresh(4, 3);
    const next = nextCommittee(prev, [1, 2, 3, 4], 1);
    // Holder 3 deals member 1's share while claiming index 3 (its own config believes publicShares[2] is
    // publicShares[0], so its local check passes; every other participant checks against the real one).
    const run = reshare(prev, next, 4, { dealers: [1, 2, 3], recipients: [1, 2, 3, 5] }, (i) =>
      i === 3
        ? {
            publicShares: prev.publicShares.map((p, k) => (k === 2 ? prev.publicShares[0]! : p)),
            share: prev.shares.get(1)!,
          }
        : undefined,
    );
    for (const [name, n] of run.nodes) {
      if (name === 'm3-3') continue;
      expect(n.rejected.map((r) => [r.dealer, r.reason])).toEqual([[3, 'RESHARE_MISMATCH']]);
      // Two honest dealers are fewer than t_old = 3: the ceremony fails rather than produce other shares.
      expect(n.failed?.code).toBe('NOT_ENOUGH_QUALIFIED');
      expect(n.failed?.cheaters).toEqual([{ dealer: 3, reason: 'RESHARE_MISMATCH' }]);
      expect(n.failed?.missing).toEqual([4]);
    }
  });

  it('the threshold can go up to n and down to 1 over the same key; a threshold above the new committee is BAD_CONFIG', () => {
    const prev = fresh(3, 2);
    const same = nextCommittee(prev, [1, 2, 3], 0);
    for (const t of [3, 1]) {
      const run = reshare(prev, same, t, { dealers: [1, 2], recipients: [1, 2, 3] });
      const outs = outputs(run);
      const shares = new Map(outs.filter((o) => o.index !== null).map((o) => [o.index!, o.secretShare]));
      expect(blsVerify(prev.groupPublicKey, MSG, groupSign(shares, [1, 2, 3].slice(0, t), t))).toBe(true);
      expect(verifyPublicShares(prev.groupPublicKey, outs[0]!.publicShares, t)).toBe(true);
    }
    expect(() =>
      dkgInitReshare({
        sessionId: new Uint8Array(4).fill(1),
        previous: {
          members: roster(prev.ids),
          threshold: 2,
          groupPublicKey: prev.groupPublicKey,
          publicShares: prev.publicShares,
        },
        members: roster(same),
        threshold: 4,
        now: 0,
        timeouts: TIMEOUTS,
        self: { secretKey: same[0]!.secretKey, index: 1 },
      }),
    ).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
  });
});

describe('verifyPublicShares', () => {
  it('accepts a Shamir sharing of the group key at its threshold, refuses anything else', () => {
    const k = testDealer(5, 3);
    expect(verifyPublicShares(k.groupPublicKey, k.publicShares, 3)).toBe(true);
    // A threshold below the sharing's is false (2 points do not determine a degree-2 polynomial); a
    // higher one is true (any 4 of these shares do recover the key), outside 1..n false.
    expect(verifyPublicShares(k.groupPublicKey, k.publicShares, 2)).toBe(false);
    expect(verifyPublicShares(k.groupPublicKey, k.publicShares, 4)).toBe(true);
    expect(verifyPublicShares(k.groupPublicKey, k.publicShares, 6)).toBe(false);
    expect(verifyPublicShares(k.groupPublicKey, k.publicShares, 0)).toBe(false);
    // Another key, shares swapped, a share from another sharing, a malformed point.
    const other = testDealer(5, 3);
    expect(verifyPublicShares(other.groupPublicKey, k.publicShares, 3)).toBe(false);
    const swapped = [...k.publicShares];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    expect(verifyPublicShares(k.groupPublicKey, swapped, 3)).toBe(false);
    expect(
      verifyPublicShares(k.groupPublicKey, [...k.publicShares.slice(0, 4), other.publicShares[4]!], 3),
    ).toBe(false);
    const bad = new Uint8Array(48);
    bad[0] = 0xc0;
    expect(verifyPublicShares(k.groupPublicKey, [...k.publicShares.slice(0, 4), bad], 3)).toBe(false);
    expect(verifyPublicShares(bad, k.publicShares, 3)).toBe(false);
  });
});
