import { setTimeout as sleep } from 'node:timers/promises';
import type { HookContext, HookError, HookStateStore, JsonValue } from '../types.js';
import { matchesSelection, type SlurmHookConfig, type SlurmReduceConfig } from './config.js';
import { parseAssocMgrLimit, parseTresList, type SlurmJob, type SlurmLimitView, tresCount } from './parse.js';
import type { SlurmCommandRunner } from './runner.js';

/** State-store key of the reduce layer's undo record (the halt layer's is `slurm-undo`). */
export const SLURM_REDUCE_KEY = 'slurm-reduce';

/** The GrpTRES component the reduce layer changed, and its value before the first reduce. */
export interface SlurmLimitRecord {
  kind: 'qos' | 'account';
  name: string;
  /** Account mode: the association's cluster (null for a QOS). */
  cluster: string | null;
  tres: string;
  /** The value in the accounting database before the first reduce; null: no limit. */
  previous: number | null;
}

/**
 * What the reduce layer changed, written before each change: the limit (with its previous value) and the running
 * jobs it suspended because they were above the cap. Kept as it is by re-applies (it names the state before the
 * first reduce); resume undoes it and deletes it.
 */
export interface SlurmReduceRecord {
  version: 1;
  /** Certificate hash of the first reduce (or halt) that started this record. */
  reducedBy: string;
  limit: SlurmLimitRecord | null;
  suspended: string[];
}

/** The adapter's helpers the reduce layer uses (one command runner, one error style for both layers). */
export interface SlurmLayerOps {
  readonly name: string;
  readonly config: SlurmHookConfig;
  readonly run: SlurmCommandRunner;
  readonly pollMs: number;
  now(): number;
  o(signal: AbortSignal | undefined): { signal?: AbortSignal; timeoutMs: number };
  jobs(signal: AbortSignal | undefined): Promise<SlurmJob[]>;
  scontrol(args: string[], signal: AbortSignal | undefined): Promise<string>;
  jobStep(errors: Error[], fn: () => Promise<unknown>): Promise<boolean>;
  finish(errors: Error[], what: string): void;
  checkAborted(signal: AbortSignal | undefined): void;
  err(code: HookError['code'], message: string): HookError;
}

type LimitTarget = { kind: 'qos'; name: string } | { kind: 'account'; name: string; cluster: string };

function targetOf(rec: SlurmLimitRecord): LimitTarget {
  return rec.kind === 'qos'
    ? { kind: 'qos', name: rec.name }
    : { kind: 'account', name: rec.name, cluster: rec.cluster ?? '' };
}

function limitName(t: LimitTarget): string {
  return t.kind === 'qos' ? `QOS ${t.name}` : `account ${t.name} (cluster ${t.cluster})`;
}

/** Oldest start first (then lowest job id): the jobs the cap keeps are those that were running longest. */
function byStart(a: SlurmJob, b: SlurmJob): number {
  const sa = a.startTime ?? Number.MAX_SAFE_INTEGER;
  const sb = b.startTime ?? Number.MAX_SAFE_INTEGER;
  return sa - sb || Number.parseInt(a.id, 10) - Number.parseInt(b.id, 10) || a.id.localeCompare(b.id);
}

/**
 * The reduce layer of the Slurm hook (docs/hooks.md "Levels", docs/slurm.md "Reduce"): a GrpTRES cap on a QOS
 * or an account's association, and running selected jobs above the cap suspended. The halt layer sits on top of
 * it: PAUSED = reduce layer + halt layer, REDUCED = reduce layer, RUNNING = neither.
 */
export class SlurmReduceLayer {
  private ctld: { cluster: string; enforces: boolean } | undefined;

  constructor(private readonly ops: SlurmLayerOps) {}

  /** The record currently stored (undefined when nothing is reduced). */
  static async record(state: HookStateStore): Promise<SlurmReduceRecord | undefined> {
    const v = (await state.get(SLURM_REDUCE_KEY)) as SlurmReduceRecord | undefined;
    return v?.version === 1 ? v : undefined;
  }

  private get reduce(): SlurmReduceConfig {
    const r = this.ops.config.reduce;
    if (r === undefined) throw this.ops.err('CONFIG', 'no reduce section in the config');
    return r;
  }

  private async load(ctx: HookContext): Promise<SlurmReduceRecord> {
    return (
      (await SlurmReduceLayer.record(ctx.state)) ?? {
        version: 1,
        reducedBy: ctx.certificateHash,
        limit: null,
        suspended: [],
      }
    );
  }

  /**
   * Sets the cap: the configured TRES of the QOS's or account's GrpTRES becomes min(value before, cap) (reduce
   * never loosens a limit), recording the value before first; then waits until slurmctld enforces it. A limit
   * changed by hand since is set again; the recorded value stays the one from before the first reduce.
   */
  async ensureLimit(ctx: HookContext, signal: AbortSignal | undefined): Promise<void> {
    const r = this.reduce;
    if (!(await this.controller(signal)).enforces) {
      throw this.ops.err(
        'CONFIG',
        'slurmctld does not enforce association or QOS limits, so a GrpTRES cap would change nothing: set AccountingStorageEnforce=associations,limits in slurm.conf (needs slurmdbd) and restart slurmctld',
      );
    }
    const rec = await this.load(ctx);
    const save = () => ctx.state.set(SLURM_REDUCE_KEY, rec);
    const target = await this.configuredTarget(signal);
    const same =
      rec.limit !== null &&
      rec.limit.kind === target.kind &&
      rec.limit.name === target.name &&
      (rec.limit.cluster ?? '') === (target.kind === 'account' ? target.cluster : '') &&
      rec.limit.tres === r.tres;
    if (rec.limit !== null && !same) {
      // The config names another limit than the one this record changed: put that one back first.
      await this.setLimit(targetOf(rec.limit), rec.limit.tres, rec.limit.previous, signal);
      rec.limit = null;
      await save();
    }
    const current = await this.readLimit(target, r.tres, signal);
    if (rec.limit === null) {
      rec.limit = {
        kind: target.kind,
        name: target.name,
        cluster: target.kind === 'account' ? target.cluster : null,
        tres: r.tres,
        previous: current,
      };
      await save();
    }
    const want = rec.limit.previous === null ? r.cap : Math.min(rec.limit.previous, r.cap);
    await this.setLimit(target, r.tres, want, signal, current);
  }

  /**
   * Running selected jobs above the cap: jobs suspended by this layer and resumed by hand are suspended again;
   * of the others, the longest-running are kept while their use of the TRES fits under the cap, the rest are
   * suspended (recorded first).
   */
  async capRunning(ctx: HookContext, signal: AbortSignal | undefined): Promise<void> {
    const r = this.reduce;
    if (r.running === 'none') return;
    const rec = await this.load(ctx);
    const save = () => ctx.state.set(SLURM_REDUCE_KEY, rec);
    const cap = rec.limit?.previous == null ? r.cap : Math.min(rec.limit.previous, r.cap);
    const errors: Error[] = [];
    const selected = (await this.ops.jobs(signal)).filter((j) => matchesSelection(j, this.ops.config));
    for (const j of selected) {
      this.ops.checkAborted(signal);
      if (j.state === 'RUNNING' && rec.suspended.includes(j.id)) {
        await this.ops.jobStep(errors, () => this.ops.scontrol(['suspend', j.id], signal));
      }
    }
    let used = 0;
    for (const j of selected
      .filter((x) => x.state === 'RUNNING' && !rec.suspended.includes(x.id))
      .sort(byStart)) {
      this.ops.checkAborted(signal);
      const n = tresCount(j, r.tres);
      if (used + n <= cap) {
        used += n;
        continue;
      }
      rec.suspended.push(j.id);
      await save();
      await this.ops.jobStep(errors, () => this.ops.scontrol(['suspend', j.id], signal));
    }
    this.ops.finish(errors, 'reduce');
  }

  /** Resume: the limit back to its value before the first reduce (none: no limit), the jobs it suspended resumed. */
  async undo(ctx: HookContext, signal: AbortSignal | undefined): Promise<void> {
    const rec = await SlurmReduceLayer.record(ctx.state);
    if (rec === undefined) return;
    const errors: Error[] = [];
    if (rec.limit !== null) {
      const limit = rec.limit;
      try {
        await this.setLimit(targetOf(limit), limit.tres, limit.previous, signal);
      } catch (e) {
        if (signal?.aborted) throw e;
        errors.push(e as Error);
      }
    }
    const jobs = new Map((await this.ops.jobs(signal)).map((j) => [j.id, j]));
    for (const id of rec.suspended) {
      this.ops.checkAborted(signal);
      if (jobs.get(id)?.state === 'SUSPENDED') {
        await this.ops.jobStep(errors, () => this.ops.scontrol(['resume', id], signal));
      }
    }
    this.ops.finish(errors, 'resume (reduce layer)');
    await ctx.state.delete(SLURM_REDUCE_KEY);
  }

  /** The configured limit as slurmctld enforces it now (for observe); null without a reduce section. */
  async observe(signal: AbortSignal | undefined): Promise<JsonValue> {
    const r = this.ops.config.reduce;
    if (r === undefined) return null;
    const target = await this.configuredTarget(signal);
    const view = await this.enforced(target, r.tres, signal);
    return {
      kind: target.kind,
      name: target.name,
      ...(target.kind === 'account' ? { cluster: target.cluster } : {}),
      tres: r.tres,
      cap: r.cap,
      limit: view?.limit ?? null,
      used: view?.used ?? 0,
    };
  }

  private async configuredTarget(signal: AbortSignal | undefined): Promise<LimitTarget> {
    const r = this.reduce;
    if (r.limit === 'qos') return { kind: 'qos', name: r.name };
    return { kind: 'account', name: r.name, cluster: r.cluster ?? (await this.controller(signal)).cluster };
  }

  /** slurmctld's ClusterName and whether it enforces association/QOS limits (read once per adapter). */
  private async controller(signal: AbortSignal | undefined): Promise<{ cluster: string; enforces: boolean }> {
    if (this.ctld !== undefined) return this.ctld;
    const out = await this.ops.scontrol(['show', 'config'], signal);
    const cluster = /^ClusterName\s*=\s*(\S+)/m.exec(out)?.[1];
    const enforce = /^AccountingStorageEnforce\s*=\s*(\S*)/m.exec(out)?.[1] ?? '';
    if (cluster === undefined)
      throw this.ops.err('PROTOCOL', 'scontrol show config names no ClusterName; set reduce.cluster');
    this.ctld = { cluster, enforces: /(^|,)(limits|safe|all)(,|$)/.test(enforce) };
    return this.ctld;
  }

  private async sacctmgr(args: string[], signal: AbortSignal | undefined): Promise<string> {
    return (await this.ops.run('sacctmgr', args, this.ops.o(signal))).stdout;
  }

  /** The TRES's value in the GrpTRES stored in the accounting database (null: no limit). */
  private async readLimit(
    t: LimitTarget,
    tres: string,
    signal: AbortSignal | undefined,
  ): Promise<number | null> {
    const rows = (
      t.kind === 'qos'
        ? await this.sacctmgr(
            ['-n', '-P', 'show', 'qos', `where`, `name=${t.name}`, 'format=name,grptres'],
            signal,
          )
        : await this.sacctmgr(
            [
              ...['-n', '-P', 'show', 'assoc', 'where', `account=${t.name}`, `cluster=${t.cluster}`],
              'format=account,user,partition,grptres',
            ],
            signal,
          )
    )
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.split('|'));
    const row =
      t.kind === 'qos'
        ? rows.find((f) => f[0] === t.name)
        : rows.find((f) => f[0] === t.name && f[1] === '' && f[2] === '');
    if (row === undefined) {
      throw this.ops.err(
        'NOT_FOUND',
        `${limitName(t)} does not exist in the accounting database (check reduce.limit/name${t.kind === 'account' ? '/cluster' : ''}; sacctmgr show ${t.kind === 'qos' ? 'qos' : 'assoc'})`,
      );
    }
    return parseTresList(row[row.length - 1])[tres] ?? null;
  }

  /** Writes the TRES's GrpTRES value (null: remove the limit) and waits until slurmctld enforces it. */
  private async setLimit(
    t: LimitTarget,
    tres: string,
    value: number | null,
    signal: AbortSignal | undefined,
    current?: number | null,
  ): Promise<void> {
    const where =
      t.kind === 'qos'
        ? ['qos', 'where', `name=${t.name}`]
        : ['account', 'where', `name=${t.name}`, `cluster=${t.cluster}`];
    if ((current === undefined ? await this.readLimit(t, tres, signal) : current) !== value) {
      await this.sacctmgr(
        ['-i', 'modify', ...where, 'set', `GrpTRES=${tres}=${value === null ? -1 : value}`],
        signal,
      );
    }
    await this.awaitEnforced(t, tres, value, signal);
  }

  private async enforced(
    t: LimitTarget,
    tres: string,
    signal: AbortSignal | undefined,
  ): Promise<SlurmLimitView | null> {
    const args =
      t.kind === 'qos'
        ? ['show', 'assoc_mgr', 'flags=qos', `qos=${t.name}`]
        : ['show', 'assoc_mgr', 'flags=assoc', `accounts=${t.name}`];
    return parseAssocMgrLimit(await this.ops.scontrol(args, signal), t, tres);
  }

  /** slurmdbd pushes a changed limit to slurmctld on its own: "done" means slurmctld enforces it. */
  private async awaitEnforced(
    t: LimitTarget,
    tres: string,
    value: number | null,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const deadline = this.ops.now() + this.ops.config.commandTimeoutMs;
    for (;;) {
      const view = await this.enforced(t, tres, signal);
      if (view !== null && !view.tracked) {
        throw this.ops.err(
          'CONFIG',
          `slurmctld does not track ${tres}, so it cannot limit it: add it to AccountingStorageTRES in slurm.conf (e.g. AccountingStorageTRES=gres/gpu) or choose another reduce.tres`,
        );
      }
      if (view !== null && view.limit === value) return;
      if (this.ops.now() >= deadline) {
        throw this.ops.err(
          'TIMEOUT',
          `slurmctld does not enforce ${limitName(t)} GrpTRES ${tres}=${value ?? 'none'} after ${this.ops.config.commandTimeoutMs} ms (it shows ${view === null ? 'no such record' : (view.limit ?? 'none')}): is slurmdbd running and is AccountingStorageEnforce=limits set? (scontrol show assoc_mgr)`,
        );
      }
      await sleep(this.ops.pollMs, undefined, signal === undefined ? {} : { signal });
    }
  }
}
