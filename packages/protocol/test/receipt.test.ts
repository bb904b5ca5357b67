import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { decodeSignedReceipt, encodeSignedReceipt } from '../src/codec/codec.js';
import { MAX_BYTES } from '../src/codec/limits.js';
import { receiptConfirmations } from '../src/compliance/receipts.js';
import { receiptFromJson, receiptToJson } from '../src/json.js';
import { signReceipt } from '../src/sign.js';
import { certificateHash, receiptHash } from '../src/signing.js';
import type { SignedReceipt, Validation } from '../src/types.js';
import { type ReceiptContext, validateReceipt, validateReceiptIntrinsic } from '../src/validation/receipt.js';
import { epochStart, labKeys, outsiderKey } from './helpers/fixtures.js';
import { makeNet } from './helpers/net.js';

const net = makeNet({ receiptDeadlineMs: 60_000 });
const cert = net.cert(1, 'PAUSED');
const hash = certificateHash(cert);
const now = epochStart(1) + 10_000;
const good = net.receipt({ lab: 'lab-b', certificateHash: hash });
const ctx = (over: Partial<ReceiptContext> = {}): ReceiptContext => ({
  genesis: net.genesis,
  networkId: net.networkId,
  now,
  certificate: cert,
  ...over,
});
const expectFail = (v: Validation, code: string, action: 'reject' | 'ignore') =>
  expect(v).toMatchObject({ ok: false, code, action });
const resign = (sr: SignedReceipt, over: Partial<SignedReceipt['receipt']>, key = labKeys[sr.receipt.lab]!) =>
  signReceipt({ ...sr.receipt, ...over }, key);

describe('receipt validation (R_*)', () => {
  it('accepts a lab receipt for a held certificate; round trips canonically', () => {
    expect(validateReceipt(good, ctx())).toEqual({ ok: true });
    expect(decodeSignedReceipt(encodeSignedReceipt(good))).toEqual(good);
  });
  it('R_SIZE: more than 32 hooks, or a hook name over 128 bytes', () => {
    const hooks = Array.from({ length: 33 }, (_, i) => ({
      name: `h${i}`,
      outcome: 'ok' as const,
      attempts: 1,
    }));
    // (such a receipt cannot even be signed: the encoder refuses it; a hostile one arrives with any signature)
    const unsigned = (over: Partial<SignedReceipt['receipt']>) => ({
      ...good,
      receipt: { ...good.receipt, ...over },
    });
    expectFail(validateReceipt(unsigned({ hooks }), ctx()), 'R_SIZE', 'reject');
    expectFail(
      validateReceipt(unsigned({ hooks: [{ name: 'x'.repeat(129), outcome: 'ok', attempts: 1 }] }), ctx()),
      'R_SIZE',
      'reject',
    );
    expect(() => decodeSignedReceipt(new Uint8Array(MAX_BYTES.signedReceipt + 1))).toThrow(/OVERSIZED/);
  });
  it('R_NETWORK: another network', () => {
    expectFail(
      validateReceipt(resign(good, { networkId: new Uint8Array(32) }), ctx()),
      'R_NETWORK',
      'reject',
    );
  });
  it('R_MEMBER: a receipt from a non-member is rejected', () => {
    expectFail(validateReceipt(resign(good, { lab: 'lab-x' }, outsiderKey), ctx()), 'R_MEMBER', 'reject');
  });
  it('R_HOOKS: duplicate hook names, ok after 0 attempts, hooks done after the receipt was issued', () => {
    const dup = [
      { name: 'a', outcome: 'ok' as const, attempts: 1 },
      { name: 'a', outcome: 'failed' as const, attempts: 3 },
    ];
    expectFail(validateReceipt(resign(good, { hooks: dup }), ctx()), 'R_HOOKS', 'reject');
    expectFail(
      validateReceipt(resign(good, { hooks: [{ name: 'a', outcome: 'ok', attempts: 0 }] }), ctx()),
      'R_HOOKS',
      'reject',
    );
    // A hook that never ran is reported as failed with 0 attempts: valid.
    expect(
      validateReceipt(resign(good, { hooks: [{ name: 'a', outcome: 'failed', attempts: 0 }] }), ctx()),
    ).toEqual({ ok: true });
    expectFail(
      validateReceipt(resign(good, { hooksDoneAt: good.receipt.issuedAt + 1 }), ctx()),
      'R_HOOKS',
      'reject',
    );
  });
  it('R_FROM_FUTURE: issued beyond now + skew', () => {
    expectFail(validateReceipt(resign(good, { issuedAt: now + 30_001 }), ctx()), 'R_FROM_FUTURE', 'ignore');
  });
  it('R_DUPLICATE, R_SUPERSEDED, R_QUOTA: a lab may send a newer receipt for a certificate, bounded', () => {
    const stored = { count: 1, newest: { hash: receiptHash(good), issuedAt: good.receipt.issuedAt } };
    expectFail(validateReceipt(good, ctx({ stored })), 'R_DUPLICATE', 'ignore');
    const older = resign(good, { issuedAt: good.receipt.issuedAt - 1 });
    expectFail(validateReceipt(older, ctx({ stored })), 'R_SUPERSEDED', 'ignore');
    const newer = resign(good, { issuedAt: good.receipt.issuedAt + 1 });
    expect(validateReceipt(newer, ctx({ stored }))).toEqual({ ok: true });
    expectFail(validateReceipt(newer, ctx({ stored: { ...stored, count: 8 } })), 'R_QUOTA', 'ignore');
  });
  it('R_UNKNOWN_CERTIFICATE (ignore: sync first) and R_CERTIFICATE (height/target differ from the named certificate)', () => {
    expectFail(validateReceipt(good, ctx({ certificate: null })), 'R_UNKNOWN_CERTIFICATE', 'ignore');
    expectFail(validateReceipt(resign(good, { height: 2 }), ctx()), 'R_CERTIFICATE', 'reject');
    expectFail(validateReceipt(resign(good, { target: 'REDUCED' }), ctx()), 'R_CERTIFICATE', 'reject');
    expectFail(
      validateReceipt(good, ctx({ certificate: net.cert(1, 'REDUCED') })),
      'R_CERTIFICATE',
      'reject',
    );
    // Without a lookup (undefined) the certificate rules are skipped.
    expect(validateReceipt(resign(good, { height: 2 }), ctx({ certificate: undefined }))).toEqual({
      ok: true,
    });
  });
  it('R_SIGNATURE: a forged signature, and a lab receipting for another lab', () => {
    expectFail(validateReceipt(resign(good, {}, outsiderKey), ctx()), 'R_SIGNATURE', 'reject');
    const forOther = signReceipt({ ...good.receipt, lab: 'lab-a' }, labKeys['lab-b']!);
    expectFail(validateReceipt(forOther, ctx()), 'R_SIGNATURE', 'reject');
    expectFail(validateReceiptIntrinsic(forOther, net.genesis, net.networkId), 'R_SIGNATURE', 'reject');
    expect(validateReceiptIntrinsic(good, net.genesis, net.networkId)).toEqual({ ok: true });
  });
  it('JSON view: flattened, with its hash; the hash is checked on the way back', () => {
    const j = receiptToJson(good);
    expect(j.hash).toBe(toHex(receiptHash(good)));
    expect(j).toMatchObject({ lab: 'lab-b', height: 1, target: 'PAUSED', certificateHash: toHex(hash) });
    expect(receiptFromJson(JSON.parse(JSON.stringify(j)))).toEqual(good);
    expect(receiptFromJson({ ...j, firstSeenAt: 5 })).toEqual(good);
    expect(() => receiptFromJson({ ...j, hash: '00'.repeat(32) })).toThrow(/hash does not match/);
  });
});

describe('receipt confirmations', () => {
  const appliedAt = epochStart(1);
  const deadline = appliedAt + 60_000;
  const failing = net.receipt({
    lab: 'lab-c',
    certificateHash: hash,
    hooks: [
      { name: 'sentinel', outcome: 'ok', attempts: 1 },
      { name: 'slurm', outcome: 'failed', attempts: 10 },
    ],
  });
  const fixed = resign(failing, {
    issuedAt: failing.receipt.issuedAt + 5_000,
    hooks: [
      { name: 'sentinel', outcome: 'ok', attempts: 1 },
      { name: 'slurm', outcome: 'ok', attempts: 11 },
    ],
  });
  const forOtherCert = net.receipt({ lab: 'lab-d', certificateHash: new Uint8Array(32).fill(9) });
  const status = (nowAt: number, receipts: { receipt: SignedReceipt; firstSeenAt?: number }[]) =>
    receiptConfirmations({ genesis: net.genesis, certificate: cert, appliedAt, now: nowAt, receipts }).map(
      (c) => `${c.lab}:${c.status}${c.late ? ':late' : ''}${c.failed.length ? `:${c.failed.join(',')}` : ''}`,
    );

  it('pending until the deadline, then not confirmed; confirmed or failing by the newest receipt', () => {
    const receipts = [
      { receipt: good, firstSeenAt: appliedAt + 1_000 },
      { receipt: failing, firstSeenAt: appliedAt + 2_000 },
      { receipt: forOtherCert },
    ];
    expect(status(deadline, receipts)).toEqual([
      'lab-a:pending',
      'lab-b:confirmed',
      'lab-c:failing:slurm',
      'lab-d:pending',
    ]);
    expect(status(deadline + 1, receipts)).toEqual([
      'lab-a:not-confirmed',
      'lab-b:confirmed',
      'lab-c:failing:slurm',
      'lab-d:not-confirmed',
    ]);
    // A newer receipt (the failed hook later succeeded) replaces the failing one; order does not matter.
    expect(status(deadline + 1, [{ receipt: fixed }, ...receipts])[2]).toBe('lab-c:confirmed');
  });
  it('a receipt that first reached this node after the deadline is confirmed but late', () => {
    expect(status(deadline + 10, [{ receipt: good, firstSeenAt: deadline + 5 }])[1]).toBe(
      'lab-b:confirmed:late',
    );
  });
});
