import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

/**
 * Byte helpers of the crypto package. `toHex` and `fromHex` are the project's one hex codec: pure (no
 * Buffer), so `@pausenet/crypto/bytes` also loads in a browser; `@pausenet/protocol` re-exports them.
 */

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant-time equality for equal lengths (compares secrets-derived values). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/** Strict hex decoding: even length, [0-9a-fA-F] only, no prefix; throws RangeError when malformed. */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw new RangeError(`invalid hex string: got ${typeof hex}`);
  return hexToBytes(hex);
}

export function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
