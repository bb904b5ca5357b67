/**
 * @packageDocumentation The part of the protocol that runs in a browser (`@pausenet/protocol/browser`):
 * bytes and hex, epochs, levels and steps, the transition statement and certificate ids, the structure of
 * a certificate chain, types. Nothing here
 * imports `@pausenet/crypto` or a Node built-in (a test walks the import graph); SHA-256 comes from
 * @noble/hashes. The dashboard checks certificates with it instead of re-implementing the encoding.
 */

export {
  bytesEqual,
  compareBytes,
  concatBytes,
  fromHex,
  fromHexOrNull,
  sha256,
  toHex,
  ZERO_HASH,
} from './bytes.js';
export type { EpochTiming } from './epoch.js';
export { commitmentDeadline, epochAt, epochStart } from './epoch.js';
export type { ProtocolErrorCode } from './errors.js';
export { ProtocolError } from './errors.js';
export type { HeightLevel } from './level.js';
export { compareHeightLevel, levelRank, maxLevel, stepAllows } from './level.js';
export {
  certificateHash,
  resolvesDigest,
  resolvesProblem,
  STATEMENT_TAG,
  statementBytes,
  statementOf,
} from './signing.js';
export type {
  Certificate,
  Genesis,
  LabId,
  Level,
  Member,
  PauseState,
  Policy,
  Statement,
  Step,
} from './types.js';
export type { ChainLink, ChainProblem, ChainProblemCode } from './validation/chain.js';
export { chainEnd, chainProblem, orderChain } from './validation/chain.js';
