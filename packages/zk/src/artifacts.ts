import { readFile } from 'node:fs/promises';

/**
 * The committed circuit artifacts (circuits/build, hashes in circuits/build/hashes.json, rebuilt by
 * scripts/build-circuits.mjs). I/O at the edge: the rest of the package takes bytes.
 */
export const CIRCUIT_FILES = {
  r1cs: new URL('../circuits/build/commitment.r1cs', import.meta.url),
  wasm: new URL('../circuits/build/commitment.wasm', import.meta.url),
  hashes: new URL('../circuits/build/hashes.json', import.meta.url),
} as const;

/** Read the compiled circuit (r1cs for the setup ceremony, wasm for the prover). */
export async function loadCircuit(): Promise<{ r1cs: Uint8Array; wasm: Uint8Array }> {
  const [r1cs, wasm] = await Promise.all([readFile(CIRCUIT_FILES.r1cs), readFile(CIRCUIT_FILES.wasm)]);
  return { r1cs: new Uint8Array(r1cs), wasm: new Uint8Array(wasm) };
}
