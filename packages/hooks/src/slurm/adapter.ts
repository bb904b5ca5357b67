import { setTimeout as sleep } from 'node:timers/promises';
import {
  type HookAction,
  type HookAdapter,
  type HookContext,
  HookError,
  type HookStateStore,
} from '../types.js';
import { matchesSelection, type SlurmHookConfig } from './config.js';
import {
  isHeld,
  parseJobs,
  parsePartitions,
  parseReservationNames,
  type SlurmJob,
  type SlurmPartition,
} from './parse.js';
import { createExecFileRunner, SlurmCommandError, type SlurmCommandRunner } from './runner.js';

/** State-store key of the undo record. */
export const SLURM_UNDO_KEY = 'slurm-undo';

/** A checkpointed job: signalled at `signaledAt` (unix ms); then requeued-held, or gone before it could be. */
export interface SlurmCheckpointEntry {
  signaledAt: number;
  status: 'signaled' | 'requeued' | 'gone';
}

/**
 * Exactly what a halt changed, written to the hook's state store BEFORE each change (so a crash between
 * "recorded" and "done" only makes resume try to undo something that is already as it was: harmless).
 */
export interface SlurmUndoRecord {
  version: 1;
  /** Certificate hash of the halt that started this record. */
  haltedBy: string;
  /** Partition -> State before the halt (only partitions the halt changed). */
  partitions: Record<string, string>;
  /** MAINT reservation the halt created, if any. */
  reservation: string | null;
  /** Pending jobs the halt held. */
  held: string[];
  /** Running jobs the halt suspended. */
  suspended: string[];
  /** Running batch jobs the halt checkpointed (signal, then requeuehold). */
  checkpointed: Record<string, SlurmCheckpointEntry>;
}

/** Injectable world of the adapter (tests substitute the runner to replay recorded output). */
export interface SlurmHookDeps {
  run?: SlurmCommandRunner;
  /** Wall clock in unix ms (checkpoint grace). */
  now?: () => number;
  /** Poll interval while waiting for checkpointing jobs to exit (default 500 ms). */
  pollMs?: number;
}

// Per-job failures that only mean the job moved on (ended, was purged) between our read and our command.
const JOB_MOVED_ON =
  /already completing|completed|no longer|not running|is not suspended|not pending|finished/i;

/**
 * Halt hook for Slurm: stops new work on the training partitions, holds pending and suspends or
 * checkpoints running training jobs; resume undoes exactly the recorded changes. Idempotent by
 * observation: every step reads Slurm's current state before acting.
 */
export class SlurmHook implements HookAdapter {
  readonly type = 'slurm';
  readonly name: string;
  private readonly config: SlurmHookConfig;
  private readonly run: SlurmCommandRunner;
  private readonly now: () => number;
  private readonly pollMs: number;

  constructor(config: SlurmHookConfig, deps: SlurmHookDeps = {}) {
    this.config = config;
    this.name = config.name;
    this.run = deps.run ?? createExecFileRunner(config.binDir === undefined ? {} : { binDir: config.binDir });
    this.now = deps.now ?? Date.now;
    this.pollMs = deps.pollMs ?? 500;
  }

  /** Applies `halt` or `resume`; throws HookError (PARTIAL lists several independent failures). */
  async apply(action: HookAction, ctx: HookContext, opts: { signal?: AbortSignal } = {}): Promise<void> {
    try {
      this.checkAborted(opts.signal);
      if (action === 'halt') await this.halt(ctx, opts.signal);
      else await this.resume(ctx.state, opts.signal);
    } catch (e) {
      throw this.toHookError(e, opts.signal);
    }
  }

  /** The undo record currently stored (undefined when nothing is halted). */
  static async undoRecord(state: HookStateStore): Promise<SlurmUndoRecord | undefined> {
    const v = (await state.get(SLURM_UNDO_KEY)) as SlurmUndoRecord | undefined;
    return v?.version === 1 ? v : undefined;
  }

  private async halt(ctx: HookContext, signal: AbortSignal | undefined): Promise<void> {
    const c = this.config;
    const rec: SlurmUndoRecord = (await SlurmHook.undoRecord(ctx.state)) ?? {
      version: 1,
      haltedBy: ctx.certificateHash,
      partitions: {},
      reservation: null,
      held: [],
      suspended: [],
      checkpointed: {},
    };
    const save = () => ctx.state.set(SLURM_UNDO_KEY, rec);
    const errors: Error[] = [];

    // 1. Hold pending, suspend/checkpoint running training jobs. Before the partitions change: Slurm refuses
    //    `scontrol hold` for a job whose partition is already INACTIVE/DOWN.
    await this.jobPass(rec, save, errors, signal);

    // 2. Stop new work.
    if (c.stopNew === 'inactive' || c.stopNew === 'down') {
      const target = c.stopNew === 'inactive' ? 'INACTIVE' : 'DOWN';
      const parts = await this.partitions(signal);
      for (const p of c.partitions) {
        const cur = parts.find((x) => x.name === p);
        if (!cur) {
          errors.push(
            this.err('NOT_FOUND', `partition "${p}" does not exist (check partitions in the config)`),
          );
          continue;
        }
        if (cur.state === target) continue; // done earlier by us (recorded) or by someone else (not ours)
        if (!(p in rec.partitions)) {
          rec.partitions[p] = cur.state;
          await save();
        }
        await this.step(errors, () =>
          this.scontrol(['update', `PartitionName=${p}`, `State=${target}`], signal),
        );
      }
    } else if (c.stopNew === 'reservation') {
      const existing = await this.reservations(signal);
      if (!existing.includes(c.reservationName)) {
        const nodes = await this.reservationNodes(signal);
        rec.reservation = c.reservationName;
        await save();
        await this.step(errors, () =>
          this.scontrol(
            [
              'create',
              'reservation',
              `ReservationName=${c.reservationName}`,
              'StartTime=now',
              'Duration=infinite',
              'Flags=MAINT,IGNORE_JOBS',
              `Users=${c.reservationUsers.join(',')}`,
              `Nodes=${nodes}`,
            ],
            signal,
          ),
        );
      }
    }

    // 2b. Jobs that started or were queued between the first pass and the partition change.
    if (c.stopNew !== 'none') await this.jobPass(rec, save, errors, signal);

    // 3. Checkpointed jobs: wait for them to exit (or the grace period), then requeue them held.
    const open = Object.entries(rec.checkpointed).filter(([, e]) => e.status === 'signaled');
    if (open.length > 0) {
      const deadline = Math.max(...open.map(([, e]) => e.signaledAt)) + c.checkpointGraceMs;
      let jobs = await this.jobs(signal);
      while (
        this.now() < deadline &&
        open.some(([id]) => jobs.find((j) => j.id === id)?.state === 'RUNNING')
      ) {
        await sleep(Math.min(this.pollMs, Math.max(1, deadline - this.now())), undefined, { signal });
        jobs = await this.jobs(signal);
      }
      for (const [id, entry] of open) {
        const j = jobs.find((x) => x.id === id);
        if (j === undefined) entry.status = 'gone';
        else if (isHeld(j)) entry.status = 'requeued';
        else {
          const ok = await this.jobStep(errors, () => this.scontrol(['requeuehold', id], signal));
          if (ok) entry.status = 'requeued';
        }
        await save();
      }
    }
    this.finish(errors, 'halt');
  }

  /** One pass over the selected jobs: hold pending, suspend or checkpoint running (write-ahead recorded). */
  private async jobPass(
    rec: SlurmUndoRecord,
    save: () => Promise<void>,
    errors: Error[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const c = this.config;
    for (const job of await this.jobs(signal)) {
      this.checkAborted(signal);
      if (!matchesSelection(job, c)) continue;
      const id = job.id;
      if (job.state === 'PENDING') {
        if (!c.holdPending || id in rec.checkpointed || isHeld(job)) continue;
        if (!rec.held.includes(id)) {
          rec.held.push(id);
          await save();
        }
        await this.jobStep(errors, () => this.scontrol(['hold', id], signal));
      } else if (job.state === 'RUNNING' && c.running !== 'none') {
        if (c.running === 'checkpoint' && job.batch && job.requeue) {
          if (id in rec.checkpointed) continue; // signalled already; step 3 requeues it
          rec.checkpointed[id] = { signaledAt: this.now(), status: 'signaled' };
          await save();
          const sig = c.checkpointSignal.replace(/^SIG/, '');
          await this.jobStep(errors, () =>
            this.run('scancel', [`--signal=${sig}`, '--full', id], this.o(signal)),
          );
        } else {
          // suspend mode, or a job Slurm cannot requeue (srun/salloc allocation, --no-requeue).
          if (!rec.suspended.includes(id)) {
            rec.suspended.push(id);
            await save();
          }
          await this.jobStep(errors, () => this.scontrol(['suspend', id], signal));
        }
      }
    }
  }

  private async resume(state: HookStateStore, signal: AbortSignal | undefined): Promise<void> {
    const rec = await SlurmHook.undoRecord(state);
    if (rec === undefined) return; // nothing halted by this hook: nothing to undo
    const errors: Error[] = [];

    // Partitions first, so released jobs can start.
    const recorded = Object.entries(rec.partitions);
    if (recorded.length > 0) {
      const parts = await this.partitions(signal);
      for (const [p, prev] of recorded) {
        const cur = parts.find((x) => x.name === p);
        if (cur === undefined || cur.state === prev) continue;
        await this.step(errors, () =>
          this.scontrol(['update', `PartitionName=${p}`, `State=${prev}`], signal),
        );
      }
    }
    if (rec.reservation !== null) {
      const name = rec.reservation;
      if ((await this.reservations(signal)).includes(name)) {
        await this.step(errors, () => this.scontrol(['delete', `ReservationName=${name}`], signal));
      }
    }
    const jobs = new Map((await this.jobs(signal)).map((j) => [j.id, j]));
    for (const id of rec.suspended) {
      this.checkAborted(signal);
      if (jobs.get(id)?.state === 'SUSPENDED') {
        await this.jobStep(errors, () => this.scontrol(['resume', id], signal));
      }
    }
    for (const id of rec.held) {
      this.checkAborted(signal);
      const j = jobs.get(id);
      if (j !== undefined && isHeld(j))
        await this.jobStep(errors, () => this.scontrol(['release', id], signal));
    }
    for (const [id, entry] of Object.entries(rec.checkpointed)) {
      this.checkAborted(signal);
      const j = jobs.get(id);
      if (entry.status !== 'requeued' || j === undefined || !isHeld(j)) continue;
      // A requeued job gets a deferred begin time; make it eligible now, then release it.
      await this.jobStep(errors, () => this.scontrol(['update', `JobId=${id}`, 'StartTime=now'], signal));
      await this.jobStep(errors, () => this.scontrol(['release', id], signal));
    }
    this.finish(errors, 'resume');
    await state.delete(SLURM_UNDO_KEY);
  }

  private o(signal: AbortSignal | undefined): { signal?: AbortSignal; timeoutMs: number } {
    return signal === undefined
      ? { timeoutMs: this.config.commandTimeoutMs }
      : { signal, timeoutMs: this.config.commandTimeoutMs };
  }

  private async scontrol(args: string[], signal: AbortSignal | undefined): Promise<string> {
    return (await this.run('scontrol', args, this.o(signal))).stdout;
  }

  private async jobs(signal: AbortSignal | undefined): Promise<SlurmJob[]> {
    return parseJobs(await this.scontrol(['show', 'job', '-o'], signal));
  }

  private async partitions(signal: AbortSignal | undefined): Promise<SlurmPartition[]> {
    return parsePartitions(await this.scontrol(['show', 'partition', '-o'], signal));
  }

  private async reservations(signal: AbortSignal | undefined): Promise<string[]> {
    return parseReservationNames(await this.scontrol(['show', 'reservation', '-o'], signal));
  }

  private async reservationNodes(signal: AbortSignal | undefined): Promise<string> {
    if (this.config.partitions.length === 0) return 'ALL';
    const parts = await this.partitions(signal);
    const nodes = this.config.partitions.map((p) => {
      const found = parts.find((x) => x.name === p);
      if (!found)
        throw this.err('NOT_FOUND', `partition "${p}" does not exist (check partitions in the config)`);
      return found.nodes;
    });
    return nodes.filter((n) => n !== '').join(',');
  }

  /** Runs one independent step; a failure is collected (other steps still run) unless it must stop everything. */
  private async step(errors: Error[], fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (e) {
      if (e instanceof SlurmCommandError && (e.code === 'ABORTED' || e.code === 'TIMEOUT')) throw e;
      errors.push(e as Error);
      return false;
    }
  }

  /** Like step, but a job that ended or vanished meanwhile is not an error. */
  private async jobStep(errors: Error[], fn: () => Promise<unknown>): Promise<boolean> {
    const before = errors.length;
    const ok = await this.step(errors, fn);
    const last = errors[errors.length - 1];
    if (
      !ok &&
      errors.length > before &&
      last instanceof SlurmCommandError &&
      (/invalid job id/i.test(last.stderr) || JOB_MOVED_ON.test(last.stderr))
    ) {
      errors.pop();
      return false;
    }
    return ok;
  }

  private finish(errors: Error[], what: string): void {
    if (errors.length === 0) return;
    if (errors.length === 1) throw errors[0];
    const typed = errors.map((e) => this.toHookError(e, undefined));
    const codes = new Set(typed.map((e) => e.code));
    // Several failures of one kind (e.g. every command denied) keep that kind; mixed kinds are PARTIAL.
    const code = codes.size === 1 ? (typed[0] as HookError).code : 'PARTIAL';
    throw new HookError(
      code,
      `${this.name}: ${errors.length} ${what} steps failed: ${typed.map((e) => e.message).join('; ')}`,
      { hook: this.name, details: { errors: typed } },
    );
  }

  private checkAborted(signal: AbortSignal | undefined): void {
    if (signal?.aborted)
      throw new HookError('ABORTED', `${this.name}: cancelled`, { hook: this.name, cause: signal.reason });
  }

  private err(code: HookError['code'], message: string): HookError {
    return new HookError(code, `${this.name}: ${message}`, { hook: this.name });
  }

  private toHookError(e: unknown, signal: AbortSignal | undefined): HookError {
    if (e instanceof HookError) return e;
    if (e instanceof SlurmCommandError) {
      return new HookError(e.code, `${this.name}: ${e.message}`, {
        hook: this.name,
        cause: e,
        details: { command: e.command, exitCode: e.exitCode, stderr: e.stderr },
      });
    }
    if (signal?.aborted || (e instanceof Error && e.name === 'AbortError')) {
      return new HookError('ABORTED', `${this.name}: cancelled`, { hook: this.name, cause: e });
    }
    return new HookError('PROTOCOL', `${this.name}: ${e instanceof Error ? e.message : String(e)}`, {
      hook: this.name,
      cause: e,
    });
  }
}
