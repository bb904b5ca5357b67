import { createHash } from 'node:crypto';

/**
 * SHA-256 of the concatenation of `parts` on Node's OpenSSL. The same function as @noble/hashes'
 * sha256, several times faster on messages of a few hundred bytes (scripts/bench/hash.mjs), so the
 * Node entry of `@pausenet/protocol` hashes with it; the portable entry keeps @noble/hashes.
 */
export function sha256Native(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
