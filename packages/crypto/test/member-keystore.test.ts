import { describe, expect, it } from 'vitest';
import {
  decodeMemberSecrets,
  ed25519Generate,
  encodeMemberSecrets,
  encryptKeystore,
  KeystoreError,
  type MemberSecrets,
  openMemberKeystore,
  sealMemberKeystore,
  toHex,
} from '../src/index.js';

const CHEAP = { n: 2 ** 10, r: 8, p: 1 };
const utf8 = (s: string) => new TextEncoder().encode(s);

const code = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(KeystoreError);
    return (e as KeystoreError).code;
  }
};

describe('member keystore layout', () => {
  const secrets: MemberSecrets = {
    lab: 'lab-b',
    index: 2,
    identitySecretKey: ed25519Generate().secretKey,
    blsShare: new Uint8Array(32).fill(7),
  };

  it('is the JSON {version, lab, index, identitySecretKey, blsShare} (hex) and round-trips, share or null', () => {
    const json = JSON.parse(new TextDecoder().decode(encodeMemberSecrets(secrets)));
    expect(Object.keys(json).sort()).toEqual(['blsShare', 'identitySecretKey', 'index', 'lab', 'version']);
    expect(json).toMatchObject({ version: 1, identitySecretKey: toHex(secrets.identitySecretKey) });
    expect(decodeMemberSecrets(encodeMemberSecrets(secrets))).toEqual(secrets);
    const before = { ...secrets, blsShare: null };
    expect(decodeMemberSecrets(encodeMemberSecrets(before))).toEqual(before);
  });

  it('seals and opens, and reports the scrypt cost it was sealed with', () => {
    const ks = sealMemberKeystore(secrets, 'pw', { scrypt: CHEAP });
    const opened = openMemberKeystore(JSON.parse(JSON.stringify(ks)), 'pw');
    expect(opened).toEqual({ secrets, scrypt: CHEAP });
    expect(code(() => openMemberKeystore(ks, 'wrong'))).toBe('WRONG_PASSPHRASE');
  });

  it('anything else inside a valid envelope is BAD_SECRETS, naming the field', () => {
    const valid = JSON.parse(new TextDecoder().decode(encodeMemberSecrets(secrets)));
    const cases: [unknown, RegExp][] = [
      ['not json', /expected JSON/],
      [{ ...valid, version: 2 }, /version 2 is not supported/],
      [{ ...valid, lab: 7 }, /lack "lab"/],
      [{ ...valid, identitySecretKey: 'ab' }, /identitySecretKey must be 32 bytes/],
      [{ ...valid, blsShare: 'zz'.repeat(32) }, /blsShare must be 32 bytes/],
      [{ ...valid, index: 0 }, /index must be a positive integer/],
      [null, /expected JSON/],
    ];
    for (const [plain, why] of cases) {
      const bytes = utf8(typeof plain === 'string' ? plain : JSON.stringify(plain));
      expect(code(() => decodeMemberSecrets(bytes))).toBe('BAD_SECRETS');
      expect(() => decodeMemberSecrets(bytes)).toThrow(why);
      const ks = encryptKeystore(bytes, 'pw', { scrypt: CHEAP });
      expect(code(() => openMemberKeystore(ks, 'pw'))).toBe('BAD_SECRETS');
    }
  });
});
