import { TempDirs } from '@pausenet/testkit';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../src/store/index.js';

const tmp = new TempDirs();
afterEach(() => {
  tmp.cleanup();
});

function open(dir?: string): { dir: string; store: Store } {
  const d = dir ?? tmp.make('pn-agr-store-');
  return { dir: d, store: Store.open(d) };
}

describe('migration 2 + SQLite hook journal/state', () => {
  it('creates the agreement tables with pause_state at height 0 RUNNING', () => {
    const { store } = open();
    expect(store.schemaVersion()).toBeGreaterThanOrEqual(2);
    expect(store.pauseState.get()).toEqual({
      height: 0,
      state: 'RUNNING',
      since: null,
      certificateHash: null,
    });
    const file = store.file;
    store.close();
    // The schema itself (inspected from outside the store): one row, only legal values.
    const db = new Database(file);
    try {
      expect(db.prepare('SELECT height, state, since FROM pause_state').all()).toEqual([
        { height: 0, state: 'RUNNING', since: null },
      ]);
      expect(() =>
        db.prepare("INSERT INTO pause_state (id, height, state) VALUES (2, 1, 'PAUSED')").run(),
      ).toThrow();
      expect(() =>
        db.prepare("INSERT INTO signed_heights VALUES (1, 'HALTED', x'00', x'00', 0)").run(),
      ).toThrow();
    } finally {
      db.close();
    }
  });

  it('journal rows are keyed by (certificate, hook), survive a reopen, and list unfinished/most recent first', async () => {
    const { dir, store } = open();
    const j = store.hookJournal;
    j.recordPending({ certificateHash: 'aa', height: 1, action: 'halt' }, ['file', 'exec'], 10);
    j.recordPending({ certificateHash: 'aa', height: 1, action: 'halt' }, ['file'], 11); // existing rows kept
    await j.put({
      certificateHash: 'aa',
      hookName: 'file',
      height: 1,
      action: 'halt',
      status: 'ok',
      attempts: 1,
      lastError: null,
      updatedAt: 12,
    });
    await j.put({
      certificateHash: 'bb',
      hookName: 'file',
      height: 2,
      action: 'resume',
      status: 'failed',
      attempts: 3,
      lastError: 'IO: disk full',
      updatedAt: 13,
    });
    store.close();
    const again = open(dir).store;
    const j2 = again.hookJournal;
    expect(await j2.get('aa', 'exec')).toMatchObject({ status: 'pending', attempts: 0, updatedAt: 10 });
    expect((await j2.listUnfinished()).map((e) => `${e.certificateHash}/${e.hookName}`)).toEqual([
      'aa/exec',
      'bb/file',
    ]);
    expect((await j2.list()).map((e) => `${e.height}/${e.hookName}`)).toEqual(['2/file', '1/exec', '1/file']);
    expect(await j2.list({ limit: 1 })).toEqual([
      {
        certificateHash: 'bb',
        hookName: 'file',
        height: 2,
        action: 'resume',
        status: 'failed',
        attempts: 3,
        lastError: 'IO: disk full',
        updatedAt: 13,
        reasserts: 0,
      },
    ]);
    expect(await j2.get('zz', 'file')).toBeUndefined();
    again.close();
  });

  it("a REDUCED certificate's journal rows read back as reduce, not resume (GET /v1/status lists them)", async () => {
    const { dir, store } = open();
    store.hookJournal.recordPending({ certificateHash: 'cc', height: 1, action: 'reduce' }, ['exec'], 10);
    await store.hookJournal.put({
      certificateHash: 'cc',
      hookName: 'file',
      height: 1,
      action: 'reduce',
      status: 'ok',
      attempts: 1,
      lastError: null,
      updatedAt: 11,
    });
    store.close();
    const again = open(dir).store;
    expect((await again.hookJournal.list()).map((e) => `${e.hookName}:${e.action}`).sort()).toEqual([
      'exec:reduce',
      'file:reduce',
    ]);
    expect((await again.hookJournal.listUnfinished()).map((e) => e.action)).toEqual(['reduce']);
    again.close();
  });

  it('hook state is per hook, JSON-valued and durable', async () => {
    const { dir, store } = open();
    const a = store.hookState('slurm');
    const b = store.hookState('k8s');
    await a.set('held/1', { jobs: [1, 2], partition: 'gpu' });
    await a.set('held/2', 'x');
    await b.set('held/1', 7);
    expect(await a.keys?.('held/')).toEqual(['held/1', 'held/2']);
    await a.delete('held/2');
    await expect(a.set('bad', () => 1)).rejects.toThrow(/not JSON-serialisable/);
    store.close();
    const again = open(dir).store;
    const a2 = again.hookState('slurm');
    expect(await a2.get('held/1')).toEqual({ jobs: [1, 2], partition: 'gpu' });
    expect(await a2.get('held/2')).toBeUndefined();
    expect(await again.hookState('k8s').get('held/1')).toBe(7);
    again.close();
  });
});
