/**
 * @packageDocumentation The prover side of @pausenet/zk (`@pausenet/zk/prover`): proving a private
 * commitment and the labs' setup ceremony. Both run on snarkjs (GPL-3.0), an optional peer
 * dependency loaded on first use (ZkError PROVER_UNAVAILABLE names the package when it is missing).
 * Only a lab that proves, or takes part in the ceremony, uses this entry; verifying needs only
 * `@pausenet/zk` (or `@pausenet/zk/browser`), which never loads snarkjs.
 */

export { CIRCUIT_FILES, loadCircuit } from './artifacts.js';
export type { SetupOptions, SetupState, SetupStepResult } from './ceremony/machine.js';
export { setupInit, setupStep } from './ceremony/machine.js';
export type { ProveInput, ProvingArtifacts } from './prove.js';
export { checkProvable, proveCommitment } from './prove.js';
export { SNARKJS_VERSION } from './snarkjs-load.js';

/** Stop snarkjs' curve worker threads (call before a script exits; the next call rebuilds them). */
export async function releaseCurve(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  if (g.curve_bn128) {
    const c = g.curve_bn128;
    g.curve_bn128 = null;
    await c.terminate();
  }
}
