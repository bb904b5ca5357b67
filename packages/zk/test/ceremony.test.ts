import { toHex } from '@pausenet/crypto';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendsByOne, readBinFile } from '../src/ceremony/files.js';
import { groth16Verify, prepareVerificationKey, proofToBytes } from '../src/index.js';
import { releaseCurve } from '../src/prover.js';
import { runSetup } from './helpers/ceremony.js';
import { compileFixture } from './helpers/circom.js';

// The ceremony logic is circuit-agnostic: these run it on a tiny circuit (powers of tau 2^4) so they
// take seconds; ceremony.long.test.ts runs it on the real commitment circuit.
let tiny: { r1cs: Uint8Array; wasm: Uint8Array };
const cache = new Map<string, Uint8Array>();

beforeAll(() => {
  tiny = compileFixture('tiny');
});
afterAll(releaseCurve);

/** Flip one bit of a point in the middle of the Lagrange-basis tau·G1 section (12) of a prepared file. */
function flipLagrange(data: Uint8Array): Uint8Array {
  const section = readBinFile(data)!.sections.get(12)![0]!;
  const at = section.byteOffset - data.byteOffset + Math.floor(section.length / 2);
  const copy = new Uint8Array(data);
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
}

/** Flip one bit of a point in the middle of the accumulator's tau·G1 powers (section 2). */
function flipTauG1(data: Uint8Array): Uint8Array {
  const section = readBinFile(data)!.sections.get(2)![0]!;
  const at = section.byteOffset - data.byteOffset + Math.floor(section.length / 2);
  const copy = new Uint8Array(data);
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
}

describe('setup ceremony (real snarkjs, tiny circuit)', () => {
  it('4 members contribute to both phases; all agree on key and transcript; the key proves and verifies', async () => {
    const { participants } = await runSetup({
      members: 4,
      minContributors: 3,
      r1cs: tiny.r1cs,
      power: 4,
      cache,
    });
    expect(participants.every((p) => p.done)).toBe(true);
    const [first, ...rest] = participants.map((p) => p.done!);
    for (const o of rest) {
      expect(toHex(o.transcriptHash)).toBe(toHex(first!.transcriptHash));
      expect(o.verificationKeyBytes).toEqual(first!.verificationKeyBytes);
      expect(o.provingKey).toEqual(first!.provingKey);
    }
    expect(first!.contributors).toEqual({ phase1: [1, 2, 3, 4], phase2: [1, 2, 3, 4] });
    expect(first!.excluded).toEqual([]);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(
      { a: '3', b: '11' },
      { type: 'mem', data: tiny.wasm },
      { type: 'mem', data: first!.provingKey },
    );
    expect(await snarkjs.groth16.verify(first!.verificationKey, publicSignals, proof)).toBe(true);
    expect(await snarkjs.groth16.verify(first!.verificationKey, ['34', '3'], proof)).toBe(false);
    // The package's own verifier (no snarkjs) agrees on the ceremony's key of another circuit.
    const key = prepareVerificationKey(first!.verificationKey);
    expect(groth16Verify(key, publicSignals.map(BigInt), proofToBytes(proof))).toBe(true);
    expect(groth16Verify(key, [34n, 3n], proofToBytes(proof))).toBe(false);
  });

  it('a tampered phase-1 contribution is rejected by every other member and its member excluded', async () => {
    const { participants } = await runSetup({
      members: 3,
      minContributors: 2,
      r1cs: tiny.r1cs,
      power: 4,
      cache,
      corrupt: { index: 2, phase: 1, mutate: flipTauG1 },
    });
    const others = participants.filter((p) => p.name !== 'member-2');
    for (const p of others) {
      // Member 2's own view diverged (it accepted its honest file): its phase-2 contribution builds on
      // another key than everyone else's, so it is refused too (WRONG_PREV).
      expect(p.rejected[0]).toEqual({ index: 2, reason: 'BAD_CONTRIBUTION' });
      expect(p.done?.contributors).toEqual({ phase1: [1, 3], phase2: [1, 3] });
      expect(p.done?.excluded.map((e) => [e.phase, e.index, e.reason])).toEqual([
        [1, 2, 'BAD_CONTRIBUTION'],
        [2, 2, 'WRONG_PREV'],
      ]);
    }
    const keys = new Set(others.map((p) => toHex(p.done!.transcriptHash)));
    expect(keys.size).toBe(1);
  });
});

describe('setup ceremony: the prepared phase-1 file', () => {
  it('is computed by member 1 only, and a tampered one is rejected (BAD_PREPARED): member 2 prepares', async () => {
    const local = new Map<string, Uint8Array>();
    const { participants } = await runSetup({
      members: 3,
      minContributors: 2,
      r1cs: tiny.r1cs,
      power: 4,
      cache: local,
      corrupt: { index: 1, phase: 1, type: 'prepared', mutate: flipLagrange },
    });
    const others = participants.filter((p) => p.name !== 'member-1');
    for (const p of others) {
      expect(p.rejected).toEqual([{ index: 1, reason: 'BAD_PREPARED' }]);
      expect(p.done?.contributors.phase1).toEqual([1, 2, 3]);
    }
    expect(new Set(others.map((p) => toHex(p.done!.transcriptHash))).size).toBe(1);
    // Each prepared file was computed once (by its preparer): the memo holds one entry per distinct head.
    expect([...local.keys()].filter((k) => k.startsWith('prepared:')).length).toBe(1);
  });
});

describe('contribution chain check', () => {
  it('refuses a file that drops or changes an earlier contribution', async () => {
    const contribute = async (prev: Uint8Array, who: string) => {
      const out: { type: 'mem'; data?: Uint8Array } = { type: 'mem' };
      await snarkjs.powersOfTau.contribute({ type: 'mem', data: prev }, out, who, `${who} entropy`);
      return out.data!;
    };
    const fresh: { type: 'mem'; data?: Uint8Array } = { type: 'mem' };
    await snarkjs.powersOfTau.newAccumulator(await snarkjs.curves.getCurveFromName('bn128'), 4, fresh);
    const init = fresh.data!;
    const a = await contribute(init, 'a');
    const ab = await contribute(a, 'b');
    const restarted = await contribute(init, 'b'); // drops a's contribution
    const rewritten = await contribute(await contribute(init, 'x'), 'b'); // replaces it
    expect(extendsByOne('ptau', a, ab)).toBeNull();
    expect(extendsByOne('ptau', a, restarted)).toBe('not exactly one new contribution');
    expect(extendsByOne('ptau', a, rewritten)).toBe('an earlier contribution was changed or dropped');
    expect(extendsByOne('ptau', a, new Uint8Array(10))).toBe('not an iden3 binary file');
    // snarkjs alone accepts the rewritten chain: the check above is what keeps a's contribution in.
    expect(await snarkjs.powersOfTau.verify({ type: 'mem', data: rewritten })).toBe(true);
  });
});
