import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { r1csSize } from '../src/ceremony/files.js';
import { CIRCUIT_FILES } from '../src/prover.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('committed circuit artifacts', () => {
  it('match the hashes recorded in circuits/build/hashes.json', () => {
    const hashes = JSON.parse(readFileSync(CIRCUIT_FILES.hashes, 'utf8'));
    expect(sha(readFileSync(CIRCUIT_FILES.r1cs))).toBe(hashes['commitment.r1cs']);
    expect(sha(readFileSync(CIRCUIT_FILES.wasm))).toBe(hashes['commitment.wasm']);
  });

  it('rebuilding the circuit from source with circom2 gives the same bytes', () => {
    const script = fileURLToPath(new URL('../scripts/build-circuits.mjs', import.meta.url));
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').pop() as string);
    expect(result.rebuilt).toEqual(result.committed);
    expect(result.same).toBe(true);
  });

  it('fits powers of tau 2^13 (7213 constraints + 21 public inputs)', () => {
    expect(r1csSize(new Uint8Array(readFileSync(CIRCUIT_FILES.r1cs)))).toEqual({
      constraints: 7213,
      publicInputs: 21,
    });
  });
});
