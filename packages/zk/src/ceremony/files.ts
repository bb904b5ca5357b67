/**
 * Just enough of the iden3 binary container (snarkjs' .ptau / .zkey / .r1cs files: magic, u32
 * version, u32 section count, then sections `u32 type ‖ u64 size ‖ data`, little-endian) to check
 * that a contribution keeps every earlier contribution: snarkjs' own verifiers check a file's chain
 * from its start, so without this a contributor could restart the chain and drop the others'.
 */

export interface BinFile {
  magic: string;
  sections: Map<number, Uint8Array[]>;
}

export function readBinFile(bytes: Uint8Array): BinFile | null {
  if (bytes.length < 12) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  const n = dv.getUint32(8, true);
  const sections = new Map<number, Uint8Array[]>();
  let o = 12;
  for (let i = 0; i < n; i++) {
    if (o + 12 > bytes.length) return null;
    const type = dv.getUint32(o, true);
    const size = Number(dv.getBigUint64(o + 4, true));
    o += 12;
    if (o + size > bytes.length) return null;
    const list = sections.get(type) ?? [];
    list.push(bytes.subarray(o, o + size));
    sections.set(type, list);
    o += size;
  }
  if (o !== bytes.length) return null;
  return { magic, sections };
}

function unique(f: BinFile, type: number): Uint8Array | null {
  const s = f.sections.get(type);
  return s && s.length === 1 ? (s[0] as Uint8Array) : null;
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset + o, 4).getUint32(0, true);

/**
 * `next` holds exactly one more contribution record than `prev` and every earlier record unchanged.
 * `.ptau`: header section 1 equal, contributions section 7 = u32 count ‖ records.
 * `.zkey`: contributions section 10 = csHash(64) ‖ u32 count ‖ records.
 */
export function extendsByOne(kind: 'ptau' | 'zkey', prev: Uint8Array, next: Uint8Array): string | null {
  const a = readBinFile(prev);
  const b = readBinFile(next);
  if (!a || !b) return 'not an iden3 binary file';
  if (a.magic !== kind || b.magic !== kind) return `not a .${kind} file`;
  if (kind === 'ptau') {
    const ha = unique(a, 1);
    const hb = unique(b, 1);
    if (!ha || !hb || !equal(ha, hb)) return 'the header (curve, power) changed';
  }
  const sec = kind === 'ptau' ? 7 : 10;
  const offset = kind === 'ptau' ? 0 : 64;
  const ca = unique(a, sec);
  const cb = unique(b, sec);
  if (!ca || !cb || ca.length < offset + 4 || cb.length < offset + 4) return 'no contributions section';
  if (kind === 'zkey' && !equal(ca.subarray(0, 64), cb.subarray(0, 64))) return 'the circuit hash changed';
  if (u32(cb, offset) !== u32(ca, offset) + 1) return 'not exactly one new contribution';
  const recordsA = ca.subarray(offset + 4);
  if (cb.length <= ca.length || !equal(cb.subarray(offset + 4, offset + 4 + recordsA.length), recordsA))
    return 'an earlier contribution was changed or dropped';
  return null;
}

/** Constraints + public inputs of an .r1cs file (header section 1), to size the powers of tau. */
export function r1csSize(r1cs: Uint8Array): { constraints: number; publicInputs: number } | null {
  const f = readBinFile(r1cs);
  const h = f && f.magic === 'r1cs' ? unique(f, 1) : null;
  if (!h || h.length < 4) return null;
  const n8 = u32(h, 0);
  const base = 4 + n8;
  if (h.length < base + 28) return null;
  const nPubOut = u32(h, base + 4);
  const nPubIn = u32(h, base + 8);
  const nConstraints = u32(h, base + 24);
  return { constraints: nConstraints, publicInputs: nPubOut + nPubIn };
}
