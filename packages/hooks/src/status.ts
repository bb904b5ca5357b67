import type { HookStatus } from '@pausenet/protocol/api';
import type { HookJournal, HookJournalEntry } from './types.js';

/** One row of `GET /v1/status` → `hooks` (the API's shape, @pausenet/protocol/api), without the re-assert count. */
export type HookStatusJson = Omit<HookStatus, 'reasserts'>;

/** Maps a journal entry to the status-API shape. */
export function hookStatusJson(e: HookJournalEntry): HookStatusJson {
  return {
    height: e.height,
    action: e.action,
    hook: e.hookName,
    status: e.status,
    attempts: e.attempts,
    lastError: e.lastError,
  };
}

/** The hook rows of the status API: every hook's entries for the latest `heights` certificate heights. */
export async function hookStatusList(journal: HookJournal, heights = 2): Promise<HookStatusJson[]> {
  const all = await journal.list();
  const keep = new Set([...new Set(all.map((e) => e.height))].sort((a, b) => b - a).slice(0, heights));
  return all.filter((e) => keep.has(e.height)).map(hookStatusJson);
}
