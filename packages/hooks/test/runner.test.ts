import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecHook } from '../src/adapters/exec.js';
import { FileHook } from '../src/adapters/file.js';
import { execHookConfigSchema, fileHookConfigSchema } from '../src/config.js';
import { HookRunner, type HookRunnerEvent } from '../src/runner.js';
import { JsonFileHookStore } from '../src/store/json-file.js';
import { type HookAdapter, type HookCertificate, HookError, type HookLogger } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

const NET = '11'.repeat(32);
const cert = (height: number): HookCertificate => ({
  networkId: NET,
  height,
  target: height % 2 === 1 ? 'PAUSED' : 'RUNNING',
  certificateHash: height.toString(16).padStart(2, '0').repeat(32),
  certificateJson: JSON.stringify({ height }),
});

/** A real child-process hook that appends one line per run: counts how often it really ran. */
async function countingHook(dir: string, name = 'count'): Promise<HookAdapter> {
  const path = join(dir, `${name}.sh`);
  await writeFile(path, `#!/bin/sh\necho "$PAUSENET_ACTION $PAUSENET_HEIGHT" >> "$DIR/${name}.log"\n`);
  await chmod(path, 0o755);
  return new ExecHook(execHookConfigSchema.parse({ type: 'exec', name, command: path, env: { DIR: dir } }));
}

const runs = async (dir: string, name = 'count') =>
  (await readFile(join(dir, `${name}.log`), 'utf8').catch(() => '')).split('\n').filter(Boolean);

/** Fails the first `n` applies with `code`, then succeeds. */
function flaky(name: string, n: number, code: HookError['code'] = 'HTTP_STATUS') {
  let calls = 0;
  const times: number[] = [];
  const adapter: HookAdapter = {
    type: 'test',
    name,
    async apply() {
      times.push(Date.now());
      calls += 1;
      if (calls <= n) throw new HookError(code, `${name}: simulated failure ${calls}`, { hook: name });
    },
  };
  return { adapter, times, calls: () => calls };
}

describe('HookRunner', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let store: JsonFileHookStore;
  const runners: HookRunner[] = [];
  const make = (hooks: HookAdapter[], extra: Partial<ConstructorParameters<typeof HookRunner>[0]> = {}) => {
    const r = new HookRunner({
      hooks,
      journal: store.journal,
      stateFor: (n) => store.stateFor(n),
      retry: { baseMs: 20, maxMs: 200, maxAttempts: 6 },
      ...extra,
    });
    runners.push(r);
    return r;
  };
  beforeEach(async () => {
    ({ dir, remove } = await tempDir());
    store = new JsonFileHookStore(join(dir, 'hooks.json'));
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    await remove();
  });

  it('retries a failing hook with exponential backoff while the other hooks finish unblocked', async () => {
    const bad = flaky('bad', 3);
    const sentinel = join(dir, 'PAUSED');
    const file = new FileHook(fileHookConfigSchema.parse({ type: 'file', name: 'sentinel', path: sentinel }));
    const events: HookRunnerEvent[] = [];
    let sentinelDoneAt = 0;
    const r = make([bad.adapter, file], {
      retry: { baseMs: 40, maxMs: 1000, maxAttempts: 6, factor: 2 },
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'ok' && e.hook === 'sentinel') sentinelDoneAt = Date.now();
      },
    });
    const results = await r.runFor(cert(1));
    expect(results.map((x) => [x.hookName, x.status, x.attempts])).toEqual([
      ['bad', 'ok', 4],
      ['sentinel', 'ok', 1],
    ]);
    const delays = events.flatMap((e) => (e.type === 'failed' ? [e.retryInMs] : []));
    expect(delays).toEqual([40, 80, 160]);
    const gaps = bad.times.slice(1).map((t, i) => t - (bad.times[i] as number));
    for (const [i, g] of gaps.entries()) expect(g).toBeGreaterThanOrEqual((delays[i] as number) - 5);
    // Not blocked by the failing hook: done long before its retries ended (280 ms of backoff).
    expect(sentinelDoneAt).toBeLessThan(bad.times[3] as number);
    const entry = await store.journal.get(cert(1).certificateHash, 'bad');
    expect(entry).toMatchObject({ status: 'ok', attempts: 4, lastError: null, action: 'halt', height: 1 });
  });

  it('gives up after maxAttempts (status failed, lastError kept); CONFIG errors are not retried', async () => {
    const bad = flaky('bad', 100);
    const cfg = flaky('misconfigured', 100, 'CONFIG');
    const logs: string[] = [];
    const logger: HookLogger = {
      info: (_f, m) => logs.push(`info ${m}`),
      warn: (_f, m) => logs.push(`warn ${m}`),
      error: (f, m) => logs.push(`error ${m} ${f.hook}`),
    };
    const r = make([bad.adapter, cfg.adapter], { retry: { baseMs: 5, maxMs: 10, maxAttempts: 3 }, logger });
    const results = await r.runFor(cert(1));
    expect(results.map((x) => [x.status, x.attempts])).toEqual([
      ['failed', 3],
      ['failed', 1],
    ]);
    expect(results[0]?.lastError).toBe('HTTP_STATUS: bad: simulated failure 3');
    expect((await store.journal.listUnfinished()).map((e) => e.hookName).sort()).toEqual([
      'bad',
      'misconfigured',
    ]);
    expect(logs).toContain('error hook failed; giving up bad');
    // A failed halt is an error from its first attempt on (the lab is not pausing while it retries).
    expect(logs.filter((l) => l === 'error hook failed; will retry bad')).toHaveLength(2);
    expect(logs.filter((l) => l.startsWith('warn'))).toHaveLength(0);
  });

  it('runs each hook effectively once per certificate: a repeated runFor (restart replay) does not re-run ok hooks', async () => {
    const hook = await countingHook(dir);
    await make([hook]).runFor(cert(1));
    // The node restarts and replays its last applied certificate: the journal says ok, nothing runs again.
    const restartedStore = new JsonFileHookStore(join(dir, 'hooks.json'));
    store = restartedStore;
    const again = await make([hook]).runFor(cert(1));
    expect(again[0]?.status).toBe('ok');
    expect(await runs(dir)).toEqual(['halt 1']);
  });

  it('reassert runs every hook again for the current certificate even when ok, counting it in the journal; a deleted sentinel is back', async () => {
    const count = await countingHook(dir);
    const sentinel = join(dir, 'PAUSED');
    const file = new FileHook(fileHookConfigSchema.parse({ type: 'file', name: 'sentinel', path: sentinel }));
    await make([count, file]).runFor(cert(1));
    expect(await runs(dir)).toEqual(['halt 1']);
    // The node stops; the sentinel's directory is cleaned; the node starts and re-asserts PAUSED.
    await rm(sentinel);
    const results = await make([count, file]).reassert(cert(1));
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(await readFile(sentinel, 'utf8')).toBe(cert(1).certificateJson);
    expect(await runs(dir)).toEqual(['halt 1', 'halt 1']);
    const rows = await store.journal.list();
    expect(rows.map((r) => [r.hookName, r.status, r.attempts, r.reasserts])).toEqual(
      expect.arrayContaining([
        ['count', 'ok', 2, 1],
        ['sentinel', 'ok', 2, 1],
      ]),
    );
    // runFor (not a re-assert) still never re-runs an ok hook.
    await make([count, file]).runFor(cert(1));
    expect(await runs(dir)).toHaveLength(2);
  });
  it('resumeUnfinished re-runs entries left pending/failed by a crash, using the latest entry per hook', async () => {
    const hook = await countingHook(dir);
    const other = await countingHook(dir, 'other');
    // State a crash leaves: attempt journaled as started (pending) but never finished; an older height failed.
    await store.journal.put({ ...entry(cert(1), 'count'), status: 'failed', attempts: 2, lastError: 'x' });
    await store.journal.put({ ...entry(cert(2), 'count'), status: 'pending', attempts: 1 });
    await store.journal.put({ ...entry(cert(1), 'other'), status: 'ok', attempts: 1 });
    const restarted = new JsonFileHookStore(join(dir, 'hooks.json'));
    store = restarted;
    const certs = new Map([cert(1), cert(2)].map((c) => [c.certificateHash, c]));
    const r = make([hook, other], { loadCertificate: async (h) => certs.get(h) });
    const results = await r.resumeUnfinished();
    expect(results.map((x) => [x.hookName, x.height, x.status, x.attempts])).toEqual([['count', 2, 'ok', 2]]);
    expect(await runs(dir)).toEqual(['resume 2']); // the stale height-1 halt is not replayed after the resume
    expect(await runs(dir, 'other')).toEqual([]);
    expect(await store.journal.listUnfinished()).toEqual([
      expect.objectContaining({ hookName: 'count', height: 1, status: 'failed' }),
    ]);
  });

  it('a newer certificate supersedes the retries of an older one for the same hook', async () => {
    let haltCalls = 0;
    const applied: string[] = [];
    const hook: HookAdapter = {
      type: 'test',
      name: 'h',
      async apply(action) {
        applied.push(action);
        if (action === 'halt') {
          haltCalls += 1;
          throw new HookError('NETWORK', 'unreachable');
        }
      },
    };
    const events: HookRunnerEvent[] = [];
    const r = make([hook], {
      retry: { baseMs: 30, maxMs: 30, maxAttempts: 0 },
      onEvent: (e) => events.push(e),
    });
    const first = r.runFor(cert(1));
    for (let i = 0; i < 500 && haltCalls < 2; i++) await new Promise((res) => setTimeout(res, 10));
    const second = await r.runFor(cert(2));
    const firstResult = await first;
    expect(firstResult[0]?.status).toBe('superseded');
    expect(second[0]?.status).toBe('ok');
    expect(applied.at(-1)).toBe('resume');
    expect(haltCalls).toBeGreaterThanOrEqual(2);
    const callsAtEnd = haltCalls;
    await new Promise((res) => setTimeout(res, 100));
    expect(haltCalls).toBe(callsAtEnd); // no halt retry after the resume
    expect(events.find((e) => e.type === 'superseded')).toMatchObject({ byHeight: 2, height: 1 });
    expect((await store.journal.get(cert(1).certificateHash, 'h'))?.lastError).toBe(
      'superseded by certificate at height 2',
    );
  });

  it('stop() cancels a backoff wait promptly', async () => {
    const bad = flaky('bad', 100);
    const r = make([bad.adapter], { retry: { baseMs: 10_000, maxMs: 10_000, maxAttempts: 0 } });
    const p = r.runFor(cert(1));
    await new Promise((res) => setTimeout(res, 50));
    const t0 = Date.now();
    await r.stop();
    const [res] = await p;
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(res?.status).toBe('failed');
    expect(bad.calls()).toBe(1);
  });
});

describe('HookRunner with a failing journal', () => {
  it('a journal write failure fails only that hook run, reported, without rejecting runFor', async () => {
    const { dir, remove } = await tempDir();
    try {
      const store = new JsonFileHookStore(join(dir, 'hooks.json'));
      const journal = {
        ...store.journal,
        put: async (e: Parameters<typeof store.journal.put>[0]) => {
          if (e.hookName === 'doomed') throw new Error('disk full');
          return store.journal.put(e);
        },
      };
      const ok = flaky('fine', 0);
      const doomed = flaky('doomed', 0);
      const errors: string[] = [];
      const r = new HookRunner({
        hooks: [doomed.adapter, ok.adapter],
        journal,
        stateFor: (n) => store.stateFor(n),
        logger: { info() {}, warn() {}, error: (f) => errors.push(String(f.err)) },
      });
      const results = await r.runFor(cert(1));
      expect(results.map((x) => [x.hookName, x.status])).toEqual([
        ['doomed', 'failed'],
        ['fine', 'ok'],
      ]);
      expect(results[0]?.lastError).toBe('journal failure: disk full');
      expect(doomed.calls()).toBe(0); // never ran without a journal record
      expect(errors).toEqual(['journal failure: disk full']);
    } finally {
      await remove();
    }
  });
});

function entry(c: HookCertificate, hookName: string) {
  return {
    certificateHash: c.certificateHash,
    height: c.height,
    action: c.target === 'PAUSED' ? ('halt' as const) : ('resume' as const),
    hookName,
    status: 'pending' as const,
    attempts: 0,
    lastError: null,
    updatedAt: 1,
  };
}
