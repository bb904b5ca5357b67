import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { fromHex, toHex } from './bytes.js';

/** Ed25519 via Node's native crypto (OpenSSL): ~10x faster than a JS implementation. Keys are raw bytes. */

// DER prefixes for raw 32-byte Ed25519 keys (RFC 8410).
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
const SPKI_PREFIX = fromHex('302a300506032b6570032100');

export interface Ed25519KeyPair {
  /** 32-byte seed. */
  secretKey: Uint8Array;
  /** 32-byte raw public key. */
  publicKey: Uint8Array;
}

// Parsing a private key costs ~0.4 ms, several times the signature itself. A node signs with the same
// seed array again and again: keep its KeyObject for as long as that array lives (WeakMap), together
// with a copy of the bytes it was made from, so a seed changed in place is parsed afresh.
const privateKeyCache = new WeakMap<Uint8Array, { seed: Uint8Array; key: KeyObject }>();

function privateKeyObject(secretKey: Uint8Array): KeyObject {
  if (secretKey.length !== 32)
    throw new RangeError(`Ed25519 secret key must be 32 bytes, got ${secretKey.length}`);
  const hit = privateKeyCache.get(secretKey);
  if (hit !== undefined && Buffer.compare(hit.seed, secretKey) === 0) return hit.key;
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, secretKey]),
    format: 'der',
    type: 'pkcs8',
  });
  privateKeyCache.set(secretKey, { seed: secretKey.slice(), key });
  return key;
}

// Peers' keys are verified against again and again (commitments, votes, DKG bundles): keep the
// parsed KeyObjects of public keys (public data only), bounded and cleared when full.
const publicKeyCache = new Map<string, KeyObject>();
const PUBLIC_KEY_CACHE_MAX = 4096;

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const hex = toHex(publicKey);
  const hit = publicKeyCache.get(hex);
  if (hit) return hit;
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_MAX) publicKeyCache.clear();
  publicKeyCache.set(hex, key);
  return key;
}

/** Generate a fresh Ed25519 key pair. */
export function ed25519Generate(): Ed25519KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const secretKey = new Uint8Array(der.subarray(der.length - 32));
  return { secretKey, publicKey: ed25519PublicKey(secretKey) };
}

/** Derive the raw public key from a 32-byte seed. */
export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKeyObject(secretKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** Sign `message` with a 32-byte seed; returns a 64-byte signature. */
export function ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign(null, message, privateKeyObject(secretKey)));
}

// A node checks one signed message several times on purpose: at ingest, then the pure pause machine
// re-validates it in check() and again in step() (it trusts no caller). Successful verifications are
// remembered (public key + signature -> SHA-256 of the message; ~1 us against ~100 us for a verify),
// bounded FIFO. Failures are never cached, so a flood of forgeries cannot evict anything useful cheaply.
const verified = new Map<string, string>();
const VERIFIED_MAX = 4096;

/** Verify; never throws: malformed keys or signatures simply do not verify. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const key = `${toHex(publicKey)}${toHex(signature)}`;
  const digest = createHash('sha256').update(message).digest('hex');
  if (verified.get(key) === digest) return true;
  let ok: boolean;
  try {
    ok = nodeVerify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
  if (ok) {
    if (verified.size >= VERIFIED_MAX) {
      const first = verified.keys().next();
      if (!first.done) verified.delete(first.value);
    }
    verified.set(key, digest);
  }
  return ok;
}
