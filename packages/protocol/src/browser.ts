/**
 * @packageDocumentation The part of the protocol that runs in a browser (`@pausenet/protocol/browser`):
 * bytes and hex, epochs and heights, the transition statement and certificate ids, types. Nothing here
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
export { commitmentDeadline, epochAt, epochStart, stateAtHeight } from './epoch.js';
export type { ProtocolErrorCode } from './errors.js';
export { ProtocolError } from './errors.js';
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
  Member,
  PauseState,
  Policy,
  Statement,
} from './types.js';
