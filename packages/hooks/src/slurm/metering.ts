import type { CommitmentRequestBody } from '@pausenet/protocol/api';
import { matchesSelection, type SlurmSelection } from './config.js';
import { parseJobs, parseRunFacts, parseSacct, SACCT_FIELDS, type SlurmJob } from './parse.js';
import { createExecFileRunner, SlurmCommandError, type SlurmCommandRunner } from './runner.js';

/**
 * Metering: commitments computed from the scheduler's own view of the training jobs.
 *
 * Normative formula (docs/protocol.md "## Metering"), all in exact integer (bigint) arithmetic:
 *   run_j(t)     = seconds job j ran from its start up to t, excluding suspended time ({@link runUpTo})
 *   seconds(j)   = run_j(windowEnd) - run_j(windowStart)
 *   accelSec(j)  = accelerators_j * seconds(j)        (allocated gres/gpu, or CPUs in "cpu" mode)
 *   flop(j)      = floor( accelSec(j) * peakFlopsPerAccelerator * utilizationBps / 10000 )
 *   trainingFlop = sum_j flop(j)
 *   largestRunFlop = max_j floor( accelerators_j * run_j(windowEnd) * peak * utilizationBps / 10000 )
 *   acceleratorHours = ceil( sum_j accelSec(j) / 3600 )
 *   maxParams    = max(config.maxParams, max_j params_j);  datasetTokens = config.datasetTokens ?? sum_j tokens_j
 *                  (params/tokens per job from its comment `pausenet:params=N,tokens=M`)
 */

/** Errors of the metering collector; `code` is the discriminant. */
export class SlurmMeteringError extends Error {
  readonly code: 'CONFIG' | 'HTTP_STATUS' | 'NETWORK' | 'PROTOCOL';
  readonly status: number | undefined;

  constructor(
    code: SlurmMeteringError['code'],
    message: string,
    opts: { status?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SlurmMeteringError';
    this.code = code;
    this.status = opts.status;
  }
}

/** What the collector counts and how it converts accelerator time to FLOP. */
export interface SlurmMeteringConfig extends SlurmSelection {
  /** Count allocated GRES of this name (default "gpu"), or CPUs when `accelerator` is "cpu". */
  accelerator?: 'gres' | 'cpu';
  gresName?: string;
  /** Peak FLOP/s of one accelerator at the training precision (e.g. 989e12 for H100 SXM dense BF16). */
  peakFlopsPerAccelerator: bigint;
  /** Assumed model-FLOP utilisation in basis points (0..10000), e.g. 4000 = 40 %. */
  utilizationBps: number;
  /** Not visible to the scheduler: a floor for maxParams (default 0); jobs may declare more in their comment. */
  maxParams?: bigint;
  /** Reported as configured; when absent, the sum of the tokens jobs declare in their comment. */
  datasetTokens?: bigint;
}

/** Epoch window, unix ms, [startMs, endMs). */
export interface MeteringWindow {
  startMs: number;
  endMs: number;
}

/** One training job's share of the epoch; {@link toCommitmentRequest} turns it into a RunRecord leaf. */
export interface MeteredRun {
  /** Slurm job id. */
  id: string;
  /** RunRecord id: `slurm:<jobid>:<job name>` (at most 128 UTF-8 bytes). */
  recordId: string;
  name: string;
  account: string;
  partition: string;
  accelerators: number;
  /** Seconds the job ran inside the window (suspended time excluded). */
  seconds: number;
  acceleratorSeconds: bigint;
  /** FLOP inside the window. */
  flop: bigint;
  /** FLOP of the whole run up to the window end (for largestRunFlop). */
  totalFlop: bigint;
  /** ceil(acceleratorSeconds / 3600). */
  acceleratorHours: bigint;
  /** Declared by the job's comment (0 when absent). */
  params: bigint;
  datasetTokens: bigint;
}

export interface MeteredMetrics {
  trainingFlop: bigint;
  largestRunFlop: bigint;
  maxParams: bigint;
  datasetTokens: bigint;
  acceleratorHours: bigint;
  utilizationBps: number;
}

export interface MeteringResult {
  window: MeteringWindow;
  metrics: MeteredMetrics;
  acceleratorSeconds: bigint;
  runs: MeteredRun[];
}

/** JSON body of the node API's POST /v1/commitments (bigints as decimal strings; runs without salt). */
export type { CommitmentRequestBody };

// Jobs still holding their allocation: metered up to `now` (their EndTime is only a projection).
const ACTIVE_STATES = new Set(['RUNNING', 'SUSPENDED', 'CONFIGURING', 'STOPPED']);

function validate(cfg: SlurmMeteringConfig, window: MeteringWindow): void {
  if (!Number.isInteger(cfg.utilizationBps) || cfg.utilizationBps < 0 || cfg.utilizationBps > 10_000) {
    throw new SlurmMeteringError(
      'CONFIG',
      `utilizationBps: got ${cfg.utilizationBps}; expected an integer 0..10000 (basis points, 4000 = 40 %)`,
    );
  }
  if (cfg.peakFlopsPerAccelerator <= 0n) {
    throw new SlurmMeteringError(
      'CONFIG',
      `peakFlopsPerAccelerator: got ${cfg.peakFlopsPerAccelerator}; expected a positive FLOP/s figure, e.g. 989000000000000`,
    );
  }
  if (!(Number.isFinite(window.startMs) && Number.isFinite(window.endMs) && window.endMs > window.startMs)) {
    throw new SlurmMeteringError(
      'CONFIG',
      `window: got [${window.startMs}, ${window.endMs}); expected startMs < endMs`,
    );
  }
}

/** Accelerators a job holds: allocated GRES count (or CPUs in "cpu" mode). */
export function acceleratorsOf(
  job: SlurmJob,
  cfg: Pick<SlurmMeteringConfig, 'accelerator' | 'gresName'>,
): number {
  if (cfg.accelerator === 'cpu') return job.numCpus;
  return job.gres[cfg.gresName ?? 'gpu'] ?? 0;
}

/**
 * Seconds `job` ran from its start up to `t` (unix seconds), excluding the time it was suspended
 * (docs/protocol.md "Metering"). Slurm reports the run time so far and, from scontrol, when the job was last
 * suspended or resumed with the seconds it had run before; sacct reports only the total suspended time. The
 * suspended time is taken as one block: after the run time of a job that is suspended now; ending at the last
 * resume (scontrol) otherwise; and, when its place is unknown (sacct, resumed jobs), at the job's start, so that
 * run time is never moved earlier than it can have happened. Exact for a job suspended at most once.
 */
export function runUpTo(job: SlurmJob, t: number, nowSeconds: number): number {
  const start = job.startTime;
  if (start === null || t <= start) return 0;
  const end = ACTIVE_STATES.has(job.state) || job.endTime === null ? nowSeconds : job.endTime;
  const x = Math.min(t, end);
  const r = job.runSeconds;
  let block: [number, number] | null = null;
  if (job.state === 'SUSPENDED') block = [start + r, Number.MAX_SAFE_INTEGER];
  else if (job.suspendTime !== null && job.suspendTime > start) {
    block = [Math.min(start + job.secsPreSuspend, job.suspendTime), job.suspendTime];
  } else if ((job.suspendedSeconds ?? 0) > 0) block = [start, start + (job.suspendedSeconds as number)];
  const suspended = block === null ? 0 : Math.max(0, Math.min(x, block[1]) - Math.max(start, block[0]));
  return Math.min(r, Math.max(0, x - start - suspended));
}

/** Pure: meters `jobs` (already read from Slurm) for the window, at wall time `nowMs`. */
export function computeMetering(
  jobs: readonly SlurmJob[],
  cfg: SlurmMeteringConfig,
  window: MeteringWindow,
  nowMs: number,
): MeteringResult {
  validate(cfg, window);
  // Slurm times have one-second resolution: the window is taken in whole seconds [ceil(start), floor(end)).
  const winStart = Math.ceil(window.startMs / 1000);
  const winEnd = Math.floor(window.endMs / 1000);
  const now = Math.floor(nowMs / 1000);
  const peak = cfg.peakFlopsPerAccelerator;
  const util = BigInt(cfg.utilizationBps);
  const toFlop = (accelSec: bigint) => (accelSec * peak * util) / 10_000n;

  const runs: MeteredRun[] = [];
  let accelTotal = 0n;
  let trainingFlop = 0n;
  let largestRunFlop = 0n;
  let maxParams = cfg.maxParams ?? 0n;
  let tokens = 0n;
  for (const job of jobs) {
    // Pending jobs show their *expected* StartTime: they have not run.
    if (job.state === 'PENDING' || job.startTime === null || !matchesSelection(job, cfg)) continue;
    const accelerators = acceleratorsOf(job, cfg);
    if (accelerators <= 0) continue;
    const upToWindowEnd = runUpTo(job, winEnd, now);
    const seconds = Math.max(0, upToWindowEnd - runUpTo(job, winStart, now));
    const acceleratorSeconds = BigInt(accelerators) * BigInt(seconds);
    const flop = toFlop(acceleratorSeconds);
    const totalFlop = toFlop(BigInt(accelerators) * BigInt(upToWindowEnd));
    if (seconds === 0 && upToWindowEnd === 0) continue;
    accelTotal += acceleratorSeconds;
    trainingFlop += flop;
    if (totalFlop > largestRunFlop) largestRunFlop = totalFlop;
    const facts = parseRunFacts(job.comment);
    if (facts.params > maxParams) maxParams = facts.params;
    tokens += facts.tokens;
    runs.push({
      id: job.id,
      recordId: truncateUtf8(`slurm:${job.id}:${job.name}`, 128),
      name: job.name,
      account: job.account,
      partition: job.partitions.join(','),
      accelerators,
      seconds,
      acceleratorSeconds,
      flop,
      totalFlop,
      acceleratorHours: (acceleratorSeconds + 3599n) / 3600n,
      params: facts.params,
      datasetTokens: facts.tokens,
    });
  }
  runs.sort((a, b) => Number.parseInt(a.id, 10) - Number.parseInt(b.id, 10) || a.id.localeCompare(b.id));
  return {
    window,
    acceleratorSeconds: accelTotal,
    runs,
    metrics: {
      trainingFlop,
      largestRunFlop,
      maxParams,
      datasetTokens: cfg.datasetTokens ?? tokens,
      acceleratorHours: (accelTotal + 3599n) / 3600n,
      utilizationBps: cfg.utilizationBps,
    },
  };
}

/** Where job data came from: sacct (accounting database) or scontrol (controller memory). */
export type SlurmJobSource = 'sacct' | 'scontrol';

/**
 * Reads the jobs for a window. `auto` (default) asks sacct (accounting: includes jobs that finished long ago)
 * and falls back to `scontrol show job -o -d` (running, pending, and finished within MinJobAge) when
 * accounting is disabled or sacct is not installed.
 */
export async function readSlurmJobs(
  window: MeteringWindow,
  opts: {
    source?: SlurmJobSource | 'auto';
    run?: SlurmCommandRunner;
    binDir?: string;
    timeoutMs?: number;
    signal?: AbortSignal;
  } = {},
): Promise<{ source: SlurmJobSource; jobs: SlurmJob[] }> {
  const run = opts.run ?? createExecFileRunner(opts.binDir === undefined ? {} : { binDir: opts.binDir });
  const o =
    opts.signal === undefined
      ? { timeoutMs: opts.timeoutMs ?? 30_000 }
      : { timeoutMs: opts.timeoutMs ?? 30_000, signal: opts.signal };
  const source = opts.source ?? 'auto';
  if (source !== 'scontrol') {
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
    try {
      const { stdout } = await run(
        'sacct',
        ['-X', '-P', '-n', '-a', '-o', SACCT_FIELDS, '-S', iso(window.startMs), '-E', iso(window.endMs)],
        o,
      );
      const jobs = parseSacct(stdout);
      // sacct knows how long a job was suspended, not when: slurmctld does, for the jobs it still holds.
      if (jobs.some((j) => (j.suspendedSeconds ?? 0) > 0 && j.state !== 'SUSPENDED')) {
        const known = new Map(
          parseJobs((await run('scontrol', ['show', 'job', '-o'], o)).stdout).map((j) => [j.id, j]),
        );
        for (const j of jobs) {
          const c = known.get(j.id);
          if (c !== undefined && c.startTime === j.startTime) {
            j.suspendTime = c.suspendTime;
            j.secsPreSuspend = c.secsPreSuspend;
          }
        }
      }
      return { source: 'sacct', jobs };
    } catch (e) {
      const noAccounting =
        e instanceof SlurmCommandError &&
        (e.code === 'NOT_FOUND' ||
          /accounting storage is disabled/i.test(e.stderr) ||
          /slurmdbd/i.test(e.stderr));
      if (source === 'sacct' || !noAccounting) throw e;
    }
  }
  const { stdout } = await run('scontrol', ['show', 'job', '-o', '-d'], o);
  return { source: 'scontrol', jobs: parseJobs(stdout) };
}

/** Reads Slurm and meters the window (`now` defaults to Date.now() after reading). */
export async function collectSlurmMetering(
  cfg: SlurmMeteringConfig,
  window: MeteringWindow,
  opts: {
    source?: SlurmJobSource | 'auto';
    run?: SlurmCommandRunner;
    binDir?: string;
    now?: number;
    signal?: AbortSignal;
  } = {},
): Promise<MeteringResult & { source: SlurmJobSource }> {
  const { source, jobs } = await readSlurmJobs(window, opts);
  return { ...computeMetering(jobs, cfg, window, opts.now ?? Date.now()), source };
}

/** The POST /v1/commitments body for a metering result (bigints as decimal strings). */
export function toCommitmentRequest(r: MeteringResult, epoch?: number): CommitmentRequestBody {
  const m = r.metrics;
  return {
    metrics: {
      trainingFlop: m.trainingFlop.toString(),
      largestRunFlop: m.largestRunFlop.toString(),
      maxParams: m.maxParams.toString(),
      datasetTokens: m.datasetTokens.toString(),
      acceleratorHours: m.acceleratorHours.toString(),
      utilizationBps: m.utilizationBps,
    },
    runs: r.runs.map((run) => ({
      id: run.recordId,
      flop: run.flop.toString(),
      params: run.params.toString(),
      datasetTokens: run.datasetTokens.toString(),
      acceleratorHours: run.acceleratorHours.toString(),
    })),
    ...(epoch === undefined ? {} : { epoch }),
  };
}

/** Submits a commitment body to a node's local API (POST {apiUrl}/v1/commitments, bearer token). */
export async function submitCommitment(
  apiUrl: string,
  token: string,
  body: CommitmentRequestBody,
  opts: { signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<unknown> {
  const url = new URL('/v1/commitments', apiUrl);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
  } catch (e) {
    throw new SlurmMeteringError(
      'NETWORK',
      `POST ${url.href}: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
      },
    );
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch (e) {
    throw new SlurmMeteringError('PROTOCOL', `POST ${url.href}: HTTP ${res.status}, body is not JSON`, {
      status: res.status,
      cause: e,
    });
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new SlurmMeteringError(
      'HTTP_STATUS',
      `POST ${url.href}: HTTP ${res.status}${err ? ` ${err.code ?? ''}: ${err.message ?? ''}` : ''}`,
      { status: res.status },
    );
  }
  return json;
}

function truncateUtf8(s: string, maxBytes: number): string {
  const chars = Array.from(s);
  while (Buffer.byteLength(chars.join(''), 'utf8') > maxBytes) chars.pop();
  return chars.join('');
}

/** Parses a FLOP/s figure given as bigint, safe integer, decimal string or "<int>e<exp>" (e.g. "989e12"). */
export function parseFlops(v: bigint | number | string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      throw new SlurmMeteringError(
        'CONFIG',
        `got ${v}; expected an exact integer (use a string like "989e12")`,
      );
    }
    return BigInt(v);
  }
  const m = /^(\d+)(?:e(\d+))?$/i.exec(v.trim());
  if (!m)
    throw new SlurmMeteringError('CONFIG', `got "${v}"; expected digits or "<int>e<exp>", e.g. "989e12"`);
  return BigInt(m[1] as string) * 10n ** BigInt(m[2] ?? '0');
}
