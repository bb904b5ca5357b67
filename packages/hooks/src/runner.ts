import {
  actionForTarget,
  type HookAction,
  type HookAdapter,
  type HookCertificate,
  HookError,
  type HookJournal,
  type HookJournalEntry,
  type HookLogFields,
  type HookLogger,
  type HookStateStore,
} from './types.js';

/** Exponential backoff: delay after failed attempt n (1-based) is min(maxMs, baseMs * factor^(n-1)). */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** Attempts per run before giving up (status stays 'failed'; resumeUnfinished() tries again). 0 = no limit. */
  maxAttempts: number;
  factor: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1_000, maxMs: 60_000, maxAttempts: 10, factor: 2 };

interface EventBase {
  hook: string;
  action: HookAction;
  height: number;
  certificateHash: string;
}

/** Runner events, for metrics and logs (the node maps them to Prometheus counters). */
export type HookRunnerEvent =
  | (EventBase & { type: 'attempt'; attempt: number })
  | (EventBase & { type: 'ok'; attempts: number; durationMs: number })
  | (EventBase & { type: 'failed'; attempts: number; error: HookError; retryInMs: number | null })
  | (EventBase & { type: 'superseded'; byHeight: number | null });

/** Final outcome of one hook for one certificate in this process. */
export interface HookRunResult {
  hookName: string;
  certificateHash: string;
  height: number;
  action: HookAction;
  status: 'ok' | 'failed' | 'superseded';
  attempts: number;
  lastError: string | null;
}

export interface HookRunnerOptions {
  hooks: readonly HookAdapter[];
  journal: HookJournal;
  /** Durable per-hook undo store. */
  stateFor(hookName: string): HookStateStore;
  /** Looks a certificate up by hash (needed by resumeUnfinished after a restart). */
  loadCertificate?(certificateHash: string): Promise<HookCertificate | undefined>;
  retry?: Partial<RetryPolicy>;
  logger?: HookLogger;
  onEvent?(event: HookRunnerEvent): void;
  now?(): number;
}

interface Task {
  height: number;
  certificateHash: string;
  ctrl: AbortController;
  done: Promise<HookRunResult>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function asHookError(hook: string, e: unknown): HookError {
  if (e instanceof HookError) return e;
  return new HookError('IO', `${hook}: unexpected failure: ${(e as Error)?.message ?? String(e)}`, {
    hook,
    cause: e,
  });
}

/**
 * Runs every configured hook for an applied certificate, each independently: failures are journaled and retried
 * with exponential backoff without blocking other hooks; a newer certificate supersedes retries of an older one.
 */
export class HookRunner {
  private readonly opts: HookRunnerOptions;
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private readonly tasks = new Map<string, Task>();
  private readonly stopCtrl = new AbortController();

  constructor(opts: HookRunnerOptions) {
    this.opts = opts;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.now = opts.now ?? Date.now;
    const names = new Set<string>();
    for (const h of opts.hooks) {
      if (names.has(h.name))
        throw new HookError('CONFIG', `hook name "${h.name}" is used twice; names must be unique`);
      names.add(h.name);
    }
  }

  /** Delay before the attempt after failed attempt `n` (1-based). */
  backoffMs(n: number): number {
    return Math.min(this.retry.maxMs, this.retry.baseMs * this.retry.factor ** (n - 1));
  }

  /** Runs all hooks for `cert` (skipping hooks already 'ok' for it); resolves when each is ok, gave up or superseded. */
  runFor(cert: HookCertificate, opts: { signal?: AbortSignal } = {}): Promise<HookRunResult[]> {
    return Promise.all(this.opts.hooks.map((h) => this.runHook(h, cert, opts.signal)));
  }

  /**
   * Re-assert on start (docs/protocol.md "Re-assert on start"): runs every hook again for `cert`, the
   * certificate of the current state, even where its journal row is already 'ok' (the row's `reasserts`
   * counts such re-runs). Adapters are idempotent, so this restores an effect undone out of band (a
   * deleted sentinel, a job resumed by hand) and changes nothing otherwise.
   */
  reassert(cert: HookCertificate, opts: { signal?: AbortSignal } = {}): Promise<HookRunResult[]> {
    return Promise.all(this.opts.hooks.map((h) => this.runHook(h, cert, opts.signal, true)));
  }

  /** After a restart: re-runs each hook's latest journal entry if it is not 'ok' (at-least-once delivery). */
  async resumeUnfinished(opts: { signal?: AbortSignal } = {}): Promise<HookRunResult[]> {
    const all = await this.opts.journal.list();
    const latest = new Map<string, HookJournalEntry>();
    for (const e of all) {
      const cur = latest.get(e.hookName);
      if (!cur || e.height > cur.height) latest.set(e.hookName, e);
    }
    const runs: Promise<HookRunResult>[] = [];
    for (const [hookName, entry] of latest) {
      if (entry.status === 'ok') continue;
      const hook = this.opts.hooks.find((h) => h.name === hookName);
      if (!hook) {
        this.opts.logger?.warn(
          { event: 'hook.unconfigured', hook: hookName, height: entry.height },
          'unfinished hook entry for a hook no longer configured',
        );
        continue;
      }
      const cert = await this.opts.loadCertificate?.(entry.certificateHash);
      if (!cert) {
        this.opts.logger?.error(
          { event: 'hook.certificate_missing', hook: hookName, certificateHash: entry.certificateHash },
          'cannot resume hook: certificate not found (loadCertificate missing or returned nothing)',
        );
        continue;
      }
      runs.push(this.runHook(hook, cert, opts.signal));
    }
    return Promise.all(runs);
  }

  /** Cancels all retries and waits for running attempts to settle. */
  async stop(): Promise<void> {
    this.stopCtrl.abort(new Error('runner stopped'));
    await Promise.allSettled([...this.tasks.values()].map((t) => t.done));
  }

  private runHook(
    hook: HookAdapter,
    cert: HookCertificate,
    signal?: AbortSignal,
    again = false,
  ): Promise<HookRunResult> {
    const prev = this.tasks.get(hook.name);
    const action = actionForTarget(cert.target);
    if (prev) {
      if (prev.certificateHash === cert.certificateHash) return prev.done;
      if (prev.height > cert.height) {
        return Promise.resolve({
          hookName: hook.name,
          certificateHash: cert.certificateHash,
          height: cert.height,
          action,
          status: 'superseded',
          attempts: 0,
          lastError: `superseded by certificate at height ${prev.height}`,
        });
      }
      prev.ctrl.abort({ supersededBy: cert.height });
    }
    const ctrl = new AbortController();
    const done = (async (): Promise<HookRunResult> => {
      if (prev) await prev.done.catch(() => {});
      try {
        return await this.loop(hook, cert, ctrl.signal, signal, again);
      } catch (e) {
        // Only the journal/state store can throw here (adapter errors are caught per attempt).
        const msg = `journal failure: ${(e as Error)?.message ?? String(e)}`;
        this.opts.logger?.error(
          { event: 'hook.aborted', hook: hook.name, height: cert.height, err: msg },
          'hook run aborted',
        );
        return {
          hookName: hook.name,
          certificateHash: cert.certificateHash,
          height: cert.height,
          action,
          status: 'failed',
          attempts: 0,
          lastError: msg,
        };
      }
    })();
    const task: Task = { height: cert.height, certificateHash: cert.certificateHash, ctrl, done };
    this.tasks.set(hook.name, task);
    void done.finally(() => {
      if (this.tasks.get(hook.name) === task) this.tasks.delete(hook.name);
    });
    return done;
  }

  private async loop(
    hook: HookAdapter,
    cert: HookCertificate,
    supersede: AbortSignal,
    caller: AbortSignal | undefined,
    again: boolean,
  ): Promise<HookRunResult> {
    const { journal, logger, onEvent } = this.opts;
    const action = actionForTarget(cert.target);
    const base: EventBase = {
      hook: hook.name,
      action,
      height: cert.height,
      certificateHash: cert.certificateHash,
    };
    const signal = AbortSignal.any([supersede, this.stopCtrl.signal, ...(caller ? [caller] : [])]);
    const entry: HookJournalEntry = (await journal.get(cert.certificateHash, hook.name)) ?? {
      certificateHash: cert.certificateHash,
      height: cert.height,
      action,
      hookName: hook.name,
      status: 'pending',
      attempts: 0,
      lastError: null,
      updatedAt: this.now(),
    };
    const result = (status: HookRunResult['status']): HookRunResult => ({
      hookName: hook.name,
      certificateHash: cert.certificateHash,
      height: cert.height,
      action,
      status,
      attempts: entry.attempts,
      lastError: entry.lastError,
    });
    if (entry.status === 'ok') {
      if (!again) return result('ok');
      entry.reasserts = (entry.reasserts ?? 0) + 1;
      logger?.info(
        { event: 'hook.reasserting', ...base, reasserts: entry.reasserts },
        're-asserting hook (start-up)',
      );
    }
    const stopped = async () => {
      const by = (supersede.reason as { supersededBy?: number } | undefined)?.supersededBy ?? null;
      const why = supersede.aborted ? `superseded by certificate at height ${by}` : 'stopped';
      if (supersede.aborted) {
        entry.status = 'failed';
        entry.lastError = why;
        entry.updatedAt = this.now();
        await journal.put(entry);
      }
      onEvent?.({ ...base, type: 'superseded', byHeight: by });
      logger?.info({ event: 'hook.cancelled', ...base, reason: why }, 'hook run cancelled');
      return result(supersede.aborted ? 'superseded' : 'failed');
    };
    const ctx = {
      networkId: cert.networkId,
      height: cert.height,
      target: cert.target,
      ...(cert.limits === undefined ? {} : { limits: cert.limits }),
      certificateHash: cert.certificateHash,
      certificateJson: cert.certificateJson,
      state: this.opts.stateFor(hook.name),
    };
    for (let n = 1; ; n++) {
      if (signal.aborted) return stopped();
      entry.attempts += 1;
      entry.status = 'pending';
      entry.updatedAt = this.now();
      await journal.put(entry); // the attempt is on record before it starts: a crash now means "re-run"
      onEvent?.({ ...base, type: 'attempt', attempt: entry.attempts });
      const t0 = this.now();
      try {
        await hook.apply(action, ctx, { signal });
        entry.status = 'ok';
        entry.lastError = null;
        entry.updatedAt = this.now();
        await journal.put(entry);
        onEvent?.({ ...base, type: 'ok', attempts: entry.attempts, durationMs: this.now() - t0 });
        logger?.info({ event: 'hook.ok', ...base, attempts: entry.attempts }, 'hook ok');
        return result('ok');
      } catch (e) {
        const err = asHookError(hook.name, e);
        entry.status = 'failed';
        entry.lastError = `${err.code}: ${err.message}`;
        entry.updatedAt = this.now();
        await journal.put(entry);
        if (signal.aborted) return stopped();
        const giveUp = !err.retryable || (this.retry.maxAttempts > 0 && n >= this.retry.maxAttempts);
        const delay = giveUp ? null : this.backoffMs(n);
        onEvent?.({ ...base, type: 'failed', attempts: entry.attempts, error: err, retryInMs: delay });
        // A failed halt is an error at once (the lab is not pausing while it retries); a failed resume
        // is a warning until the runner gives up.
        const fields: HookLogFields = {
          event: 'hook.failed',
          ...base,
          attempts: entry.attempts,
          code: err.code,
          err: err.message,
          retryInMs: delay,
        };
        if (delay === null) {
          logger?.error(fields, 'hook failed; giving up');
          return result('failed');
        }
        if (action === 'halt') logger?.error(fields, 'hook failed; will retry');
        else logger?.warn(fields, 'hook failed; will retry');
        await sleep(delay, signal);
      }
    }
  }
}
