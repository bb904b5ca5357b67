import { describe, expect, it } from 'vitest';
import {
  blsSecretToPublic,
  blsSign,
  blsVerify,
  type DkgOutput,
  dkgInitReshare,
  recoverSignature,
  toHex,
  verifyPartial,
} from '../src/index.js';
import { freshDkg, type Identity, identities, roster, runCeremony, TIMEOUTS } from './dkg-harness.js';

const MSG = new TextEncoder().encode('pause at height 7');

describe('DKG resharing', () => {
  it('4 -> 5 members (one leaves, two join, t 3 -> 4): same group key, new shares sign, old shares do not fit', () => {
    // Fresh 4-member committee, t=3.
    const old = identities(4);
    const first = freshDkg(old, 3);
    const oldOut = [...first.nodes.values()].map((n) => n.done!);
    const prev = oldOut[0]!;

    // New committee: old members 1..3 (new indices 1..3) plus two newcomers; old member 4 leaves.
    const newcomers = identities(2);
    const next: Identity[] = [
      ...old.slice(0, 3),
      { ...newcomers[0]!, index: 4 },
      { ...newcomers[1]!, index: 5 },
    ].map((m, i) => ({ ...m, index: i + 1 }));
    const sessionId = new Uint8Array(32).fill(0x42);
    const previous = {
      members: roster(old),
      threshold: 3,
      groupPublicKey: prev.groupPublicKey,
      publicShares: prev.publicShares,
    };
    const common = { sessionId, previous, members: roster(next), threshold: 4, now: 0, timeouts: TIMEOUTS };
    const shareOf = (oldIndex: number) => oldOut.find((o) => o.index === oldIndex)!.secretShare;
    const starts = [
      // old 1..3 stay (dealers and recipients)
      ...[1, 2, 3].map((i) => ({
        name: `n${i}`,
        init: dkgInitReshare({
          ...common,
          self: {
            secretKey: old[i - 1]!.secretKey,
            index: i,
            previous: { index: i, secretShare: shareOf(i) },
          },
        }),
      })),
      // old 4 deals only (leaving)
      {
        name: 'old4',
        init: dkgInitReshare({
          ...common,
          self: { secretKey: old[3]!.secretKey, previous: { index: 4, secretShare: shareOf(4) } },
        }),
      },
      // newcomers receive only
      ...[4, 5].map((i) => ({
        name: `n${i}`,
        init: dkgInitReshare({ ...common, self: { secretKey: next[i - 1]!.secretKey, index: i } }),
      })),
    ];
    const { nodes } = runCeremony(starts);
    const outs: DkgOutput[] = [...nodes.values()].map((n) => {
      expect(n.failed, n.failed?.message).toBeUndefined();
      return n.done!;
    });
    for (const o of outs) {
      expect(toHex(o.groupPublicKey)).toBe(toHex(prev.groupPublicKey));
      expect(o.qualified).toEqual([1, 2, 3, 4]);
      expect(o.threshold).toBe(4);
      expect(o.publicShares).toHaveLength(5);
      expect(toHex(o.transcriptHash)).toBe(toHex(outs[0]!.transcriptHash));
    }
    const leaver = nodes.get('old4')!.done!;
    expect(leaver.index).toBeNull();
    expect(leaver.secretShare).toHaveLength(0);

    const members = outs.filter((o) => o.index !== null).sort((a, b) => a.index! - b.index!);
    expect(members).toHaveLength(5);
    for (const o of members)
      expect(toHex(blsSecretToPublic(o.secretShare))).toBe(toHex(o.publicShares[o.index! - 1]!));
    // Any 4 new shares (here 2..5, including both newcomers) sign for the unchanged group key.
    const partials = members
      .slice(1)
      .map((o) => ({ index: o.index!, signature: blsSign(o.secretShare, MSG) }));
    for (const p of partials)
      expect(verifyPartial(members[0]!.publicShares[p.index - 1]!, MSG, p.signature)).toBe(true);
    expect(blsVerify(prev.groupPublicKey, MSG, recoverSignature(partials, 4))).toBe(true);
    // Old shares are not usable with the new public shares.
    for (const i of [1, 2, 3]) {
      const oldPartial = blsSign(shareOf(i), MSG);
      expect(verifyPartial(members[0]!.publicShares[i - 1]!, MSG, oldPartial)).toBe(false);
    }
  });

  it('a holder dealing a share that does not match its old public share is rejected (RESHARE_MISMATCH) and excluded', () => {
    const old = identities(4);
    const prevOut = [...freshDkg(old, 3).nodes.values()].map((n) => n.done!);
    const prev = prevOut[0]!;
    const previous = {
      members: roster(old),
      threshold: 3,
      groupPublicKey: prev.groupPublicKey,
      publicShares: prev.publicShares,
    };
    const common = {
      sessionId: new Uint8Array(8).fill(5),
      previous,
      members: roster(old),
      threshold: 3,
      now: 0,
      timeouts: TIMEOUTS,
    };
    const share = (i: number) => prevOut.find((o) => o.index === i)!.secretShare;
    // Dealer 4 lies about which public share it holds: it declares member 4's identity but deals share 1.
    const liar = dkgInitReshare({
      ...common,
      previous: {
        ...previous,
        publicShares: previous.publicShares.map((p, i) => (i === 3 ? previous.publicShares[0]! : p)),
      },
      self: { secretKey: old[3]!.secretKey, index: 4, previous: { index: 4, secretShare: share(1) } },
    });
    const starts = [
      ...[1, 2, 3].map((i) => ({
        name: `m${i}`,
        init: dkgInitReshare({
          ...common,
          self: { secretKey: old[i - 1]!.secretKey, index: i, previous: { index: i, secretShare: share(i) } },
        }),
      })),
      { name: 'm4', init: liar },
    ];
    const { nodes } = runCeremony(starts);
    for (const name of ['m1', 'm2', 'm3']) {
      const node = nodes.get(name)!;
      const o = node.done!;
      expect(o.excluded).toEqual([{ dealer: 4, reason: 'RESHARE_MISMATCH' }]);
      expect(toHex(o.groupPublicKey)).toBe(toHex(prev.groupPublicKey));
      // The step that received the deal names the dealer and the fault, so the transport can penalise it.
      expect(node.rejected).toEqual([
        {
          dealer: 4,
          reason: 'RESHARE_MISMATCH',
          detail: "dealer 4: constant-term commitment differs from the dealer's old public share",
        },
      ]);
    }
  });
});
