/**
 * Core contracts of the halt-hook subsystem. Adapters (exec, webhook, file, kubernetes, slurm) implement
 * {@link HookAdapter}; the node supplies durable {@link HookJournal} / {@link HookStateStore} implementations.
 * Keep this file stable: other packages and the Slurm adapter code against these names.
 */

/**
 * What a certificate asks a hook to do, chosen by the level it names alone (docs/hooks.md "Levels"):
 * PAUSED → 'halt', REDUCED → 'reduce', RUNNING → 'resume'. Each action means "bring this hook's effect to that
 * level", whatever the level was before, so a re-run after a crash or a restart needs no memory of the path.
 */
export type HookAction = 'halt' | 'reduce' | 'resume';

/** Level named by a certificate: RUNNING < REDUCED < PAUSED. */
export type PauseTarget = 'RUNNING' | 'REDUCED' | 'PAUSED';

/** The levels in order, lowest first. */
export const PAUSE_LEVELS: readonly PauseTarget[] = ['RUNNING', 'REDUCED', 'PAUSED'];

/** Rank of a level: RUNNING 0, REDUCED 1, PAUSED 2 (the statement's target byte). */
export function levelRank(level: PauseTarget): 0 | 1 | 2 {
  return level === 'RUNNING' ? 0 : level === 'REDUCED' ? 1 : 2;
}

/**
 * The policy's limits for the level being applied, as data (bigints as decimal strings, e.g.
 * `{"trainingFlop": "1000000000000000000000"}`); empty at RUNNING or when the policy sets none.
 */
export type HookLevelLimits = Readonly<Record<string, string | number | boolean>>;

/** A JSON value (what `observe` returns and the canonical encoding accepts). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Per-hook durable key/value store for undo data (what halt changed, so resume restores exactly that). */
export interface HookStateStore {
  get(key: string): Promise<unknown | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** Optional: all keys (with an optional prefix); adapters that need it fall back to an index key. */
  keys?(prefix?: string): Promise<string[]>;
}

/** Everything a hook learns about the certificate it acts on. */
export interface HookContext {
  /** Network id, lowercase hex. */
  networkId: string;
  /** Height of the certificate being applied. */
  height: number;
  /** The level the certificate names (the action follows from it: {@link actionForTarget}). */
  target: PauseTarget;
  /** The policy's limits for `target` (absent: none given; adapters then use their own configuration). */
  limits?: HookLevelLimits;
  /** Certificate hash, lowercase hex. */
  certificateHash: string;
  /** The certificate as JSON text (bytes as hex, bigint as decimal strings). */
  certificateJson: string;
  /** This hook's own durable state (undo data); survives restarts. */
  state: HookStateStore;
}

/** A halt hook. `apply` must be idempotent and throw {@link HookError} on failure. */
export interface HookAdapter {
  readonly type: string;
  readonly name: string;
  apply(action: HookAction, ctx: HookContext, opts?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Optional: what the scheduler now says about this hook's selection, as JSON (for receipts; its digest is
   * {@link schedulerDigest} in observe.ts). Reads only; throws {@link HookError} when the scheduler cannot be read.
   */
  observe?(opts?: { signal?: AbortSignal }): Promise<JsonValue>;
}

/** Certificate data the runner needs to build a {@link HookContext}. */
export interface HookCertificate {
  networkId: string;
  height: number;
  target: PauseTarget;
  /** The policy's limits for `target`, passed on to the hooks' context. */
  limits?: HookLevelLimits;
  certificateHash: string;
  certificateJson: string;
}

export type HookStatus = 'pending' | 'ok' | 'failed';

/** One journal row: keyed by (certificateHash, hookName). */
export interface HookJournalEntry {
  certificateHash: string;
  height: number;
  action: HookAction;
  hookName: string;
  status: HookStatus;
  /** Attempts started so far (0 = recorded but not yet run). */
  attempts: number;
  lastError: string | null;
  /** Unix ms of the last change. */
  updatedAt: number;
  /**
   * How often a start-up re-assert ran this hook again after the row was already 'ok' (the runner's
   * `reassert`: the node re-applies the hooks of its current state on every start). 0 when absent.
   */
  reasserts?: number;
}

/** Durable journal of hook runs: at-least-once delivery across crashes (node: SQLite; tests: JSON file). */
export interface HookJournal {
  get(certificateHash: string, hookName: string): Promise<HookJournalEntry | undefined>;
  /** Insert or replace the row keyed by (entry.certificateHash, entry.hookName); durable on return. */
  put(entry: HookJournalEntry): Promise<void>;
  /** Rows whose status is not 'ok'. */
  listUnfinished(): Promise<HookJournalEntry[]>;
  /** All rows, most recent height first (for the status API). */
  list(opts?: { limit?: number }): Promise<HookJournalEntry[]>;
}

/**
 * Stable `event` names of the runner's and the adapters' log lines (docs/node.md "Logs"): a log pipeline
 * alerts on these, never on the wording of `msg`.
 */
export const HOOK_LOG_EVENTS = [
  'hook.ok',
  'hook.failed',
  'hook.cancelled',
  'hook.reasserting',
  'hook.aborted',
  'hook.unconfigured',
  'hook.certificate_missing',
  'slurm.job_requeued',
  'kubernetes.applied',
] as const;
export type HookLogEvent = (typeof HOOK_LOG_EVENTS)[number];

/** Fields of a hook log line: its stable event name first. */
export interface HookLogFields {
  event: HookLogEvent;
  [key: string]: unknown;
}

/** Injected logger (pino-compatible call shape: fields first, message second). */
export interface HookLogger {
  info(fields: HookLogFields, msg: string): void;
  warn(fields: HookLogFields, msg: string): void;
  error(fields: HookLogFields, msg: string): void;
}

/** Typed error codes; each doubles as a metrics label. */
export type HookErrorCode =
  | 'TIMEOUT' // the hook did not finish within its time budget
  | 'ABORTED' // cancelled by the caller's AbortSignal
  | 'EXIT_CODE' // a child process exited non-zero or by signal
  | 'SPAWN' // a command could not be started (missing binary, ...)
  | 'HTTP_STATUS' // a remote answered with an unexpected HTTP status
  | 'NETWORK' // connection refused/reset, DNS, TLS
  | 'IO' // local file-system failure
  | 'CONFIG' // invalid configuration (not retried by the runner)
  | 'PERMISSION' // the remote or OS refused (403, EACCES, not SlurmUser...)
  | 'NOT_FOUND' // a required object/command does not exist
  | 'CONFLICT' // optimistic-concurrency conflict that did not resolve after retries
  | 'PROTOCOL' // the remote answered something we could not understand
  | 'PARTIAL'; // several independent sub-steps failed (details.errors lists them)

/** Error every adapter throws; `code` is the discriminant. */
export class HookError extends Error {
  readonly code: HookErrorCode;
  /** Hook name, when known. */
  readonly hook: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: HookErrorCode,
    message: string,
    opts: { hook?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'HookError';
    this.code = code;
    this.hook = opts.hook;
    this.details = opts.details ?? {};
  }

  /** Whether retrying can help (configuration errors need an operator). */
  get retryable(): boolean {
    return this.code !== 'CONFIG' && this.code !== 'ABORTED';
  }
}

/** Type guard for {@link HookError}. */
export function isHookError(e: unknown): e is HookError {
  return e instanceof HookError;
}

/** Maps a certificate's level to the hook action: PAUSED → halt, REDUCED → reduce, RUNNING → resume. */
export function actionForTarget(target: PauseTarget): HookAction {
  return target === 'PAUSED' ? 'halt' : target === 'REDUCED' ? 'reduce' : 'resume';
}

/** The level an action brings a hook to (inverse of {@link actionForTarget}). */
export function targetForAction(action: HookAction): PauseTarget {
  return action === 'halt' ? 'PAUSED' : action === 'reduce' ? 'REDUCED' : 'RUNNING';
}
