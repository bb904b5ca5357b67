import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hookStatusList } from '../src/status.js';
import { JsonFileHookStore } from '../src/store/json-file.js';
import type { HookJournalEntry } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

const e = (
  hash: string,
  hookName: string,
  height: number,
  status: HookJournalEntry['status'],
): HookJournalEntry => ({
  certificateHash: hash,
  height,
  action: height % 2 ? 'halt' : 'resume',
  hookName,
  status,
  attempts: 1,
  lastError: status === 'failed' ? 'IO: boom' : null,
  updatedAt: height,
});

describe('JsonFileHookStore', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await tempDir());
  });
  afterEach(() => remove());

  it('journal and state survive a new instance (restart); writes are atomic (no temp files left)', async () => {
    const path = join(dir, 'hooks.json');
    const a = new JsonFileHookStore(path);
    await Promise.all([
      a.journal.put(e('aa', 'x', 1, 'ok')),
      a.journal.put(e('aa', 'y', 1, 'failed')),
      a.journal.put(e('bb', 'x', 2, 'pending')),
      a.stateFor('x').set('undo', { replicas: 3 }),
      a.stateFor('y').set('undo', { other: true }),
    ]);
    await a.journal.put({ ...e('aa', 'y', 1, 'ok'), attempts: 2 }); // upsert by (hash, hook)
    const b = new JsonFileHookStore(path);
    expect((await b.journal.list()).map((x) => [x.certificateHash, x.hookName, x.status])).toEqual([
      ['bb', 'x', 'pending'],
      ['aa', 'x', 'ok'],
      ['aa', 'y', 'ok'],
    ]);
    expect(await b.journal.list({ limit: 1 })).toHaveLength(1);
    expect((await b.journal.listUnfinished()).map((x) => x.certificateHash)).toEqual(['bb']);
    expect(await b.journal.get('aa', 'y')).toMatchObject({ attempts: 2, status: 'ok' });
    expect(await b.stateFor('x').get('undo')).toEqual({ replicas: 3 });
    expect(await b.stateFor('x').keys?.()).toEqual(['undo']);
    await b.stateFor('x').delete('undo');
    expect(await new JsonFileHookStore(path).stateFor('x').get('undo')).toBeUndefined();
    expect(await new JsonFileHookStore(path).stateFor('y').get('undo')).toEqual({ other: true });
    expect(await readdir(dir)).toEqual(['hooks.json']);
    expect(JSON.parse(await readFile(path, 'utf8')).version).toBe(1);
  });

  it('values are copied: mutating a returned object does not change the store', async () => {
    const s = new JsonFileHookStore(join(dir, 'h.json')).stateFor('k');
    await s.set('v', { a: 1 });
    const v = (await s.get('v')) as { a: number };
    v.a = 2;
    expect(await s.get('v')).toEqual({ a: 1 });
  });

  it('hookStatusList gives the status-API rows of the latest heights', async () => {
    const s = new JsonFileHookStore(join(dir, 'h.json'));
    await s.journal.put(e('aa', 'x', 1, 'ok'));
    await s.journal.put(e('bb', 'x', 2, 'ok'));
    await s.journal.put(e('cc', 'x', 3, 'failed'));
    await s.journal.put(e('cc', 'y', 3, 'pending'));
    expect(await hookStatusList(s.journal, 1)).toEqual([
      { height: 3, action: 'halt', hook: 'x', status: 'failed', attempts: 1, lastError: 'IO: boom' },
      { height: 3, action: 'halt', hook: 'y', status: 'pending', attempts: 1, lastError: null },
    ]);
    expect((await hookStatusList(s.journal)).map((r) => r.height)).toEqual([3, 3, 2]);
  });
});
