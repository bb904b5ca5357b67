import { describe, expect, it } from 'vitest';
import { ed25519Generate, ed25519PublicKey, ed25519Sign, ed25519Verify } from '../src/index.js';

describe('ed25519', () => {
  const msg = new TextEncoder().encode('pausenet');

  it('signs and verifies; a wrong key, message or signature does not verify', () => {
    const a = ed25519Generate();
    const b = ed25519Generate();
    const sig = ed25519Sign(a.secretKey, msg);
    expect(sig).toHaveLength(64);
    expect(ed25519Verify(a.publicKey, msg, sig)).toBe(true);
    expect(ed25519Verify(b.publicKey, msg, sig)).toBe(false);
    expect(ed25519Verify(a.publicKey, new Uint8Array([1, ...msg]), sig)).toBe(false);
    const bad = sig.slice();
    bad[0] = (bad[0] ?? 0) ^ 1;
    expect(ed25519Verify(a.publicKey, msg, bad)).toBe(false);
    expect(ed25519Verify(a.publicKey.subarray(1), msg, sig)).toBe(false);
  });

  it('a seed array changed in place signs with the new key (the parsed-key cache notices)', () => {
    const a = ed25519Generate();
    const b = ed25519Generate();
    const seed = a.secretKey.slice();
    expect(ed25519Verify(a.publicKey, msg, ed25519Sign(seed, msg))).toBe(true);
    seed.set(b.secretKey);
    const sig = ed25519Sign(seed, msg);
    expect(ed25519Verify(b.publicKey, msg, sig)).toBe(true);
    expect(ed25519Verify(a.publicKey, msg, sig)).toBe(false);
    expect(ed25519PublicKey(seed)).toEqual(b.publicKey);
  });

  it('rejects a secret key that is not 32 bytes with a RangeError naming the length', () => {
    expect(() => ed25519Sign(new Uint8Array(31), msg)).toThrow(/32 bytes, got 31/);
  });
});

describe('ed25519Verify memo', () => {
  it('a remembered good signature does not make another message, key or signature verify', () => {
    const a = ed25519Generate();
    const b = ed25519Generate();
    const m1 = new TextEncoder().encode('vote for height 1');
    const m2 = new TextEncoder().encode('vote for height 2');
    const sig = ed25519Sign(a.secretKey, m1);
    expect(ed25519Verify(a.publicKey, m1, sig)).toBe(true);
    expect(ed25519Verify(a.publicKey, m1, sig)).toBe(true); // from the memo
    expect(ed25519Verify(a.publicKey, m2, sig)).toBe(false);
    expect(ed25519Verify(b.publicKey, m1, sig)).toBe(false);
    const bad = sig.slice();
    bad[63] = (bad[63] ?? 0) ^ 0x10;
    expect(ed25519Verify(a.publicKey, m1, bad)).toBe(false);
    expect(ed25519Verify(a.publicKey, m1, sig)).toBe(true);
  });
});
