import { ed25519Generate, ed25519PublicKey } from '@pausenet/crypto';
import { sha256 } from '@pausenet/protocol';
import { utf8 } from './bytes.js';

/** A lab of a test network: its genesis identity and Ed25519 key pair. */
export interface TestLab {
  id: string;
  /** BLS share index, 1..n. */
  index: number;
  name: string;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Lab ids in genesis order: lab-a ... lab-z, then lab-27, lab-28, ... (0-based `i`). */
export function labId(i: number): string {
  return i < 26 ? `lab-${String.fromCharCode(97 + i)}` : `lab-${i + 1}`;
}

/** Display name for lab `i`: "Lab A" ... "Lab Z", then "Lab 27", ... */
export function labName(i: number): string {
  return i < 26 ? `Lab ${String.fromCharCode(65 + i)}` : `Lab ${i + 1}`;
}

/** The Ed25519 seed `SHA-256("<seed>/<label>")`: fixed keys for reproducible fixtures and vectors. */
export function seededKey(seed: string, label: string): Uint8Array {
  return sha256(utf8(`${seed}/${label}`));
}

/**
 * `n` labs lab-a, lab-b, ... with fresh Ed25519 keys, or fixed ones derived from `seed` (seededKey(seed,
 * id)); `names` overrides the display names in order.
 */
export function makeLabs(n: number, opts: { seed?: string; names?: readonly string[] } = {}): TestLab[] {
  return Array.from({ length: n }, (_, i) => {
    const id = labId(i);
    const name = opts.names?.[i] ?? labName(i);
    if (opts.seed === undefined) return { id, index: i + 1, name, ...ed25519Generate() };
    const secretKey = seededKey(opts.seed, id);
    return { id, index: i + 1, name, secretKey, publicKey: ed25519PublicKey(secretKey) };
  });
}
