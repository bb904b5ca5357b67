// Over 400 lines on purpose: halt, reduce, resume and their exact undo act on the same Slurm objects
// (partitions, job holds, suspensions, QOS/association limits, the relaunch of checkpointed jobs), and the
// write-ahead order between those steps is the adapter's correctness; it reads in one file. Parsing of
// Slurm's output lives in parse.ts, metering in metering.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type HookAction,
  type HookAdapter,
  type HookContext,
  HookError,
  type HookLogger,
  type HookStateStore,
  type JsonValue,
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
import { SlurmReduceLayer, type SlurmReduceRecord } from './reduce.js';
import { createExecFileRunner, SlurmCommandError, type SlurmCommandRunner } from './runner.js';

/** State-store key of the undo record. */
export const SLURM_UNDO_KEY = 'slurm-undo';

/** State-store key of the relaunch history: what resume had to redo (kept after resume; newest last). */
export const SLURM_RELAUNCH_KEY = 'slurm-relaunches';

/** How many relaunch records the history keeps. */
export const SLURM_RELAUNCH_HISTORY_MAX = 50;

/**
 * A checkpointed job: signalled at `signaledAt` (unix ms), requeued held by the halt; released by resume and
 * seen running again ('back'), or gone from Slurm.
 */
export interface SlurmCheckpointEntry {
  signaledAt: number;
  status: 'signaled' | 'requeued' | 'released' | 'back' | 'gone';
  /** Times resume requeued it again because Slurm failed it right after its release. */
  relaunches?: number;
  /** The last such failure as Slurm showed it, e.g. "FAILED (NonZeroExitCode)". */
  lastFailure?: string;
}

/** One relaunch by resume (history under {@link SLURM_RELAUNCH_KEY}). */
export interface SlurmRelaunchRecord {
  /** Unix ms. */
  at: number;
  /** Certificate of the resume that did it. */
  certificateHash: string;
  jobId: string;
  jobName: string;
  /** 1-based count for this job in this resume. */
  attempt: number;
  /** What Slurm showed after the release, e.g. "FAILED (NonZeroExitCode)". */
  failure: string;
  /** 'requeued': requeued held to be released again; 'gave-up': attempts used up, resume failed naming the job. */
  outcome: 'requeued' | 'gave-up';
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

/**
 * Whether slurmctld's clock, as read back from the EligibleTime that `StartTime=now` set, has passed the job's
 * SubmitTime, which Slurm re-stamps once a requeued job's previous run has ended on its nodes (no earlier than
 * the credential revoke that ended it). A launch credential made after that is newer than the revoke.
 */
export function clockPassedRequeue(job: SlurmJob): boolean {
  if (job.eligibleTime === null || job.submitTime === null) return false;
  return job.eligibleTime > job.submitTime;
}

/** Injectable world of the adapter (tests substitute the runner to replay recorded output). */
export interface SlurmHookDeps {
  run?: SlurmCommandRunner;
  /** Wall clock in unix ms (checkpoint grace). */
  now?: () => number;
  /** Poll interval while waiting for checkpointing jobs to exit or to run again (default 500 ms). */
  pollMs?: number;
  logger?: HookLogger;
}

// Per-job failures that only mean the job moved on (ended, was purged) between our read and our command.
const JOB_MOVED_ON =
  /already completing|completed|no longer|not running|is not suspended|not pending|finished/i;

// States in which Slurm leaves a batch job whose launch it failed (a relaunch that did not happen).
const LAUNCH_FAILED_STATES = new Set(['FAILED', 'NODE_FAIL', 'BOOT_FAIL', 'LAUNCH_FAILED']);

// Final job states: such jobs hold nothing and are left out of observe's report.
const FINAL_STATES = new Set([
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
]);

/**
 * Halt hook for Slurm: stops new work on the training partitions, holds pending and suspends or
 * checkpoints running training jobs; resume undoes exactly the recorded changes. Idempotent by
 * observation: every step reads Slurm's current state before acting.
 *
 * Levels (docs/hooks.md "Levels"): two layers, each with its own undo record. The reduce layer (a GrpTRES cap,
 * running jobs above it suspended; {@link SlurmReduceLayer}) is the bottom one, the halt layer sits on top.
 * halt = reduce layer + halt layer; reduce = reduce layer with the halt layer undone; resume = both undone, top
 * first. Without a `reduce` section there is no reduce layer and REDUCED is held like PAUSED.
 */
export class SlurmHook implements HookAdapter {
  readonly type = 'slurm';
  readonly name: string;
  private readonly config: SlurmHookConfig;
  private readonly run: SlurmCommandRunner;
  private readonly now: () => number;
  private readonly pollMs: number;
  private readonly logger: HookLogger | undefined;
  private readonly reduceLayer: SlurmReduceLayer;

  constructor(config: SlurmHookConfig, deps: SlurmHookDeps = {}) {
    this.config = config;
    this.name = config.name;
    this.run = deps.run ?? createExecFileRunner(config.binDir === undefined ? {} : { binDir: config.binDir });
    this.now = deps.now ?? Date.now;
    this.pollMs = deps.pollMs ?? 500;
    this.logger = deps.logger;
    this.reduceLayer = new SlurmReduceLayer({
      name: this.name,
      config,
      run: this.run,
      pollMs: this.pollMs,
      now: () => this.now(),
      o: (signal) => this.o(signal),
      jobs: (signal) => this.jobs(signal),
      scontrol: (args, signal) => this.scontrol(args, signal),
      jobStep: (errors, fn) => this.jobStep(errors, fn),
      finish: (errors, what) => this.finish(errors, what),
      checkAborted: (signal) => this.checkAborted(signal),
      err: (code, message) => this.err(code, message),
    });
  }

  /** Applies `halt`, `reduce` or `resume`; throws HookError (PARTIAL lists several independent failures). */
  async apply(action: HookAction, ctx: HookContext, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const signal = opts.signal;
    try {
      this.checkAborted(signal);
      const reduce = this.config.reduce !== undefined;
      const errors: Error[] = [];
      if (action === 'halt') {
        // The reduce layer first, so that a later step down to REDUCED (undoing only the halt layer) brings back
        // only what fits under the cap. A failure there does not keep the halt from being applied.
        if (reduce) {
          await this.layerStep(errors, signal, () => this.reduceLayer.ensureLimit(ctx, signal));
          await this.layerStep(errors, signal, () => this.reduceLayer.capRunning(ctx, signal));
        }
        await this.layerStep(errors, signal, () => this.halt(ctx, signal));
        this.finish(errors, 'halt');
      } else if (action === 'reduce') {
        if (!reduce) {
          await this.halt(ctx, signal); // no reduce layer configured: REDUCED is held like PAUSED
          return;
        }
        // The cap is in force before the halt layer is undone; if it cannot be set, the halt stays (fail closed).
        await this.reduceLayer.ensureLimit(ctx, signal);
        await this.layerStep(errors, signal, () => this.resume(ctx, signal));
        await this.layerStep(errors, signal, () => this.reduceLayer.capRunning(ctx, signal));
        this.finish(errors, 'reduce');
      } else {
        // Top layer first; if it cannot be undone the reduce layer stays too (fail closed). The reduce layer's
        // undo needs only its record, so it also runs after the reduce section was removed from the config.
        await this.resume(ctx, signal);
        await this.reduceLayer.undo(ctx, signal);
      }
    } catch (e) {
      throw this.toHookError(e, signal);
    }
  }

  /**
   * What Slurm now says about the selection (for receipts): the selected jobs that are not finished (id, name,
   * state, held, reason, cpus, gres), the configured partitions' states, the halt reservation (reservation
   * mode) and the reduce limit as slurmctld enforces it. Reads only.
   */
  async observe(opts: { signal?: AbortSignal } = {}): Promise<JsonValue> {
    const signal = opts.signal;
    try {
      const c = this.config;
      const jobs = (await this.jobs(signal))
        .filter((j) => matchesSelection(j, c) && !FINAL_STATES.has(j.state))
        .sort((a, b) => Number.parseInt(a.id, 10) - Number.parseInt(b.id, 10) || a.id.localeCompare(b.id))
        .map((j) => ({
          id: j.id,
          name: j.name,
          state: j.state,
          held: isHeld(j),
          reason: j.reason,
          cpus: j.numCpus,
          gres: { ...j.gres },
        }));
      const parts = c.partitions.length === 0 ? [] : await this.partitions(signal);
      const partitions = c.partitions.map((p) => ({
        name: p,
        state: parts.find((x) => x.name === p)?.state ?? 'MISSING',
      }));
      const reservation =
        c.stopNew === 'reservation'
          ? {
              name: c.reservationName,
              present: (await this.reservations(signal)).includes(c.reservationName),
            }
          : null;
      return {
        selection: {
          partitions: [...c.partitions],
          accounts: [...c.accounts],
          qos: [...c.qos],
          namePattern: c.namePattern ?? null,
        },
        jobs,
        partitions,
        reservation,
        limit: await this.reduceLayer.observe(signal),
      };
    } catch (e) {
      throw this.toHookError(e, signal);
    }
  }

  /** The reduce layer's undo record (undefined when nothing is reduced). */
  static async reduceRecord(state: HookStateStore): Promise<SlurmReduceRecord | undefined> {
    return SlurmReduceLayer.record(state);
  }

  /** Runs one layer; its failure is collected (the other layers still run) unless the caller cancelled. */
  private async layerStep(
    errors: Error[],
    signal: AbortSignal | undefined,
    fn: () => Promise<void>,
  ): Promise<void> {
    try {
      await fn();
    } catch (e) {
      const code = e instanceof HookError || e instanceof SlurmCommandError ? e.code : undefined;
      if (signal?.aborted || code === 'ABORTED') throw e;
      errors.push(e as Error);
    }
  }

  /** The undo record currently stored (undefined when nothing is halted). */
  static async undoRecord(state: HookStateStore): Promise<SlurmUndoRecord | undefined> {
    const v = (await state.get(SLURM_UNDO_KEY)) as SlurmUndoRecord | undefined;
    return v?.version === 1 ? v : undefined;
  }

  /** The relaunch history (oldest first; at most {@link SLURM_RELAUNCH_HISTORY_MAX} records). */
  static async relaunchHistory(state: HookStateStore): Promise<SlurmRelaunchRecord[]> {
    const v = await state.get(SLURM_RELAUNCH_KEY);
    return Array.isArray(v) ? (v as SlurmRelaunchRecord[]) : [];
  }

  /**
   * Halt, and re-assert of a halt (a node re-applies its current state on every start): an existing undo record
   * is kept as it is, so it still names the state before the first halt; whatever was undone by hand since
   * (a job resumed or released, a partition set UP, the reservation deleted) is stopped again and recorded only
   * if it is new.
   */
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
      const ckpt = rec.checkpointed[id];
      if (job.state === 'PENDING') {
        if (ckpt !== undefined) {
          // Checkpointed: it stays held until resume releases it; if it was released by hand (or a resume
          // was cut short), it is held again and resume releases it again.
          if (ckpt.status !== 'signaled' && ckpt.status !== 'requeued') {
            ckpt.status = 'requeued';
            await save();
          }
          if (!isHeld(job)) await this.jobStep(errors, () => this.scontrol(['hold', id], signal));
          continue;
        }
        if (isHeld(job)) continue;
        if (!c.holdPending) continue;
        if (!rec.held.includes(id)) {
          rec.held.push(id);
          await save();
        }
        await this.jobStep(errors, () => this.scontrol(['hold', id], signal));
      } else if (job.state === 'RUNNING' && c.running !== 'none') {
        if (c.running === 'checkpoint' && job.batch && job.requeue) {
          if (ckpt?.status === 'signaled') continue; // signalled by this halt already; step 3 requeues it
          // New, or checkpointed before and run again by hand since: checkpoint it (again).
          rec.checkpointed[id] = {
            signaledAt: this.now(),
            status: 'signaled',
            ...(ckpt?.relaunches === undefined ? {} : { relaunches: ckpt.relaunches }),
          };
          // A job this halt held and someone released is now undone by the checkpoint path.
          rec.held = rec.held.filter((x) => x !== id);
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

  private async resume(ctx: HookContext, signal: AbortSignal | undefined): Promise<void> {
    const state = ctx.state;
    const rec = await SlurmHook.undoRecord(state);
    if (rec === undefined) return; // nothing halted by this hook: nothing to undo
    const save = () => state.set(SLURM_UNDO_KEY, rec);
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
      if (id in rec.checkpointed) continue; // released by the checkpoint path below
      const j = jobs.get(id);
      if (j !== undefined && isHeld(j))
        await this.jobStep(errors, () => this.scontrol(['release', id], signal));
    }
    await this.relaunch(rec, save, ctx, errors, signal);
    this.finish(errors, 'resume');
    await state.delete(SLURM_UNDO_KEY);
  }

  /**
   * Resume of checkpointed (requeued, held) jobs. slurmd refuses a batch launch whose credential is not newer, in
   * whole seconds of slurmctld's clock, than the revoke of the job's previous run ("Job N already killed, do not
   * launch batch job"), and slurmctld then fails the job. Slurm defers a requeued job's begin time for this
   * reason; resume brings it forward only once (1) the previous run has ended on its nodes: the job is PENDING,
   * no longer COMPLETING, and Slurm re-stamped its SubmitTime when the nodes reported the end; and (2)
   * slurmctld's clock has passed that stamp: `StartTime=now` is read back as the EligibleTime. It then releases
   * the job and checks that it runs (or waits for an ordinary scheduling reason). A job Slurm still fails is
   * requeued held and released again, at most `relaunchAttempts` times; then resume fails naming it.
   */
  private async relaunch(
    rec: SlurmUndoRecord,
    save: () => Promise<void>,
    ctx: HookContext,
    errors: Error[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const c = this.config;
    const open = new Set(
      Object.entries(rec.checkpointed)
        .filter(([, e]) => e.status === 'requeued' || e.status === 'released')
        .map(([id]) => id),
    );
    if (open.size === 0) return;
    const deadline = this.now() + c.relaunchTimeoutMs;
    const settleSeconds = Math.ceil(c.relaunchSettleMs / 1000) + 1;
    // Jobs sent `StartTime=now`: the next read shows slurmctld's clock at that moment as their EligibleTime.
    const stamped = new Set<string>();
    // Jobs seen RUNNING: since when (our clock), and with which StartTime (a new StartTime is a new run).
    const running = new Map<string, { since: number; start: number | null }>();
    const settle = async (id: string, status: 'back' | 'gone') => {
      (rec.checkpointed[id] as SlurmCheckpointEntry).status = status;
      open.delete(id);
      await save();
    };
    for (;;) {
      this.checkAborted(signal);
      const jobs = new Map((await this.jobs(signal)).map((j) => [j.id, j]));
      const late = this.now() >= deadline;
      let rereadNow = false;
      for (const id of [...open]) {
        this.checkAborted(signal);
        const e = rec.checkpointed[id] as SlurmCheckpointEntry;
        const j = jobs.get(id);
        if (j === undefined) {
          await settle(id, 'gone'); // purged: ended long ago, or cancelled; nothing left to run
          continue;
        }
        if (isHeld(j)) {
          running.delete(id);
          if (e.status === 'released') {
            // Held again after our release: by Slurm for a launch it could not make (counts as a failed
            // relaunch), or by someone else (theirs to lift).
            if (!/launch/i.test(j.reason)) {
              await settle(id, 'back');
              continue;
            }
            if (!(await this.relaunchFailed(rec, save, ctx, j, errors, signal))) open.delete(id);
            continue;
          }
          if (j.state !== 'PENDING') {
            // COMPLETING: the previous run is still ending on its nodes.
            if (late) {
              errors.push(
                this.err(
                  'TIMEOUT',
                  `job ${id} (${j.name}): its previous run had not ended on its nodes after ${c.relaunchTimeoutMs} ms (JobState ${j.state}); it stays requeued and held. Check slurmd on its nodes (scontrol show node), then apply resume again`,
                ),
              );
              open.delete(id);
            }
            continue;
          }
          if (stamped.has(id) && clockPassedRequeue(j)) {
            stamped.delete(id);
            if (await this.jobStep(errors, () => this.scontrol(['release', id], signal))) {
              e.status = 'released';
              await save();
            }
            continue;
          }
          // First stamp (read back at once), or still the second the previous run ended in (stamp again).
          if (!stamped.has(id)) rereadNow = true;
          if (
            await this.jobStep(errors, () =>
              this.scontrol(['update', `JobId=${id}`, 'StartTime=now'], signal),
            )
          )
            stamped.add(id);
          continue;
        }
        // Not held: released by us (or, during the pause, by hand). Verify that it runs.
        if (j.state === 'RUNNING') {
          // A refused launch fails the job within milliseconds of its allocation: running for the settle
          // time (the same run: same StartTime) means it runs again.
          let seen = running.get(id);
          if (seen === undefined || seen.start !== j.startTime) {
            seen = { since: this.now(), start: j.startTime };
            running.set(id, seen);
          }
          if (late || this.now() - seen.since >= c.relaunchSettleMs) await settle(id, 'back');
        } else if (LAUNCH_FAILED_STATES.has(j.state) && j.runSeconds <= settleSeconds) {
          // Failed as it started (a refused launch never runs the script: RunTime 0). A job that ran a
          // while and then failed on its own is not a lost relaunch (it falls through to the last branch).
          running.delete(id);
          if (!(await this.relaunchFailed(rec, save, ctx, j, errors, signal))) open.delete(id);
        } else if (j.state === 'PENDING') {
          // Released; Reason=None until the scheduler has looked at it, then an ordinary reason (Priority,
          // Resources, ...). Past the deadline it is released and eligible: the scheduler starts it later.
          if (late || (j.reason !== '' && j.reason !== 'None')) await settle(id, 'back');
        } else if (j.state === 'COMPLETING') {
          if (late) await settle(id, 'back');
        } else {
          // Ran and ended (COMPLETED), or someone else acted on it (CANCELLED, SUSPENDED, ...): not lost.
          await settle(id, 'back');
        }
      }
      if (open.size === 0) return;
      if (late) {
        for (const id of open) {
          errors.push(
            this.err(
              'TIMEOUT',
              `job ${id}: not released within ${c.relaunchTimeoutMs} ms (slurmctld's clock did not pass its requeue time); apply resume again`,
            ),
          );
        }
        return;
      }
      if (!rereadNow) await sleep(this.pollMs, undefined, { signal });
    }
  }

  /**
   * A released checkpointed job that Slurm failed (or requeued held) right after its release: record it, then
   * requeue it held so the relaunch loop releases it again. Returns false when the attempts are used up (the
   * error naming the job is collected).
   */
  private async relaunchFailed(
    rec: SlurmUndoRecord,
    save: () => Promise<void>,
    ctx: HookContext,
    j: SlurmJob,
    errors: Error[],
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const e = rec.checkpointed[j.id] as SlurmCheckpointEntry;
    const done = e.relaunches ?? 0;
    const failure = `${j.state}${j.reason === '' || j.reason === 'None' ? '' : ` (${j.reason})`}`;
    const gaveUp = done >= this.config.relaunchAttempts;
    await this.recordRelaunch(ctx, {
      at: this.now(),
      certificateHash: ctx.certificateHash,
      jobId: j.id,
      jobName: j.name,
      attempt: gaveUp ? done : done + 1,
      failure,
      outcome: gaveUp ? 'gave-up' : 'requeued',
    });
    if (gaveUp) {
      errors.push(
        new HookError(
          'CONFLICT',
          `${this.name}: job ${j.id} (${j.name}) did not run again after resume released it ${done + 1} time(s): Slurm shows ${failure}. ` +
            `If slurmd's log on its node says "already killed, do not launch batch job", its previous run was still being cleaned up there; ` +
            `otherwise the job fails as it starts. Fix the cause, then run "scontrol requeue ${j.id}"`,
          {
            hook: this.name,
            details: { jobId: j.id, jobName: j.name, state: j.state, reason: j.reason, relaunches: done },
          },
        ),
      );
      return false;
    }
    e.relaunches = done + 1;
    e.lastFailure = failure;
    e.status = 'requeued';
    await save();
    this.logger?.warn(
      {
        event: 'slurm.job_requeued',
        hook: this.name,
        jobId: j.id,
        jobName: j.name,
        failure,
        relaunch: done + 1,
      },
      'slurm job failed right after resume released it; requeued it held to release it again',
    );
    if (!isHeld(j)) await this.jobStep(errors, () => this.scontrol(['requeuehold', j.id], signal));
    return true;
  }

  private async recordRelaunch(ctx: HookContext, r: SlurmRelaunchRecord): Promise<void> {
    const history = await SlurmHook.relaunchHistory(ctx.state);
    history.push(r);
    await ctx.state.set(SLURM_RELAUNCH_KEY, history.slice(-SLURM_RELAUNCH_HISTORY_MAX));
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
