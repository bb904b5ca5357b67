import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeCbor, encodeCbor, expectBytes, expectMap } from './cbor.js';
import type { Openings } from './commit.js';
import { contextBytes, type ProofContext } from './context.js';
import { ZkError } from './errors.js';
import { bytesToBigint, bytesToField, fieldToBytes, MAX_VALUE } from './field.js';

/**
 * Openings sealed to the policy's auditors (docs/zk.md "Encrypted openings"). One random content key
 * K encrypts the 12 × 32-byte openings once (AES-256-GCM); K is wrapped for each auditor with a key
 * from X25519(ephemeral, auditor) where the auditor's X25519 key is derived from its Ed25519 policy
 * key by the birational map (as the DKG's share encryption and libsodium's
 * crypto_sign_ed25519_pk_to_curve25519). Every key is fresh per commitment, so a zero nonce is safe.
 */

export interface SealRecipient {
  /** Auditor id from the policy. */
  id: string;
  /** Ed25519 public key from the policy (32 bytes). */
  publicKey: Uint8Array;
}

export interface SealInput {
  openings: Openings;
  context: ProofContext;
  /** The policy's auditors, in policy order (the wrapped keys follow this order). */
  auditors: readonly SealRecipient[];
  /** 64 fresh secret random bytes: the ephemeral X25519 secret, then the content key. */
  randomness: Uint8Array;
}

export const MAX_AUDITORS = 32;
const PLAINTEXT_BYTES = 12 * 32;
const CIPHERTEXT_BYTES = PLAINTEXT_BYTES + 16;
const WRAP_BYTES = 48;
/** Largest sealed blob: 32 auditors (the protocol's limit). */
export const MAX_SEALED_BYTES = 2_048 + 64;

const enc = new TextEncoder();
const KEY_INFO = enc.encode('pausenet/zk/v1/seal-key\0');
const OPENINGS_AAD = enc.encode('pausenet/zk/v1/openings\0');
const NONCE = new Uint8Array(12);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function gcmSeal(key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-256-gcm', key, NONCE);
  c.setAAD(aad);
  return new Uint8Array(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
}

function gcmOpen(key: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  try {
    const d = createDecipheriv('aes-256-gcm', key, NONCE);
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return new Uint8Array(Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]));
  } catch {
    return null;
  }
}

function auditorX25519(publicKey: Uint8Array, path: string): Uint8Array {
  try {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new Error('length');
    return ed25519.utils.toMontgomery(publicKey);
  } catch {
    throw new ZkError('BAD_KEY', 'not a valid Ed25519 public key; no X25519 key derives from it', path);
  }
}

function wrapKey(
  shared: Uint8Array,
  ctx: Uint8Array,
  eph: Uint8Array,
  recipient: Uint8Array,
  id: string,
): Uint8Array {
  const idBytes = enc.encode(id);
  return hkdf(
    sha256,
    shared,
    ctx,
    concat(KEY_INFO, eph, recipient, Uint8Array.of(idBytes.length), idBytes),
    32,
  );
}

const wrapAad = (ctx: Uint8Array, j: number) => concat(ctx, Uint8Array.of(j >> 8, j & 0xff));

function sharedSecret(secret: Uint8Array, pub: Uint8Array, path: string): Uint8Array {
  let ss: Uint8Array;
  try {
    ss = x25519.getSharedSecret(secret, pub);
  } catch {
    throw new ZkError('BAD_KEY', 'X25519 with this key gives no shared secret (low-order point)', path);
  }
  if (ss.every((b) => b === 0))
    throw new ZkError('BAD_KEY', 'X25519 with this key gives the all-zero secret (low-order point)', path);
  return ss;
}

/** Seal a commitment's openings to every auditor; returns the canonical CBOR blob. */
export function sealOpenings(input: SealInput): Uint8Array {
  const { openings, auditors, randomness } = input;
  if (!(randomness instanceof Uint8Array) || randomness.length !== 64)
    throw new ZkError('BAD_INPUT', 'randomness must be 64 fresh random bytes', 'randomness');
  if (!Array.isArray(auditors) || auditors.length === 0 || auditors.length > MAX_AUDITORS)
    throw new ZkError('BAD_INPUT', `expected 1..${MAX_AUDITORS} auditors`, 'auditors');
  const slots = [...(openings?.metrics ?? []), openings?.cumulative];
  if (slots.length !== 6 || slots.some((o) => !o))
    throw new ZkError('BAD_INPUT', 'expected 5 metric openings and the cumulative opening', 'openings');
  const plaintext = concat(
    ...slots.map((o) => fieldToBytes(o!.value)),
    ...slots.map((o) => fieldToBytes(o!.blinding)),
  );
  const ctx = contextBytes(input.context);
  const eSecret = randomness.subarray(0, 32);
  const contentKey = randomness.subarray(32, 64);
  const eph = x25519.getPublicKey(eSecret);
  const keys = auditors.map((a, j) => {
    const xj = auditorX25519(a.publicKey, `auditors[${j}].publicKey`);
    const kek = wrapKey(sharedSecret(eSecret, xj, `auditors[${j}].publicKey`), ctx, eph, xj, a.id);
    return gcmSeal(kek, wrapAad(ctx, j), contentKey);
  });
  return encodeCbor({
    ciphertext: gcmSeal(contentKey, concat(OPENINGS_AAD, ctx), plaintext),
    ephemeralKey: eph,
    keys,
  });
}

export interface SealedOpenings {
  ciphertext: Uint8Array;
  ephemeralKey: Uint8Array;
  /** One wrapped content key per auditor, policy order. */
  keys: Uint8Array[];
}

/** Decode a sealed blob (OVERSIZED, MALFORMED, NON_CANONICAL). */
export function decodeSealedOpenings(bytes: Uint8Array): SealedOpenings {
  const m = expectMap(
    decodeCbor(bytes, 'sealed openings', MAX_SEALED_BYTES),
    ['ciphertext', 'ephemeralKey', 'keys'],
    'sealed',
  );
  const keys = m['keys'];
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_AUDITORS)
    throw new ZkError('MALFORMED', `expected 1..${MAX_AUDITORS} wrapped keys`, 'sealed.keys');
  return {
    ciphertext: expectBytes(m['ciphertext'], CIPHERTEXT_BYTES, 'sealed.ciphertext'),
    ephemeralKey: expectBytes(m['ephemeralKey'], 32, 'sealed.ephemeralKey'),
    keys: keys.map((k, i) => expectBytes(k, WRAP_BYTES, `sealed.keys[${i}]`)),
  };
}

export interface AuditorSecret {
  /** Position of the auditor in the policy's auditor list (0-based). */
  index: number;
  /** Auditor id from the policy. */
  id: string;
  /** The auditor's Ed25519 secret key (32-byte seed). */
  secretKey: Uint8Array;
}

/**
 * Open sealed openings with an auditor's key. DECRYPT_FAILED if the blob is not for this auditor,
 * this commitment, or was tampered with. Check the result with mismatchedOpenings(...) against the
 * commitment's public commitments: a lab could seal values that do not open them.
 */
export function openSealed(sealed: Uint8Array, context: ProofContext, auditor: AuditorSecret): Openings {
  const s = decodeSealedOpenings(sealed);
  const ctx = contextBytes(context);
  const wrapped = s.keys[auditor.index];
  if (!wrapped)
    throw new ZkError(
      'DECRYPT_FAILED',
      `no key is sealed for auditor index ${auditor.index}`,
      'auditor.index',
    );
  if (!(auditor.secretKey instanceof Uint8Array) || auditor.secretKey.length !== 32)
    throw new ZkError('BAD_INPUT', 'auditor secret key must be a 32-byte Ed25519 seed', 'auditor.secretKey');
  const mySecret = ed25519.utils.toMontgomerySecret(auditor.secretKey);
  const myPublic = x25519.getPublicKey(mySecret);
  let ss: Uint8Array;
  try {
    ss = sharedSecret(mySecret, s.ephemeralKey, 'sealed.ephemeralKey');
  } catch {
    throw new ZkError('DECRYPT_FAILED', 'the ephemeral key is a low-order point', 'sealed.ephemeralKey');
  }
  const kek = wrapKey(ss, ctx, s.ephemeralKey, myPublic, auditor.id);
  const contentKey = gcmOpen(kek, wrapAad(ctx, auditor.index), wrapped);
  if (!contentKey)
    throw new ZkError(
      'DECRYPT_FAILED',
      'the wrapped key does not open with this auditor key, id and commitment context',
    );
  const plain = gcmOpen(contentKey, concat(OPENINGS_AAD, ctx), s.ciphertext);
  if (!plain || plain.length !== PLAINTEXT_BYTES)
    throw new ZkError('DECRYPT_FAILED', 'the openings ciphertext was tampered with');
  const word = (i: number) => plain.subarray(i * 32, i * 32 + 32);
  const slots = Array.from({ length: 6 }, (_, i) => {
    const value = bytesToBigint(word(i));
    if (value > MAX_VALUE) throw new ZkError('MALFORMED', 'a sealed value is >= 2^252', `openings[${i}]`);
    return { value, blinding: bytesToField(word(6 + i), `openings[${i}].blinding`) };
  });
  return { metrics: slots.slice(0, 5), cumulative: slots[5]! };
}
