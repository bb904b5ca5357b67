import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from '@pausenet/crypto/bytes';

/**
 * Byte helpers shared by codecs, signing and JSON views. Pure: no Buffer and no Node built-ins, so the
 * browser entry (`@pausenet/protocol/browser`) can load them. Hex is the project's one codec
 * (`@pausenet/crypto/bytes`).
 */

export { fromHex, toHex };

/** Strict hex decoding (even length, [0-9a-fA-F] only); returns null when malformed. */
export function fromHexOrNull(hex: string): Uint8Array | null {
  try {
    return fromHex(hex);
  } catch {
    return null;
  }
}

/** Constant-structure byte equality (not constant-time; no secrets are compared here). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte comparison (-1, 0, 1). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Concatenate byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A SHA-256 implementation: the digest of the concatenation of `parts`. */
export type Sha256 = (...parts: Uint8Array[]) => Uint8Array;

/** SHA-256 in plain JavaScript (@noble/hashes): runs anywhere, the default. */
export function sha256Portable(...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return nobleSha256(parts[0] as Uint8Array);
  const h = nobleSha256.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

let sha256Impl: Sha256 = sha256Portable;

/** SHA-256 of the concatenation of `parts` (@noble/hashes unless `useSha256` installed a faster one). */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  return sha256Impl(...parts);
}

/**
 * Hash with `impl` from now on: another implementation of the same function (the Node entry installs
 * OpenSSL's, which ingest's per-message hashing needs; scripts/bench/hash.mjs). Only the speed changes.
 */
export function useSha256(impl: Sha256): void {
  sha256Impl = impl;
}

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Big-endian minimal bytes of a non-negative bigint (0n -> empty). */
export function bigintToBytes(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array(0);
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return fromHex(hex);
}

/** Big-endian bytes to a non-negative bigint. */
export function bytesToBigint(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${toHex(b)}`);
}

/** 8-byte big-endian encoding of a safe non-negative integer. */
export function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

export const ZERO_HASH: Uint8Array = new Uint8Array(32);
