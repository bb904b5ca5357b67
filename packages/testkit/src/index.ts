/**
 * @packageDocumentation Test support for pausenet (tests and benchmarks only, never a runtime dependency):
 * labs and a TRUSTED test dealer, genesis, keystores, signed messages, temp dirs, and running a command to its end.
 * Files on disk: `@pausenet/testkit/files`; nodes in this process: `@pausenet/testkit/network`; nodes as
 * processes: `@pausenet/testkit/cluster`.
 */

export type { DealtKeys } from './dealer.js';
export { dkgResultOf, testDealer } from './dealer.js';
export type { CommitmentOptions, Transition } from './fixtures.js';
export {
  capBreach,
  certificate,
  commitmentChain,
  metrics,
  OVER_CAP,
  partialOf,
  signedCommitment,
  signedEvidence,
  signedVote,
} from './fixtures.js';
export type { TestGenesisOptions, TestNet } from './genesis.js';
export { defaultThreshold, labOf, shareOf, TEST_CAPS, testGenesis, testPolicy } from './genesis.js';
export { TEST_PASSPHRASE, TEST_PASSPHRASE_ENV, TEST_SCRYPT, testKeystoreJson } from './keystore.js';
export type { TestLab } from './labs.js';
export { labId, labName, makeLabs, seededKey } from './labs.js';
export type { RunOptions, RunResult } from './run.js';
export { runToEnd } from './run.js';
export { TempDirs } from './tmp.js';
