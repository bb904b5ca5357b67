/**
 * Pure parsers for Slurm command output (`scontrol show job|partition|reservation -o`, durations, times).
 * Everything here is deterministic text -> data so it is unit-tested on recorded output.
 * Times: the command runner sets TZ=UTC for Slurm's client commands, so timestamps parse as UTC.
 */

/** One `scontrol show <entity> -o` record: Key -> raw value (first occurrence wins). */
export type ScontrolRecord = Readonly<Record<string, string>>;

// A field starts at a space followed by `Key=` where Key looks like Slurm's keys
// (JobId, AllocNode:Sid, CPUs/Task, ReqB:S:C:T, JOB_GRES, NtasksPerN:B:S:C, ...).
const FIELD_START = /(?:^|\s+)([A-Za-z_][A-Za-z0-9_:/]*)=/g;

/** Parses one `-o` (one line per record) line into key/value pairs; values may contain spaces. */
export function parseScontrolLine(line: string): ScontrolRecord {
  const out: Record<string, string> = {};
  const starts: { key: string; keyAt: number; valueAt: number }[] = [];
  for (const m of line.matchAll(FIELD_START)) {
    const key = m[1] as string;
    starts.push({ key, keyAt: m.index, valueAt: m.index + m[0].length });
  }
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const end = i + 1 < starts.length ? starts[i + 1]!.keyAt : line.length;
    if (!(s.key in out)) out[s.key] = line.slice(s.valueAt, end).trim();
  }
  return out;
}

/** Parses `scontrol show <entity> -o` output (one record per non-empty line; "No jobs in the system" -> []). */
export function parseScontrolRecords(text: string, firstKey: string): ScontrolRecord[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`${firstKey}=`))
    .map(parseScontrolLine);
}

/** A job as the adapter and the metering collector see it. */
export interface SlurmJob {
  /** Job id as scontrol names it (array tasks have their own numeric JobId). */
  id: string;
  name: string;
  account: string;
  qos: string;
  /** Partition(s); a pending job submitted to several partitions lists them all. */
  partitions: string[];
  /** JobState, e.g. PENDING, RUNNING, SUSPENDED, COMPLETED, CANCELLED. */
  state: string;
  reason: string;
  /** 0 means held (scontrol hold / requeuehold set the priority to 0). */
  priority: bigint;
  /** Submitted with sbatch (can be requeued); srun/salloc allocations are not. */
  batch: boolean;
  requeue: boolean;
  restarts: number;
  /**
   * Unix seconds (slurmctld's clock), or null when Slurm says Unknown/None. A requeued job's submit time is
   * re-stamped when its previous run has fully ended on its nodes; its eligible time is when it may start.
   */
  submitTime: number | null;
  eligibleTime: number | null;
  /** Unix seconds, or null when Slurm says Unknown/None. */
  startTime: number | null;
  endTime: number | null;
  /** Seconds the job has run, excluding time suspended (scontrol RunTime). */
  runSeconds: number;
  numCpus: number;
  numNodes: number;
  /** Allocated (running/finished) or requested (pending) count per GRES name, e.g. {gpu: 2}. */
  gres: Readonly<Record<string, number>>;
  /** Countable TRES of the job as Slurm lists them (`TRES=` / sacct AllocTRES), e.g. {cpu: 8, 'gres/gpu': 2}. */
  tres: Readonly<Record<string, number>>;
  /**
   * scontrol only: when the job was last suspended or resumed (unix seconds; null: never), and how many seconds
   * it had run before that (SecsPreSuspend).
   */
  suspendTime: number | null;
  secsPreSuspend: number;
  /** sacct only: seconds spent suspended in all (null when the source does not say). */
  suspendedSeconds: number | null;
  comment: string;
}

const NULLISH = new Set(['(null)', 'N/A', 'None', 'Unknown', '']);

function str(v: string | undefined): string {
  return v === undefined || NULLISH.has(v) ? '' : v;
}

/** Parses Slurm's `YYYY-MM-DDTHH:MM:SS` (printed in UTC by our runner) into unix seconds; null for Unknown/None. */
export function parseSlurmTime(v: string | undefined): number | null {
  if (v === undefined || NULLISH.has(v)) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(v);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

/** Parses a Slurm duration `[D-]HH:MM:SS`, `MM:SS` or `SS` (RunTime, Elapsed) into seconds. */
export function parseSlurmDuration(v: string | undefined): number {
  if (v === undefined || NULLISH.has(v) || v === 'INVALID') return 0;
  const m = /^(?:(\d+)-)?(?:(?:(\d+):)?(\d+):)?(\d+)$/.exec(v.trim());
  if (!m) return 0;
  const [days, hours, minutes, seconds] = [m[1], m[2], m[3], m[4]].map((x) =>
    x === undefined ? 0 : Number(x),
  );
  return (days as number) * 86400 + (hours as number) * 3600 + (minutes as number) * 60 + (seconds as number);
}

/**
 * Sums GRES counts from a Slurm GRES list, e.g. "gpu:2", "gpu:a100:2(IDX:0-1),gpu:h100:1", "gres:gpu:4",
 * "gres/gpu=2" (TRES form). Entries without a count mean 1.
 */
export function parseGresList(v: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (v === undefined || NULLISH.has(v)) return out;
  // Split on commas that are not inside "(IDX:0,2)" groups.
  let depth = 0;
  let cur = '';
  const parts: string[] = [];
  for (const ch of v) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.replace(/\(.*\)$/, '').trim();
    if (p === '') continue;
    let name: string;
    let count = 1;
    const tres = /^gres\/([^:=]+)(?::[^=]+)?=(\d+)$/.exec(p);
    if (tres) {
      // Typed TRES entries (gres/gpu:a100=2) duplicate the untyped total (gres/gpu=2): count the untyped only.
      if (p.includes(':')) continue;
      name = tres[1] as string;
      count = Number(tres[2]);
    } else {
      const fields = p.replace(/^gres[:/]/, '').split(':');
      name = fields[0] as string;
      const last = fields[fields.length - 1] as string;
      if (fields.length > 1 && /^\d+[KMG]?$/.test(last)) count = parseCount(last);
    }
    out[name] = (out[name] ?? 0) + count;
  }
  return out;
}

/**
 * Parses a TRES list, e.g. "cpu=8,mem=512G,node=2,billing=64,gres/gpu=16,gres/gpu:h100=16" (scontrol TRES, sacct
 * AllocTRES, sacctmgr GrpTRES), keeping the entries whose value is a plain count (memory sizes are left out).
 */
export function parseTresList(v: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (v === undefined || NULLISH.has(v)) return out;
  for (const entry of v.split(',')) {
    const m = /^([^=]+)=(\d+)$/.exec(entry.trim());
    if (m) out[m[1] as string] = Number(m[2]);
  }
  return out;
}

/** How much of `tres` ("cpu", "node", "gres/gpu", "gres/gpu:h100", ...) a job holds or asks for. */
export function tresCount(job: SlurmJob, tres: string): number {
  const listed = job.tres[tres];
  if (listed !== undefined) return listed;
  if (tres === 'cpu') return job.numCpus;
  if (tres === 'node') return job.numNodes;
  const gres = /^gres\/([^:]+)$/.exec(tres);
  if (gres) return job.gres[gres[1] as string] ?? 0;
  return 0;
}

function parseCount(s: string): number {
  const m = /^(\d+)([KMG]?)$/.exec(s);
  if (!m) return 0;
  const mult = m[2] === 'K' ? 1024 : m[2] === 'M' ? 1024 ** 2 : m[2] === 'G' ? 1024 ** 3 : 1;
  return Number(m[1]) * mult;
}

function gresOf(r: ScontrolRecord): Record<string, number> {
  // Allocated TRES (with accounting: "cpu=8,node=1,gres/gpu=8") is authoritative when it lists gres.
  const tres = parseGresList(
    (r['TRES'] ?? '')
      .split(',')
      .filter((t) => t.startsWith('gres/'))
      .join(','),
  );
  if (Object.keys(tres).length > 0) return tres;
  // `scontrol show job -d`: the job's allocated GRES.
  const jobGres = parseGresList(r['JOB_GRES']);
  if (Object.keys(jobGres).length > 0) return jobGres;
  // Requested: per job, per node (x nodes), per task (x tasks).
  const perJob = parseGresList(r['TresPerJob']);
  if (Object.keys(perJob).length > 0) return perJob;
  const nodes = Number(r['NumNodes'] ?? '1') || 1;
  const perNode = parseGresList(r['TresPerNode']);
  if (Object.keys(perNode).length > 0) return scale(perNode, nodes);
  const tasks = Number(r['NumTasks'] ?? '1') || 1;
  return scale(parseGresList(r['TresPerTask']), tasks);
}

function scale(g: Record<string, number>, k: number): Record<string, number> {
  return Object.fromEntries(Object.entries(g).map(([n, c]) => [n, c * k]));
}

/** Turns one `scontrol show job -o [-d]` record into a {@link SlurmJob}. */
export function jobFromRecord(r: ScontrolRecord): SlurmJob {
  const prio = r['Priority'] ?? '';
  return {
    id: r['JobId'] ?? '',
    name: str(r['JobName']),
    account: str(r['Account']),
    qos: str(r['QOS']),
    partitions: str(r['Partition'])
      .split(',')
      .filter((p) => p !== ''),
    state: (r['JobState'] ?? '').toUpperCase(),
    reason: str(r['Reason']),
    priority: /^\d+$/.test(prio) ? BigInt(prio) : 1n,
    batch: r['BatchFlag'] === '1',
    requeue: r['Requeue'] === '1',
    restarts: Number(r['Restarts'] ?? '0') || 0,
    submitTime: parseSlurmTime(r['SubmitTime']),
    eligibleTime: parseSlurmTime(r['EligibleTime']),
    startTime: parseSlurmTime(r['StartTime']),
    endTime: parseSlurmTime(r['EndTime']),
    runSeconds: parseSlurmDuration(r['RunTime']),
    numCpus: Number(str(r['NumCPUs']).replace(/-.*/, '')) || 0,
    numNodes: Number(str(r['NumNodes']).replace(/-.*/, '')) || 0,
    gres: gresOf(r),
    tres: parseTresList(r['TRES']),
    suspendTime: parseSlurmTime(r['SuspendTime']),
    secsPreSuspend: Number(r['SecsPreSuspend'] ?? '0') || 0,
    suspendedSeconds: null,
    comment: str(r['Comment']),
  };
}

/**
 * Model facts a job declares in its comment (the scheduler cannot know them):
 * `--comment pausenet:params=70000000000,tokens=1500000000000` (no spaces). Missing values are 0.
 */
export function parseRunFacts(comment: string): { params: bigint; tokens: bigint } {
  const m = /(?:^|\s)pausenet:(\S+)/.exec(comment);
  const out = { params: 0n, tokens: 0n };
  for (const kv of m?.[1]?.split(',') ?? []) {
    const [k, v] = kv.split('=');
    if (v === undefined || !/^\d+$/.test(v)) continue;
    if (k === 'params') out.params = BigInt(v);
    if (k === 'tokens') out.tokens = BigInt(v);
  }
  return out;
}

/** Parses `scontrol show job -o [-d]` output into jobs. */
export function parseJobs(text: string): SlurmJob[] {
  return parseScontrolRecords(text, 'JobId').map(jobFromRecord);
}

/** A partition's name, its State (UP, DOWN, DRAIN, INACTIVE) and node list expression. */
export interface SlurmPartition {
  name: string;
  state: string;
  nodes: string;
}

/** Parses `scontrol show partition -o` output. */
export function parsePartitions(text: string): SlurmPartition[] {
  return parseScontrolRecords(text, 'PartitionName').map((r) => ({
    name: r['PartitionName'] ?? '',
    state: (r['State'] ?? '').toUpperCase(),
    nodes: str(r['Nodes']),
  }));
}

/** Parses `scontrol show reservation -o` output into reservation names. */
export function parseReservationNames(text: string): string[] {
  return parseScontrolRecords(text, 'ReservationName').map((r) => r['ReservationName'] ?? '');
}

/**
 * Whether a job is held: hold/requeuehold set priority 0 on a pending job (a requeued-held job may still show
 * COMPLETING for a moment with Reason=job_requeued_in_held_state). Suspended jobs also show priority 0: not held.
 */
export function isHeld(job: SlurmJob): boolean {
  return job.priority === 0n && (job.state === 'PENDING' || /held/i.test(job.reason));
}

/** Fields `readSlurmJobs` asks sacct for, in order (JobName last: it may contain the separator). */
export const SACCT_FIELDS =
  'JobID,Account,Partition,QOS,State,Start,End,ElapsedRaw,NCPUS,NNodes,AllocTRES,Suspended,Comment,JobName';

/**
 * Parses `sacct -X -P -n -o ${SACCT_FIELDS}` output (accounting clusters). ElapsedRaw excludes suspended time;
 * AllocTRES carries allocated gres (gres/gpu=N).
 */
export function parseSacct(text: string): SlurmJob[] {
  const jobs: SlurmJob[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split('|');
    if (f.length < 14) continue;
    const [id, account, partition, qos, state, start, end, elapsed, ncpus, nnodes, tres, suspended, comment] =
      f as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
    jobs.push({
      id,
      name: f.slice(13).join('|'),
      account: str(account),
      qos: str(qos),
      partitions: str(partition)
        .split(',')
        .filter((p) => p !== ''),
      // "CANCELLED by 0" -> CANCELLED
      state: (state.split(' ')[0] ?? '').toUpperCase(),
      reason: '',
      priority: 1n,
      batch: true,
      requeue: false,
      restarts: 0,
      submitTime: null,
      eligibleTime: null,
      startTime: parseSlurmTime(start),
      endTime: parseSlurmTime(end),
      runSeconds: Number(elapsed) || 0,
      numCpus: Number(ncpus) || 0,
      numNodes: Number(nnodes) || 0,
      gres: parseGresList(
        tres
          .split(',')
          .filter((t) => t.startsWith('gres/'))
          .join(','),
      ),
      tres: parseTresList(tres),
      suspendTime: null,
      secsPreSuspend: 0,
      suspendedSeconds: parseSlurmDuration(suspended),
      comment: str(comment),
    });
  }
  return jobs;
}

/** A GrpTRES component as slurmctld enforces it: the limit (null: none) and what is in use now. */
export interface SlurmLimitView {
  limit: number | null;
  used: number;
  /** False when slurmctld does not track this TRES (not in AccountingStorageTRES): it cannot be limited. */
  tracked: boolean;
}

/**
 * Reads one TRES of the GrpTRES line of `scontrol show assoc_mgr` output: the QOS record `QOS=<name>(id)`, or
 * the account-level association record of `<account>` on `<cluster>` (the one with no user and no partition).
 * Entries look like `gres/gpu=2(1)` (limit 2, 1 in use) or `gres/gpu=N(0)` (no limit). Null: no such record.
 */
export function parseAssocMgrLimit(
  text: string,
  target: { kind: 'qos'; name: string } | { kind: 'account'; name: string; cluster: string },
  tres: string,
): SlurmLimitView | null {
  let inRecord = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (/^(QOS|ClusterName)=/.test(line)) {
      if (target.kind === 'qos') inRecord = line.startsWith(`QOS=${target.name}(`);
      else {
        const r = parseScontrolLine(line);
        inRecord =
          r['ClusterName'] === target.cluster &&
          r['Account'] === target.name &&
          (r['UserName'] ?? '') === '' &&
          (r['Partition'] ?? '') === '';
      }
      continue;
    }
    if (!inRecord || !line.startsWith('GrpTRES=')) continue;
    for (const entry of line.slice('GrpTRES='.length).split(',')) {
      const m = /^([^=]+)=(N|\d+)\((\d+)\)$/.exec(entry);
      if (m && m[1] === tres)
        return { limit: m[2] === 'N' ? null : Number(m[2]), used: Number(m[3]), tracked: true };
    }
    return { limit: null, used: 0, tracked: false };
  }
  return null;
}
