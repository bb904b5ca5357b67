import { bls12_381 } from '@noble/curves/bls12-381.js';
import { blsSign, recoverSignature } from '@pausenet/crypto';
import { fromHex, statementBytes as protocolStatementBytes, toHex } from '@pausenet/protocol/browser';
import { testDealer } from '@pausenet/testkit';
import { describe, expect, it } from 'vitest';
import type { CertificateJson, GenesisJson } from '../../src/api.js';
import {
  BLS_POP_DST,
  checkChain,
  checkStatement,
  verifyBls,
  verifyCertificate,
  verifyCertificateFull,
} from '../../src/verify.js';

const sigs = bls12_381.longSignatures;
const networkId = new Uint8Array(32).map((_, i) => i * 7 + 1);
const nidHex = toHex(networkId);

/** A certificate signed directly with a group secret key by noble (independent of the page code). */
function nobleCert(height: number, target: 'RUNNING' | 'PAUSED') {
  const sk = sigs.keygen().secretKey;
  const pk = sigs.getPublicKey(sk).toBytes();
  const step = target === 'RUNNING' ? 'down' : 'up';
  const statement = protocolStatementBytes({ networkId, height, target, step, resolves: [] });
  const sig = sigs.sign(sigs.hash(statement, BLS_POP_DST), sk).toBytes();
  const cert: CertificateJson = {
    hash: 'ab'.repeat(32),
    height,
    target,
    step,
    statement: toHex(statement),
    signature: toHex(sig),
    signers: ['lab-a', 'lab-b'],
  };
  return { pk: toHex(pk), cert };
}

function flipHex(hex: string, at: number): string {
  const b = fromHex(hex);
  b[at] = b[at]! ^ 0x01;
  return toHex(b);
}

describe('in-page certificate verifier', () => {
  it('checks statements with @pausenet/protocol byte for byte (v2: level byte, step by the resolves digest)', () => {
    const ids = [new Uint8Array(32).fill(0x11), new Uint8Array(32).fill(0x22)];
    type Target = 'PAUSED' | 'REDUCED' | 'RUNNING';
    const certFor = (
      height: number,
      target: Target,
      step: 'up' | 'down',
      resolves: readonly Uint8Array[],
    ) => ({
      hash: 'ab'.repeat(32),
      height,
      target,
      step,
      statement: toHex(protocolStatementBytes({ networkId, height, target, step, resolves })),
      signature: '',
      signers: [],
      resolves: resolves.map(toHex),
    });
    for (const [h, t, step, resolves] of [
      [1, 'PAUSED', 'up', []],
      [1, 'REDUCED', 'up', []],
      [2, 'RUNNING', 'down', []],
      [2, 'RUNNING', 'down', ids],
      [2, 'REDUCED', 'down', ids],
      [2 ** 40 + 3, 'PAUSED', 'up', []],
    ] as const) {
      expect(checkStatement(nidHex, certFor(h, t, step, resolves))).toEqual({ ok: true });
    }
    const bad = (detail: RegExp) => ({
      ok: false,
      code: 'BAD_STATEMENT',
      detail: expect.stringMatching(detail),
    });
    const swapped = { ...certFor(2, 'RUNNING', 'down', ids), resolves: [toHex(ids[1]!), toHex(ids[0]!)] };
    expect(checkStatement(nidHex, swapped)).toMatchObject(bad(/ascending/));
    const upToRunning = { ...certFor(2, 'RUNNING', 'down', []), step: 'up' as const };
    expect(checkStatement(nidHex, upToRunning)).toMatchObject(bad(/step up cannot target RUNNING/));
    const downToPaused = { ...certFor(1, 'PAUSED', 'up', []), step: 'down' as const };
    expect(checkStatement(nidHex, downToPaused)).toMatchObject(bad(/step down cannot target PAUSED/));
  });

  it('a resume certificate names what it resolves: another set under the same signature is a BAD_STATEMENT', () => {
    const sk = sigs.keygen().secretKey;
    const pk = toHex(sigs.getPublicKey(sk).toBytes());
    const resolves = [new Uint8Array(32).fill(0x0a), new Uint8Array(32).fill(0x0b)];
    const statement = protocolStatementBytes({
      networkId,
      height: 2,
      target: 'RUNNING',
      step: 'down',
      resolves,
    });
    const cert: CertificateJson = {
      hash: 'ab'.repeat(32),
      height: 2,
      target: 'RUNNING',
      step: 'down',
      statement: toHex(statement),
      signature: toHex(sigs.sign(sigs.hash(statement, BLS_POP_DST), sk).toBytes()),
      signers: ['lab-a', 'lab-b'],
      resolves: resolves.map(toHex),
    };
    expect(verifyCertificateFull(pk, nidHex, cert)).toEqual({ ok: true });
    expect(verifyCertificateFull(pk, nidHex, { ...cert, resolves: [cert.resolves![0]!] })).toMatchObject({
      ok: false,
      code: 'BAD_STATEMENT',
    });
  });

  it('accepts a real certificate signed with noble under the group key', () => {
    const { pk, cert } = nobleCert(1, 'PAUSED');
    expect(verifyCertificate(pk, cert)).toEqual({ ok: true });
    expect(verifyCertificateFull(pk, nidHex, cert)).toEqual({ ok: true });
  });

  it('accepts a threshold certificate recovered from 3-of-5 partials by @pausenet/crypto (blst)', () => {
    const dealt = testDealer(5, 3);
    const msg = protocolStatementBytes({ networkId, height: 3, target: 'PAUSED', step: 'up', resolves: [] });
    const signature = recoverSignature(
      [2, 3, 5].map((index) => ({ index, signature: blsSign(dealt.shares[index - 1]!, msg) })),
      3,
    );
    const cert: CertificateJson = {
      hash: '00'.repeat(32),
      height: 3,
      target: 'PAUSED',
      step: 'up',
      statement: toHex(msg),
      signature: toHex(signature),
      signers: ['lab-b', 'lab-c', 'lab-e'],
    };
    expect(verifyCertificateFull(toHex(dealt.groupPublicKey), nidHex, cert)).toEqual({ ok: true });
    // A single partial is not the group signature.
    const partialOnly = { ...cert, signature: toHex(blsSign(dealt.shares[0]!, msg)) };
    expect(verifyCertificate(toHex(dealt.groupPublicKey), partialOnly)).toMatchObject({
      ok: false,
      code: 'BAD_SIGNATURE',
    });
  });

  it('rejects a tampered statement, signature, key or target', () => {
    const { pk, cert } = nobleCert(1, 'PAUSED');
    // Statement changed to "height 1 -> RUNNING": signature no longer matches.
    const otherStatement = toHex(
      protocolStatementBytes({ networkId, height: 1, target: 'RUNNING', step: 'down', resolves: [] }),
    );
    expect(verifyCertificate(pk, { ...cert, statement: otherStatement })).toMatchObject({
      ok: false,
      code: 'BAD_SIGNATURE',
    });
    // Labelled PAUSED at height 2 but the signed statement says height 1: the statement check catches it.
    expect(verifyCertificateFull(pk, nidHex, { ...cert, height: 2 })).toMatchObject({
      ok: false,
      code: 'BAD_STATEMENT',
    });
    // Labelled REDUCED but the group signed PAUSED: the level byte differs.
    expect(verifyCertificateFull(pk, nidHex, { ...cert, target: 'REDUCED' })).toMatchObject({
      ok: false,
      code: 'BAD_STATEMENT',
    });
    // Another network's id.
    expect(checkStatement(flipHex(nidHex, 0), cert)).toMatchObject({ ok: false, code: 'BAD_STATEMENT' });
    // One flipped bit in the signature's x coordinate: not on the curve or a wrong signature.
    const bad = verifyCertificate(pk, { ...cert, signature: flipHex(cert.signature, 60) });
    expect(bad.ok).toBe(false);
    // A different group key.
    const other = nobleCert(1, 'PAUSED').pk;
    expect(verifyCertificate(other, cert)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
  });

  it('reports malformed input with a code and never throws', () => {
    const { pk, cert } = nobleCert(1, 'PAUSED');
    expect(verifyCertificate(undefined, cert)).toMatchObject({ ok: false, code: 'NO_GROUP_KEY' });
    expect(verifyCertificate(pk, { ...cert, signature: 'zz' })).toMatchObject({ ok: false, code: 'BAD_HEX' });
    expect(verifyCertificate(pk, { ...cert, signature: cert.signature.slice(2) })).toMatchObject({
      ok: false,
      code: 'BAD_LENGTH',
    });
    expect(verifyCertificate(pk.slice(2), cert)).toMatchObject({ ok: false, code: 'BAD_LENGTH' });
    // Compressed identity in G1 (0xc0 ‖ 0…): KeyValidate rejects it.
    expect(verifyCertificate(`c0${'00'.repeat(47)}`, cert)).toMatchObject({ ok: false });
    expect(verifyBls(new Uint8Array(48).fill(0xff), new Uint8Array(1), new Uint8Array(96))).toMatchObject({
      ok: false,
      code: 'BAD_POINT',
    });
  });

  // ethereum/bls12-381-tests v0.1.2 verify cases (CC0), ciphersuite ..._POP_.
  it('agrees with the Ethereum BLS verify vectors', () => {
    const pk =
      'b301803f8b5ac4a1133581fc676dfedc60d891dd5fa99028805e5ea5b08d3491af75d0707adab3b70c6a6a580217bf81';
    const msg = '00'.repeat(32);
    const sig =
      'b23c46be3a001c63ca711f87a005c200cc550b9429d5f4eb38d74322144f1b63926da3388979e5321012fb1a0526bcd100b5ef5fe72628ce4cd5e904aeaa3279527843fae5ca9ca675f4f51ed8f83bbf7155da9ecc9663100a885d5dc6df96d9';
    expect(verifyBls(fromHex(pk), fromHex(msg), fromHex(sig))).toEqual({ ok: true });
    expect(verifyBls(fromHex(pk), fromHex('56'.repeat(32)), fromHex(sig)).ok).toBe(false);
    expect(verifyBls(fromHex(pk), fromHex(msg), fromHex(`${sig.slice(0, -8)}ffffffff`)).ok).toBe(false);
  });
});

describe('checkChain', () => {
  const genesis = {
    threshold: 2,
    members: [{ id: 'lab-a' }, { id: 'lab-b' }, { id: 'lab-c' }],
  } as unknown as GenesisJson;
  const c = (
    height: number,
    target: 'RUNNING' | 'REDUCED' | 'PAUSED',
    signers: string[],
    step: 'up' | 'down' = target === 'RUNNING' ? 'down' : 'up',
  ): CertificateJson => ({
    hash: '',
    height,
    target,
    step,
    statement: '',
    signature: '',
    signers,
  });

  it('accepts 1..n alternating with enough member signers', () => {
    expect(
      checkChain([c(2, 'RUNNING', ['lab-a', 'lab-c']), c(1, 'PAUSED', ['lab-a', 'lab-b'])], genesis),
    ).toEqual([]);
  });

  it('accepts escalations within a height: REDUCED then PAUSED at 1, a step down at 2', () => {
    const ab = ['lab-a', 'lab-b'];
    expect(
      checkChain(
        [c(1, 'PAUSED', ab), c(2, 'REDUCED', ab, 'down'), c(1, 'REDUCED', ab), c(2, 'PAUSED', ab)],
        genesis,
      ),
    ).toEqual([]);
  });

  it('flags gaps, impossible steps, too few, duplicate and unknown signers', () => {
    const issues = checkChain(
      [c(1, 'RUNNING', ['lab-a', 'lab-a'], 'up'), c(3, 'PAUSED', ['lab-a', 'lab-x'])],
      genesis,
    ).map((i) => `${i.height}:${i.detail}`);
    expect(issues).toEqual([
      '1:a step up cannot move to RUNNING',
      '1:duplicate signer',
      '1:1 signers, threshold is 2',
      '3:signer lab-x is not a member',
      '2:height 2 is missing',
    ]);
  });

  it('flags two certificates of one level at a height and a step down above a lower level', () => {
    // The chain's structure is protocol's chainProblem: its first problem, so one chain per problem.
    const ab = ['lab-a', 'lab-b'];
    const issues = (certs: CertificateJson[]) =>
      checkChain(certs, genesis).map((i) => `${i.height}:${i.detail}`);
    expect(issues([c(1, 'PAUSED', ab), c(1, 'PAUSED', ab)])).toEqual([
      '1:two steps up to PAUSED or lower at height 1: levels within a height strictly increase',
    ]);
    expect(issues([c(1, 'PAUSED', ab), c(2, 'RUNNING', ab), c(2, 'REDUCED', ab, 'down')])).toEqual([
      '2:two steps down at height 2',
    ]);
    expect(issues([c(1, 'REDUCED', ab, 'down')])).toEqual([
      '1:the step down to REDUCED at height 1 is not below the level certified at height 0',
    ]);
  });
});
