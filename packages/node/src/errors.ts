/** Typed errors of the node; `code` doubles as a metrics label and API error code. */

export type ConfigErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_UNREADABLE'
  | 'GENESIS_UNREADABLE'
  | 'KEYSTORE_UNAVAILABLE';

/** Bad node configuration: the message names the field, the value and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export type StoreErrorCode = 'CORRUPT' | 'LOCKED' | 'MIGRATION_FAILED' | 'CLOSED' | 'UNSUPPORTED_SCHEMA';

/** The durable store cannot be used; the message names the file and what to do. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type SyncErrorCode =
  | 'TIMEOUT'
  | 'ABORTED'
  | 'BAD_RESPONSE'
  | 'OVERSIZED'
  | 'REMOTE_ERROR'
  | 'NOT_CONNECTED';

/** A req/resp exchange with a peer failed. */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An HTTP API failure with a status and a stable code for `{error:{code,message}}`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
