import { bn254 } from '@noble/curves/bn254.js';
import { fieldToBytes } from '../../src/field.js';

const Fp2 = bn254.fields.Fp2;

/** 32-byte big-endian coordinates of the G1 generator (x ‖ y). */
export function g1Generator(): Uint8Array {
  const { x, y } = bn254.G1.Point.BASE.toAffine();
  return new Uint8Array([...fieldToBytes(x), ...fieldToBytes(y)]);
}

/** G2 point (EIP-197 layout) from noble affine coordinates. */
export function g2Bytes(p: { x: { c0: bigint; c1: bigint }; y: { c0: bigint; c1: bigint } }): Uint8Array {
  return new Uint8Array([
    ...fieldToBytes(p.x.c1),
    ...fieldToBytes(p.x.c0),
    ...fieldToBytes(p.y.c1),
    ...fieldToBytes(p.y.c0),
  ]);
}

export const g2Generator = (): Uint8Array => g2Bytes(bn254.G2.Point.BASE.toAffine());

/** A point on BN254's G2 twist curve that is NOT in the prime-order subgroup (G2 has a cofactor). */
export function g2OutsideSubgroup(): Uint8Array {
  const b = bn254.G2.Point.CURVE().b;
  for (let i = 1n; ; i++) {
    const x = Fp2.fromBigTuple([i, 1n]);
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b);
    let y: ReturnType<typeof Fp2.sqrt>;
    try {
      y = Fp2.sqrt(rhs);
    } catch {
      continue;
    }
    if (!Fp2.eql(Fp2.sqr(y), rhs)) continue;
    const p = bn254.G2.Point.fromAffine({ x, y });
    if (!p.isTorsionFree()) return g2Bytes({ x, y });
  }
}

/** A syntactically valid 256-byte proof (generators; does not verify for anything). */
export const generatorProof = (): Uint8Array =>
  new Uint8Array([...g1Generator(), ...g2Generator(), ...g1Generator()]);
