import { z } from 'zod';
import { hookNameSchema, timeoutMsSchema } from '../config.js';
import type { SlurmJob } from './parse.js';

const slurmName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, {
  error: 'expected a Slurm name like "train" (letters, digits, . _ -)',
});

const regexSource = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected a valid JavaScript regular expression, e.g. "^train-"' },
);

/** Which jobs are "training": every given criterion must match (lists match any of their entries). */
export const slurmSelectionShape = {
  /** Partitions whose jobs are selected; also the partitions `stopNew` acts on. */
  partitions: z.array(slurmName).default([]),
  accounts: z.array(slurmName).default([]),
  qos: z.array(slurmName).default([]),
  /** Regular expression on the job name. */
  namePattern: regexSource.optional(),
};

/** A countable TRES as Slurm names it in GrpTRES: cpu, node, billing, gres/<name>[:<type>], license/<name>. */
const tresName = z.string().regex(/^(cpu|node|billing|(gres|license)\/[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?)$/, {
  error: 'expected a countable TRES as in GrpTRES, e.g. "gres/gpu", "gres/gpu:h100" or "cpu"',
});

/**
 * The `reduce` action: a GrpTRES cap on a QOS or on an account's association, and what happens to running
 * selected jobs above it. Without this section a hook holds REDUCED like PAUSED (docs/hooks.md "Levels").
 */
export const slurmReduceSchema = z.strictObject({
  /** Where the cap goes: the GrpTRES of a QOS (e.g. the training partition's QOS) or of an account's association. */
  limit: z.enum(['qos', 'account']),
  /** The QOS or account name. */
  name: slurmName,
  /** Account mode: the cluster of the association (default: slurmctld's ClusterName). */
  cluster: slurmName.optional(),
  tres: tresName.default('gres/gpu'),
  /** The cap while REDUCED (a lower limit already in place is kept: reduce never loosens). */
  cap: z.int().min(0).max(2_147_483_647),
  /**
   * Running selected jobs whose use of `tres` is above the cap (GrpTRES only stops new starts): `suspend` the
   * most recently started until the rest fit, or `none` (leave them running).
   */
  running: z.enum(['suspend', 'none']).default('suspend'),
});
export type SlurmReduceConfig = z.infer<typeof slurmReduceSchema>;

export const slurmHookConfigSchema = z
  .strictObject({
    type: z.literal('slurm'),
    name: hookNameSchema,
    /** Directory holding scontrol/scancel (default: PATH). */
    binDir: z.string().min(1).optional(),
    ...slurmSelectionShape,
    /**
     * How to stop new work: set the selected partitions INACTIVE (rejects new submissions) or DOWN (queues
     * them), create a MAINT reservation on their nodes (blocks every partition on those nodes), or nothing.
     * DRAIN is not offered: it still lets queued jobs start.
     */
    stopNew: z.enum(['inactive', 'down', 'reservation', 'none']).default('inactive'),
    reservationName: slurmName.default('pausenet-halt'),
    /** Users the MAINT reservation admits (Slurm requires Users or Accounts). */
    reservationUsers: z.array(slurmName).min(1).default(['root']),
    /** Hold selected pending jobs (`scontrol hold`). */
    holdPending: z.boolean().default(true),
    /**
     * Running selected jobs: `suspend` (SIGSTOP via scontrol suspend), `checkpoint` (signal, wait the grace
     * period, then `scontrol requeuehold`; non-batch jobs, which cannot be requeued, are suspended), or `none`.
     */
    running: z.enum(['suspend', 'checkpoint', 'none']).default('suspend'),
    checkpointSignal: z
      .string()
      .regex(/^(SIG)?[A-Z0-9]+$/, { error: 'expected a signal name, e.g. "USR1"' })
      .default('USR1'),
    /** How long checkpointing jobs get before they are requeued-held (returns early once all exited). */
    checkpointGraceMs: z.int().min(0).max(3_600_000).default(60_000),
    /**
     * Resume, checkpoint mode: how often a requeued job that Slurm failed right after its release is requeued
     * and released again before resume gives up with an error naming it.
     */
    relaunchAttempts: z.int().min(0).max(20).default(3),
    /** How long a released job must stay RUNNING before resume counts it as running again. */
    relaunchSettleMs: z.int().min(0).max(600_000).default(2_000),
    /** Resume waits at most this long for checkpointed jobs' previous runs to end on their nodes and to run again. */
    relaunchTimeoutMs: z.int().min(1_000).max(3_600_000).default(120_000),
    /** Per-command timeout. */
    commandTimeoutMs: timeoutMsSchema(15_000),
    /** How REDUCED is applied (absent: REDUCED is held like PAUSED). */
    reduce: slurmReduceSchema.optional(),
  })
  .refine((c) => !(c.stopNew === 'inactive' || c.stopNew === 'down') || c.partitions.length > 0, {
    error: 'stopNew "inactive"/"down" needs at least one partition in partitions, e.g. ["train"]',
    path: ['partitions'],
  })
  .refine(
    (c) =>
      c.partitions.length + c.accounts.length + c.qos.length > 0 ||
      c.namePattern !== undefined ||
      (!c.holdPending && c.running === 'none' && (c.reduce === undefined || c.reduce.running === 'none')),
    {
      error:
        'select the training jobs with partitions, accounts, qos or namePattern (an empty selection would stop every job)',
      path: ['partitions'],
    },
  );

export type SlurmHookConfig = z.infer<typeof slurmHookConfigSchema>;
export type SlurmHookConfigInput = z.input<typeof slurmHookConfigSchema>;

/** Job-selection criteria shared by the halt hook and the metering collector. */
export interface SlurmSelection {
  partitions: readonly string[];
  accounts: readonly string[];
  qos: readonly string[];
  namePattern?: string | undefined;
}

/** Whether a job is in the selection (all given criteria match; an empty list does not constrain). */
export function matchesSelection(job: SlurmJob, sel: SlurmSelection): boolean {
  if (sel.partitions.length > 0 && !job.partitions.some((p) => sel.partitions.includes(p))) return false;
  if (sel.accounts.length > 0 && !sel.accounts.includes(job.account)) return false;
  if (sel.qos.length > 0 && !sel.qos.includes(job.qos)) return false;
  if (sel.namePattern !== undefined && !new RegExp(sel.namePattern).test(job.name)) return false;
  return true;
}
