import { waitFor as poll, sleep } from '@pausenet/cli';

export { sleep };

/**
 * Poll `check` every `everyMs` until it returns something other than undefined or false (a thrown error
 * counts as not yet); throws naming `what` (and the last error) after `timeoutMs`.
 */
export function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  return poll(
    what,
    async () => {
      const v = await check();
      return v === false ? undefined : v;
    },
    { timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: opts.everyMs ?? 50 },
  );
}
