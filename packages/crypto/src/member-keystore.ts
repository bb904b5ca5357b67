import { fromHex, toHex } from './bytes.js';
import { KeystoreError } from './errors.js';
import {
  DEFAULT_SCRYPT,
  decryptKeystore,
  encryptKeystore,
  type KeystoreJson,
  type KeystoreOptions,
  type ScryptParams,
} from './keystore.js';

/**
 * The one layout of a member's keystore (docs/protocol.md "Keystore"): the encrypted envelope of
 * keystore.ts around UTF-8 JSON
 * `{"version":1,"lab":"lab-a","index":1,"identitySecretKey":hex32,"blsShare":hex32|null}`.
 * `pausenet init` seals it (blsShare null), `pausenet dkg` re-seals it with the share, the node opens it.
 */

/** Version of the plaintext layout (the envelope has its own). */
export const MEMBER_SECRETS_VERSION = 1;

/** What a member's keystore holds: its Ed25519 identity seed and, after the DKG, its BLS share. */
export interface MemberSecrets {
  lab: string;
  /** BLS share index, 1..n (the member's genesis index). */
  index: number;
  /** 32-byte Ed25519 seed. */
  identitySecretKey: Uint8Array;
  /** 32-byte BLS secret share; null until the DKG ran. */
  blsShare: Uint8Array | null;
}

/** A member's secrets and the scrypt cost their keystore was sealed with (kept when re-sealing it). */
export interface OpenedMemberKeystore {
  secrets: MemberSecrets;
  scrypt: ScryptParams;
}

const bad = (detail: string) => new KeystoreError('BAD_SECRETS', detail);

/** The plaintext bytes the keystore encrypts. */
export function encodeMemberSecrets(s: MemberSecrets): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      version: MEMBER_SECRETS_VERSION,
      lab: s.lab,
      index: s.index,
      identitySecretKey: toHex(s.identitySecretKey),
      blsShare: s.blsShare ? toHex(s.blsShare) : null,
    }),
  );
}

const hex32 = (v: unknown): Uint8Array | null => {
  if (typeof v !== 'string' || v.length !== 64) return null;
  try {
    return fromHex(v);
  } catch {
    return null;
  }
};

/** Parse decrypted keystore bytes; anything else than the layout is KeystoreError BAD_SECRETS. */
export function decodeMemberSecrets(bytes: Uint8Array): MemberSecrets {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    throw bad(
      'keystore plaintext is not the expected JSON {version, lab, index, identitySecretKey, blsShare}',
    );
  }
  if (typeof j !== 'object' || j === null)
    throw bad(
      'keystore plaintext is not the expected JSON {version, lab, index, identitySecretKey, blsShare}',
    );
  if (j['version'] !== MEMBER_SECRETS_VERSION)
    throw bad(`keystore secret layout version ${String(j['version'])} is not supported (expected 1)`);
  if (typeof j['lab'] !== 'string') throw bad('keystore secrets lack "lab"');
  const sk = hex32(j['identitySecretKey']);
  if (sk === null) throw bad('keystore identitySecretKey must be 32 bytes hex');
  let share: Uint8Array | null = null;
  if (j['blsShare'] !== null && j['blsShare'] !== undefined) {
    share = hex32(j['blsShare']);
    if (share === null) throw bad('keystore blsShare must be 32 bytes hex or null');
  }
  const index = j['index'];
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 1)
    throw bad('keystore index must be a positive integer');
  return { lab: j['lab'], index, identitySecretKey: sk, blsShare: share };
}

/** Encrypt a member's secrets under `passphrase` (the caller writes the object as JSON, mode 0600). */
export function sealMemberKeystore(
  secrets: MemberSecrets,
  passphrase: string,
  opts: KeystoreOptions = {},
): KeystoreJson {
  return encryptKeystore(encodeMemberSecrets(secrets), passphrase, opts);
}

/** Decrypt a member keystore object (JSON.parse of the file); KeystoreError codes say what failed. */
export function openMemberKeystore(json: unknown, passphrase: string): OpenedMemberKeystore {
  const secrets = decodeMemberSecrets(decryptKeystore(json, passphrase));
  const p = (json as { kdf?: { params?: Partial<ScryptParams> } }).kdf?.params ?? {};
  return {
    secrets,
    scrypt: { n: p.n ?? DEFAULT_SCRYPT.n, r: p.r ?? DEFAULT_SCRYPT.r, p: p.p ?? DEFAULT_SCRYPT.p },
  };
}
