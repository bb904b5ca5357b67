import { HookError } from './types.js';

/** A caller signal combined with a timeout; `fail()` turns an abort into the right typed HookError. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Throws HookError TIMEOUT/ABORTED if the deadline or caller aborted; otherwise returns. */
  check(): void;
  /** The typed error for the current abort reason. */
  error(what: string): HookError;
  dispose(): void;
}

/** Starts a deadline of `timeoutMs` linked to an optional caller signal. */
export function startDeadline(hook: string, timeoutMs: number, outer?: AbortSignal): Deadline {
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort(new Error('timeout'));
  }, timeoutMs);
  const onOuter = () => ctrl.abort(outer?.reason);
  if (outer?.aborted) ctrl.abort(outer.reason);
  else outer?.addEventListener('abort', onOuter, { once: true });
  const error = (what: string) =>
    timedOut
      ? new HookError('TIMEOUT', `${hook}: ${what} timed out after ${timeoutMs} ms`, {
          hook,
          details: { timeoutMs },
        })
      : new HookError('ABORTED', `${hook}: ${what} was cancelled`, { hook, cause: outer?.reason });
  return {
    signal: ctrl.signal,
    check() {
      if (ctrl.signal.aborted) throw error('hook');
    },
    error,
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

/** Throws HookError ABORTED when the signal is already aborted. */
export function throwIfAborted(hook: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HookError('ABORTED', `${hook}: cancelled`, { hook, cause: signal.reason });
}
