import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT,
  decryptKeystore,
  encryptKeystore,
  KeystoreError,
  type KeystoreJson,
  toHex,
} from '../src/index.js';

const CHEAP = { scrypt: { n: 2 ** 10, r: 8, p: 1 } };
const SECRET = new Uint8Array(64).map((_, i) => i);

const code = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(KeystoreError);
    return (e as KeystoreError).code;
  }
};

describe('keystore (scrypt + AES-256-GCM)', () => {
  it('round-trips through JSON text', () => {
    const ks = encryptKeystore(SECRET, 'correct horse', { ...CHEAP, description: 'lab-a' });
    const parsed = JSON.parse(JSON.stringify(ks)) as KeystoreJson;
    expect(decryptKeystore(parsed, 'correct horse')).toEqual(SECRET);
    expect(ks.version).toBe(1);
    expect(JSON.stringify(ks)).not.toContain(toHex(SECRET));
  });

  it('wrong passphrase is WRONG_PASSPHRASE', () => {
    const ks = encryptKeystore(SECRET, 'a', CHEAP);
    expect(code(() => decryptKeystore(ks, 'b'))).toBe('WRONG_PASSPHRASE');
  });

  it('tampered ciphertext, tag or description is TAMPERED', () => {
    const ks = encryptKeystore(SECRET, 'a', CHEAP);
    const flip = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);
    expect(
      code(() => decryptKeystore({ ...ks, cipher: { ...ks.cipher, message: flip(ks.cipher.message) } }, 'a')),
    ).toBe('TAMPERED');
    expect(
      code(() => decryptKeystore({ ...ks, cipher: { ...ks.cipher, tag: flip(ks.cipher.tag) } }, 'a')),
    ).toBe('TAMPERED');
    expect(code(() => decryptKeystore({ ...ks, description: 'other' }, 'a'))).toBe('TAMPERED');
  });

  it('unknown version and malformed objects have their own codes', () => {
    const ks = encryptKeystore(SECRET, 'a', CHEAP);
    expect(code(() => decryptKeystore({ ...ks, version: 2 }, 'a'))).toBe('UNSUPPORTED_VERSION');
    expect(code(() => decryptKeystore('nope', 'a'))).toBe('MALFORMED');
    expect(code(() => decryptKeystore({ ...ks, cipher: { ...ks.cipher, tag: 'zz' } }, 'a'))).toBe(
      'MALFORMED',
    );
    // absurd kdf cost is refused before any work (DoS guard)
    const huge = { ...ks, kdf: { ...ks.kdf, params: { ...ks.kdf.params, n: 2 ** 30 } } };
    expect(code(() => decryptKeystore(huge, 'a'))).toBe('MALFORMED');
  });

  it('decrypts the committed v1 fixture (default params n=2^17 r=8 p=1): the format stays readable', () => {
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/keystore-v1.json', import.meta.url), 'utf8'));
    expect(fixture.kdf.params).toMatchObject({
      n: DEFAULT_SCRYPT.n,
      r: DEFAULT_SCRYPT.r,
      p: DEFAULT_SCRYPT.p,
      dklen: 64,
    });
    expect(DEFAULT_SCRYPT).toEqual({ n: 2 ** 17, r: 8, p: 1 });
    expect(decryptKeystore(fixture, 'pausenet fixture passphrase')).toEqual(SECRET);
  });

  it('passphrases are NFKD-normalised (EIP-2335)', () => {
    const ks = encryptKeystore(SECRET, '\u00e9t\u00e9', CHEAP); // precomposed
    expect(decryptKeystore(ks, 'e\u0301te\u0301')).toEqual(SECRET); // decomposed
  });
});
