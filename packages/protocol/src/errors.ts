/** Typed errors of the protocol package: every failure carries a `code` discriminant. */

export type ProtocolErrorCode =
  | 'MALFORMED'
  | 'NON_CANONICAL'
  | 'OVERSIZED'
  | 'UNKNOWN_FIELD'
  | 'MISSING_FIELD'
  | 'WRONG_TYPE'
  | 'OUT_OF_RANGE'
  | 'INVALID_GENESIS'
  | 'INVALID_ARGUMENT';

/** Thrown by every decoder/encoder in this package; `path` names the offending field (e.g. `metrics.maxParams`). */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  readonly path: string;
  constructor(code: ProtocolErrorCode, message: string, path = '') {
    super(path ? `${code} at ${path}: ${message}` : `${code}: ${message}`);
    this.code = code;
    this.path = path;
  }
}

export interface GenesisConfigIssue {
  /** Dotted field path, e.g. `members[2].publicKey`. */
  path: string;
  /** The offending value as written (stringified, truncated). */
  value: string;
  /** What was expected instead. */
  expected: string;
}

/** Genesis YAML failed to parse or validate; `issues` lists every bad field with value and expectation. */
export class GenesisConfigError extends Error {
  override readonly name = 'GenesisConfigError';
  readonly code = 'INVALID_GENESIS_CONFIG' as const;
  readonly issues: GenesisConfigIssue[];
  constructor(issues: GenesisConfigIssue[]) {
    super(
      `invalid genesis config:\n${issues.map((i) => `  - ${i.path || '(root)'}: got ${i.value}; expected ${i.expected}`).join('\n')}`,
    );
    this.issues = issues;
  }
}
