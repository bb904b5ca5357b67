import { describe, expect, it } from 'vitest';
import { blsSign, blsVerify, recoverSignature, toHex } from '../src/index.js';
import { freshDkg, identities } from './dkg-harness.js';

describe('DKG at scale (npm run test:long)', () => {
  it('n=64 t=43 honest, all members simulated in one thread', () => {
    const { nodes } = freshDkg(identities(64), 43);
    const outs = [...nodes.values()].map((n) => n.done!);
    const gk = toHex(outs[0]!.groupPublicKey);
    for (const o of outs) expect(toHex(o.groupPublicKey)).toBe(gk);
    const msg = new Uint8Array([1, 2, 3]);
    const partials = outs.slice(21).map((o) => ({ index: o.index!, signature: blsSign(o.secretShare, msg) }));
    expect(blsVerify(outs[0]!.groupPublicKey, msg, recoverSignature(partials, 43))).toBe(true);
  });
});
