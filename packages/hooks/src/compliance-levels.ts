import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HookComplianceHarness } from './compliance.js';
import { JsonFileHookStore } from './store/json-file.js';
import {
  actionForTarget,
  type HookAdapter,
  type HookContext,
  HookError,
  type HookErrorCode,
  type HookLevelLimits,
  type HookStateStore,
  type PauseTarget,
} from './types.js';

const NETWORK_ID = 'ab'.repeat(32);

/** The context a runner would pass for a certificate naming `target` at `height` (levels suite). */
export function levelContext(target: PauseTarget, height: number, state: HookStateStore): HookContext {
  const certificateHash = (height % 256).toString(16).padStart(2, '0').repeat(32);
  const limits: HookLevelLimits =
    target === 'REDUCED' ? { trainingFlop: '1000000000000000000000', acceleratorFraction: 2500 } : {};
  const certificateJson = JSON.stringify({
    hash: certificateHash,
    height,
    target,
    statement: `70617573656e6574${NETWORK_ID}`,
    signature: 'aa'.repeat(96),
    signers: ['lab-a', 'lab-b', 'lab-c'],
  });
  return { networkId: NETWORK_ID, height, target, limits, certificateHash, certificateJson, state };
}

/** What an adapter's test provides to the levels suite (the halt suite's harness; out-of-band undo unused). */
export type LevelComplianceHarness = Omit<HookComplianceHarness, 'undoOutOfBand'>;

export interface LevelComplianceOptions {
  /**
   * `own`: the adapter has a REDUCED state of its own (different from RUNNING and from PAUSED); `as-halt`: it
   * holds REDUCED like PAUSED (no reduce configured).
   */
  reduce: 'own' | 'as-halt';
  /** Codes a broken hook may fail with (default: any HookError). */
  failureCodes?: HookErrorCode[];
  /** Delays (ms) after which a reduce is cancelled to test interruption mid-way (default [0, 2, 10]). */
  interruptAfterMs?: number[];
}

/**
 * Shared suite for the graded levels (docs/hooks.md "Levels"): every adapter's `reduce` is idempotent, the state
 * at a level does not depend on the path that led there, each step down undoes exactly the layer above, resume
 * restores the original state from any level, and a restart or an interruption mid-way changes none of that.
 */
export function runLevelCompliance(
  name: string,
  setup: () => Promise<LevelComplianceHarness>,
  options: LevelComplianceOptions,
): void {
  describe(`${name} hook compliance: levels (halt, reduce, resume)`, () => {
    let h: LevelComplianceHarness;
    let dir: string;
    let storePath: string;
    let height = 0;
    /** A "process": adapter + its durable state; calling it again simulates a restart. */
    const boot = async () => {
      const store = new JsonFileHookStore(storePath);
      const adapter = await h.createAdapter();
      return { adapter, state: store.stateFor(adapter.name) };
    };
    type Proc = { adapter: HookAdapter; state: HookStateStore };
    /** Applies the certificate for `target` at the next height (as the runner would). */
    const go = async (p: Proc, target: PauseTarget, signal?: AbortSignal) => {
      height += 1;
      await p.adapter.apply(actionForTarget(target), levelContext(target, height, p.state), { signal });
    };

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pausenet-levels-'));
      storePath = join(dir, 'hooks.json');
      height = 0;
      h = await setup();
    });
    afterEach(async () => {
      await h.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('reduce is idempotent (twice = once) and resume after it restores the original state exactly', async () => {
      const p = await boot();
      const baseline = await h.observe();
      await go(p, 'REDUCED');
      const reduced = await h.observe();
      expect(reduced).not.toEqual(baseline);
      await go(p, 'REDUCED');
      expect(await h.observe()).toEqual(reduced);
      await go(p, 'RUNNING');
      expect(await h.observe()).toEqual(baseline);
      await go(p, 'RUNNING');
      expect(await h.observe()).toEqual(baseline);
    });

    it('a level looks the same whatever path led to it; each step down undoes exactly one level', async () => {
      const p = await boot();
      const baseline = await h.observe();
      await go(p, 'PAUSED');
      const pausedDirect = await h.observe();
      await go(p, 'RUNNING');
      expect(await h.observe()).toEqual(baseline);
      await go(p, 'REDUCED');
      const reducedDirect = await h.observe();
      if (options.reduce === 'own') expect(reducedDirect).not.toEqual(pausedDirect);
      else expect(reducedDirect).toEqual(pausedDirect);
      await go(p, 'PAUSED'); // REDUCED -> PAUSED: halt on top of reduce
      expect(await h.observe()).toEqual(pausedDirect);
      await go(p, 'REDUCED'); // PAUSED -> REDUCED: back to reduced, not to running
      expect(await h.observe()).toEqual(reducedDirect);
      await go(p, 'PAUSED');
      await go(p, 'RUNNING'); // PAUSED -> RUNNING from a reduce-then-halt path
      expect(await h.observe()).toEqual(baseline);
    });

    it('survives restarts between levels: each step by a new process with the same state store', async () => {
      const baseline = await h.observe();
      await go(await boot(), 'REDUCED');
      const reduced = await h.observe();
      await go(await boot(), 'REDUCED'); // re-run after a crash before the journal said 'ok'
      expect(await h.observe()).toEqual(reduced);
      await go(await boot(), 'PAUSED');
      const paused = await h.observe();
      await go(await boot(), 'PAUSED');
      expect(await h.observe()).toEqual(paused);
      await go(await boot(), 'REDUCED');
      expect(await h.observe()).toEqual(reduced);
      await go(await boot(), 'RUNNING');
      expect(await h.observe()).toEqual(baseline);
    });

    it('survives a reduce interrupted mid-way (from RUNNING and from PAUSED): it completes after a restart', async () => {
      const ref = await boot();
      const baseline = await h.observe();
      await go(ref, 'REDUCED');
      const reduced = await h.observe();
      await go(ref, 'RUNNING');
      expect(await h.observe()).toEqual(baseline);
      for (const from of ['RUNNING', 'PAUSED'] as const) {
        for (const ms of options.interruptAfterMs ?? [0, 2, 10]) {
          const p = await boot();
          if (from === 'PAUSED') await go(p, 'PAUSED');
          const ctrl = new AbortController();
          if (ms === 0) ctrl.abort();
          const t = setTimeout(() => ctrl.abort(), ms);
          const outcome = await go(p, 'REDUCED', ctrl.signal).then(
            () => null,
            (e: unknown) => e,
          );
          clearTimeout(t);
          if (outcome !== null) {
            expect(outcome).toBeInstanceOf(HookError);
            expect(['ABORTED', 'TIMEOUT']).toContain((outcome as HookError).code);
          }
          const restarted = await boot();
          await go(restarted, 'REDUCED');
          expect(await h.observe(), `reduce from ${from} after interrupt at ${ms} ms`).toEqual(reduced);
          await go(restarted, 'RUNNING');
          expect(await h.observe(), `resume from ${from} after interrupt at ${ms} ms`).toEqual(baseline);
        }
      }
    });

    it('a failing reduce is a typed HookError; once repaired, reduce and resume converge', async () => {
      const p = await boot();
      const baseline = await h.observe();
      await go(p, 'REDUCED');
      const reduced = await h.observe();
      await go(p, 'RUNNING');
      await h.breakIt();
      const err = await go(p, 'REDUCED').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, 'reduce must reject while broken').toBeInstanceOf(HookError);
      expect((err as HookError).message.length).toBeGreaterThan(10);
      if (options.failureCodes) expect(options.failureCodes).toContain((err as HookError).code);
      await h.repair();
      await go(p, 'REDUCED');
      expect(await h.observe()).toEqual(reduced);
      await go(p, 'RUNNING');
      expect(await h.observe()).toEqual(baseline);
    });
  });
}
