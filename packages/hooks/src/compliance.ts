import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HookRunner, type HookRunnerEvent } from './runner.js';
import { JsonFileHookStore } from './store/json-file.js';
import {
  type HookAction,
  type HookAdapter,
  type HookContext,
  HookError,
  type HookErrorCode,
  type HookStateStore,
} from './types.js';

/** What an adapter's test provides to the shared compliance suite. */
export interface HookComplianceHarness {
  /** A fresh adapter instance; called again to simulate a process restart against the same outside world. */
  createAdapter(): HookAdapter | Promise<HookAdapter>;
  /** The externally observable state the hook acts on (compared with deep equality). */
  observe(): Promise<unknown>;
  /** Makes subsequent applies fail (e.g. revoke a permission, make the endpoint return 503). */
  breakIt(): Promise<void>;
  /** Undoes breakIt. */
  repair(): Promise<void>;
  /**
   * Undoes the effect of a halt out of band, as an operator or a reboot would (delete the sentinel,
   * unsuspend the job, scale the deployment back up), without touching the hook's state store.
   */
  undoOutOfBand(): Promise<void>;
  /** Releases servers, processes and files. */
  cleanup(): Promise<void>;
}

export interface HookComplianceOptions {
  /** Codes a broken hook may fail with (default: any HookError). */
  failureCodes?: HookErrorCode[];
  /** Delays (ms) after which a halt is cancelled to test interruption mid-way (default [0, 2, 10]). */
  interruptAfterMs?: number[];
}

const NETWORK_ID = 'ab'.repeat(32);

/** Builds the context a runner would pass for `action` (halt at height 1, resume at height 2). */
export function complianceContext(action: HookAction, state: HookStateStore): HookContext {
  const height = action === 'halt' ? 1 : 2;
  const target = action === 'halt' ? 'PAUSED' : 'RUNNING';
  const certificateHash = (action === 'halt' ? 'c1' : 'c2').repeat(32);
  const certificateJson = JSON.stringify({
    hash: certificateHash,
    height,
    target,
    statement: `70617573656e6574${NETWORK_ID}`,
    signature: 'aa'.repeat(96),
    signers: ['lab-a', 'lab-b', 'lab-c'],
  });
  return { networkId: NETWORK_ID, height, target, certificateHash, certificateJson, state };
}

/**
 * Shared suite every halt-hook adapter must pass (exec, webhook, file, kubernetes, slurm): idempotent
 * apply, exact undo, harmless resume, restart and interruption mid-way, re-apply after an out-of-band
 * undo, typed failure retried by the runner.
 */
export function runHookCompliance(
  name: string,
  setup: () => Promise<HookComplianceHarness>,
  options: HookComplianceOptions = {},
): void {
  describe(`${name} hook compliance`, () => {
    let h: HookComplianceHarness;
    let dir: string;
    let storePath: string;
    /** A "process": adapter + its durable state; calling it again simulates a restart. */
    const boot = async () => {
      const store = new JsonFileHookStore(storePath);
      const adapter = await h.createAdapter();
      return { adapter, store, state: store.stateFor(adapter.name) };
    };
    const apply = async (
      p: { adapter: HookAdapter; state: HookStateStore },
      action: HookAction,
      signal?: AbortSignal,
    ) => p.adapter.apply(action, complianceContext(action, p.state), { signal });

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pausenet-compliance-'));
      storePath = join(dir, 'hooks.json');
      h = await setup();
    });
    afterEach(async () => {
      await h.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('halt changes the observable state and is idempotent (twice = once)', async () => {
      const p = await boot();
      const baseline = await h.observe();
      await apply(p, 'halt');
      const halted = await h.observe();
      expect(halted).not.toEqual(baseline);
      await apply(p, 'halt');
      expect(await h.observe()).toEqual(halted);
    });

    it('resume undoes exactly what halt did, and is idempotent', async () => {
      const p = await boot();
      const baseline = await h.observe();
      await apply(p, 'halt');
      await apply(p, 'resume');
      expect(await h.observe()).toEqual(baseline);
      await apply(p, 'resume');
      expect(await h.observe()).toEqual(baseline);
    });

    it('resume without a prior halt is harmless', async () => {
      const p = await boot();
      const baseline = await h.observe();
      await apply(p, 'resume');
      expect(await h.observe()).toEqual(baseline);
    });

    it('survives a restart: a new instance with the same state store resumes what the old one halted', async () => {
      const baseline = await h.observe();
      const first = await boot();
      await apply(first, 'halt');
      const halted = await h.observe();
      const second = await boot();
      await apply(second, 'halt'); // re-run after a crash before the journal said 'ok'
      expect(await h.observe()).toEqual(halted);
      const third = await boot();
      await apply(third, 'resume');
      expect(await h.observe()).toEqual(baseline);
    });

    it('apply again after the effect was undone out of band restores it (re-assert on start)', async () => {
      if (typeof h.undoOutOfBand !== 'function')
        throw new Error(
          `${name}: the compliance harness must provide undoOutOfBand() (see HookComplianceHarness)`,
        );
      const baseline = await h.observe();
      const p = await boot();
      await apply(p, 'halt');
      const halted = await h.observe();
      await h.undoOutOfBand();
      expect(await h.observe(), 'undoOutOfBand must undo the halt').not.toEqual(halted);
      // The node restarts (a new instance on the same state store) and re-applies the current state.
      const restarted = await boot();
      await apply(restarted, 'halt');
      expect(await h.observe(), 'halt again restores the halted state').toEqual(halted);
      await apply(restarted, 'halt');
      expect(await h.observe()).toEqual(halted);
      await apply(restarted, 'resume');
      expect(await h.observe(), 'resume after the re-assert restores the baseline').toEqual(baseline);
    });

    it('survives a halt interrupted mid-way: halt completes after restart, resume restores the baseline', async () => {
      const baseline = await h.observe();
      const ref = await boot();
      await apply(ref, 'halt');
      const halted = await h.observe();
      await apply(ref, 'resume');
      expect(await h.observe()).toEqual(baseline);
      for (const ms of options.interruptAfterMs ?? [0, 2, 10]) {
        const p = await boot();
        const ctrl = new AbortController();
        if (ms === 0) ctrl.abort();
        const t = setTimeout(() => ctrl.abort(), ms);
        const outcome = await apply(p, 'halt', ctrl.signal).then(
          () => null,
          (e: unknown) => e,
        );
        clearTimeout(t);
        if (outcome !== null) {
          expect(outcome).toBeInstanceOf(HookError);
          expect(['ABORTED', 'TIMEOUT']).toContain((outcome as HookError).code);
        }
        const restarted = await boot();
        await apply(restarted, 'halt');
        expect(await h.observe(), `halt after interrupt at ${ms} ms`).toEqual(halted);
        await apply(restarted, 'resume');
        expect(await h.observe(), `resume after interrupt at ${ms} ms`).toEqual(baseline);
      }
    });

    it('a failure is a typed HookError, retried by the runner with backoff without blocking other hooks', async () => {
      const p = await boot();
      const baseline = await h.observe();
      await h.breakIt();
      const err = await apply(p, 'halt').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, 'apply must reject while broken').toBeInstanceOf(HookError);
      const he = err as HookError;
      expect(he.message.length).toBeGreaterThan(10);
      if (options.failureCodes) expect(options.failureCodes).toContain(he.code);

      const order: string[] = [];
      const events: HookRunnerEvent[] = [];
      let repaired = false;
      const other: HookAdapter = {
        type: 'test',
        name: 'other-hook',
        async apply() {
          order.push('other-hook');
        },
      };
      const runner = new HookRunner({
        hooks: [p.adapter, other],
        journal: p.store.journal,
        stateFor: (n) => p.store.stateFor(n),
        retry: { baseMs: 20, maxMs: 100, maxAttempts: 20 },
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'ok') order.push(e.hook);
          if (e.type === 'failed' && e.hook === p.adapter.name && !repaired) {
            repaired = true;
            void h.repair();
          }
        },
      });
      const ctx = complianceContext('halt', p.state);
      const results = await runner.runFor({ ...ctx });
      await runner.stop();
      expect(results.map((r) => r.status)).toEqual(['ok', 'ok']);
      expect(order[0]).toBe('other-hook');
      const entry = await p.store.journal.get(ctx.certificateHash, p.adapter.name);
      expect(entry?.status).toBe('ok');
      expect(entry?.attempts).toBeGreaterThanOrEqual(2);
      const failed = events.find((e) => e.type === 'failed');
      expect(failed?.type === 'failed' && failed.error instanceof HookError).toBe(true);
      expect(await h.observe()).not.toEqual(baseline);
      await apply(p, 'resume');
      expect(await h.observe()).toEqual(baseline);
    });
  });
}
