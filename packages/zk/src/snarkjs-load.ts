import { ZkError } from './errors.js';

/**
 * snarkjs (GPL-3.0) is an optional peer dependency: only a lab that proves or takes part in the
 * setup ceremony needs it. Verification (groth16.ts) never loads it, so it is imported here lazily,
 * on the first proof or ceremony step, and its absence is a typed error naming the fix.
 */
type Snarkjs = typeof import('snarkjs');

/** The snarkjs version the prover and ceremony are written and tested against. */
export const SNARKJS_VERSION = '0.7.6';

let loaded: Snarkjs | undefined;

/** Import snarkjs once; PROVER_UNAVAILABLE if it is not installed. */
export async function loadSnarkjs(): Promise<Snarkjs> {
  if (loaded) return loaded;
  try {
    loaded = await import('snarkjs');
  } catch (e) {
    if ((e as { code?: string })?.code === 'ERR_MODULE_NOT_FOUND')
      throw new ZkError(
        'PROVER_UNAVAILABLE',
        `proving and the setup ceremony need the optional package snarkjs (GPL-3.0), which could not be loaded (${(e as Error).message}); a lab that proves installs it: npm install snarkjs@${SNARKJS_VERSION}`,
      );
    throw e;
  }
  return loaded;
}

/** The module loadSnarkjs() loaded; for code that only runs after an awaited loadSnarkjs(). */
export function snarkjs(): Snarkjs {
  if (!loaded) throw new ZkError('PROVER_UNAVAILABLE', 'snarkjs used before loadSnarkjs() resolved');
  return loaded;
}
