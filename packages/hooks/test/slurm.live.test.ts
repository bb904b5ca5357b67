/**
 * Live tests against the real single-node Slurm started by scripts/slurm/start.sh (not skipped: without a
 * running slurmctld every test here fails and says how to start it). Each run creates its own partitions
 * (`pn<pid>-train`, `pn<pid>-infer`) so it never touches the cluster's `train`/`infer` or parallel runs.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { complianceContext, runHookCompliance } from '../src/compliance.js';
import { levelContext, runLevelCompliance } from '../src/compliance-levels.js';
import { schedulerDigest } from '../src/observe.js';
import { HookRunner } from '../src/runner.js';
import {
  collectSlurmMetering,
  createExecFileRunner,
  type SlurmCommandRunner,
  SlurmHook,
  type SlurmHookConfigInput,
  slurmHookConfigSchema,
  submitCommitment,
  toCommitmentRequest,
} from '../src/slurm/index.js';
import { hookStatusList } from '../src/status.js';
import { JsonFileHookStore, MemoryHookStateStore } from '../src/store/json-file.js';
import { HookError } from '../src/types.js';

const run = promisify(execFile);
const P = `pn${process.pid}`;
const TRAIN = `${P}-train`;
const INFER = `${P}-infer`;
const env = { ...process.env, TZ: 'UTC' };

async function sh(cmd: string, args: string[]): Promise<string> {
  return (await run(cmd, args, { env, timeout: 15_000 })).stdout;
}

async function which(cmd: string): Promise<string> {
  return (await run('sh', ['-c', `command -v ${cmd}`])).stdout.trim();
}

async function sbatch(args: string[]): Promise<string> {
  return (await sh('sbatch', ['--parsable', '-o', '/dev/null', ...args])).trim().split(';')[0]!;
}

interface JobView {
  id: string;
  name: string;
  state: string;
  reason: string;
  priority: string;
}

const SQUEUE = `squeue -h -t all -o '%i|%T|%r|%Q|%j'`;
const SINFO = `sinfo -h -o '%R|%a'`;

function parseSqueue(out: string): JobView[] {
  return out
    .split('\n')
    .filter((l) => l.includes(`|${P}-`))
    .map((l) => {
      const [id, state, reason, priority, ...name] = l.split('|');
      return { id: id!, name: name.join('|'), state: state!, reason: reason!, priority: priority! };
    });
}

function parseSinfo(out: string): Record<string, string> {
  const all = Object.fromEntries(out.split('\n').map((l) => l.split('|') as [string, string]));
  return { [TRAIN]: all[TRAIN] ?? 'missing', [INFER]: all[INFER] ?? 'missing' };
}

/** Reads jobs with squeue (independent of the adapter's scontrol parser). */
async function squeue(): Promise<JobView[]> {
  return parseSqueue(await sh('sh', ['-c', SQUEUE]));
}

/** squeue + sinfo in one spawn (spawning from Node, not Slurm, is the slow part on this machine). */
async function snapshot(): Promise<{ jobs: JobView[]; partitions: Record<string, string> }> {
  const [q, i] = (await sh('sh', ['-c', `${SQUEUE}; echo @@; ${SINFO}`])).split('@@\n') as [string, string];
  return { jobs: parseSqueue(q), partitions: parseSinfo(i) };
}

const FIELDS = [
  'JobState',
  'Reason',
  'Priority',
  'Restarts',
  'RunTime',
  'StartTime',
  'EndTime',
  'BatchFlag',
  'SubmitTime',
  'EligibleTime',
  'SuspendTime',
  'SecsPreSuspend',
];

/** Jobs' fields straight from `scontrol show job [id] -o`, by regex (independent of the adapter's parser). */
async function scontrolJobs(id?: string): Promise<Map<string, Record<string, string>>> {
  const out = await sh('scontrol', ['show', 'job', ...(id === undefined ? [] : [id]), '-o']);
  const jobs = new Map<string, Record<string, string>>();
  for (const line of out.split('\n')) {
    const get = (k: string) => new RegExp(`(?:^| )${k}=(\\S*)`).exec(line)?.[1] ?? '';
    if (get('JobId') !== '') jobs.set(get('JobId'), Object.fromEntries(FIELDS.map((k) => [k, get(k)])));
  }
  return jobs;
}

async function scontrolJob(id: string): Promise<Record<string, string>> {
  return (await scontrolJobs(id)).get(id) ?? {};
}

async function partitionStates(): Promise<Record<string, string>> {
  return parseSinfo(await sh('sh', ['-c', SINFO]));
}

/** JSON.stringify replacer: a Map (scontrolJobs) prints its entries, not `{}`. */
function mapsAsObjects(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const until = Date.now() + ms;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > until)
      throw new Error(`timed out after ${ms} ms waiting for ${what}: ${JSON.stringify(last, mapsAsObjects)}`);
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

const byName = (jobs: JobView[], name: string) => {
  const j = jobs.find((x) => x.name === `${P}-${name}`);
  if (!j) throw new Error(`job ${P}-${name} not found in ${JSON.stringify(jobs)}`);
  return j;
};

const children: ChildProcess[] = [];
const tmpDirs: string[] = [];

async function cancelOurJobs(): Promise<void> {
  const ids = (await squeue()).filter((j) => !/COMPLETED|CANCELLED|FAILED/.test(j.state)).map((j) => j.id);
  if (ids.length > 0) await sh('scancel', ids).catch(() => '');
  await waitFor(
    'our jobs to end',
    squeue,
    (js) => js.every((j) => /COMPLETED|CANCELLED|FAILED|TIMEOUT|PREEMPTED|NODE_FAIL/.test(j.state)),
    15_000,
  );
}

beforeAll(async () => {
  try {
    const ping = await sh('scontrol', ['ping']);
    if (!/is UP/.test(ping)) throw new Error(ping.trim());
  } catch (e) {
    throw new Error(
      `Slurm is not running here (scontrol ping: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}). ` +
        'Start the test cluster first: `sudo scripts/ci/apt-deps.sh && sudo scripts/slurm/start.sh` (CI: .ci/run does it).',
    );
  }
  for (const p of [TRAIN, INFER]) {
    await sh('scontrol', ['create', `PartitionName=${p}`, 'Nodes=ALL', 'State=UP', 'MaxTime=INFINITE']);
  }
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await cancelOurJobs().catch(() => undefined);
  await run('scontrol', ['delete', `ReservationName=${P}-maint`], { env }).catch(() => undefined);
  for (const p of [TRAIN, INFER]) {
    // A partition can only be deleted once no job references it any more.
    await waitFor(
      `partition ${p} deleted`,
      () =>
        run('scontrol', ['delete', `PartitionName=${p}`], { env }).then(
          () => true,
          () => false,
        ),
      (ok) => ok,
      20_000,
    ).catch(() => undefined);
  }
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
}, 60_000);

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pausenet-slurm-'));
  await chmod(d, 0o777);
  tmpDirs.push(d);
  return d;
}

function hook(over: Partial<SlurmHookConfigInput>): SlurmHook {
  return new SlurmHook(
    slurmHookConfigSchema.parse({ type: 'slurm', name: 'slurm-live', partitions: [TRAIN], ...over }),
    { pollMs: 100 },
  );
}

/** Undo whatever a failed test may have left, so one failure does not cascade. */
async function resetCluster(): Promise<void> {
  for (const p of [TRAIN, INFER]) await sh('scontrol', ['update', `PartitionName=${p}`, 'State=UP']);
  await run('scontrol', ['delete', `ReservationName=${P}-maint`], { env }).catch(() => undefined);
}

// Users scripts/slurm/start.sh creates (OS user + sacctmgr AdminLevel); see docs/slurm.md.
const OPERATOR = 'pausenet-slurm-op';
const ADMIN = 'pausenet-slurm-admin';

/** The hook in its own process as `user`, confined like the systemd unit: NoNewPrivileges, no capabilities. */
async function applyAs(
  user: string,
  action: 'halt' | 'reduce' | 'resume',
  over: Partial<SlurmHookConfigInput>,
  dir: string,
): Promise<{ ok: boolean; code?: string; message?: string }> {
  const level = await sh('sacctmgr', ['-n', '-P', 'list', 'user', user, 'format=adminlevel']).then(
    (out) => out.trim(),
    () => '',
  );
  if (level === '')
    throw new Error(
      `${user} has no Slurm AdminLevel (no accounting?): start the cluster with accounting: sudo scripts/slurm/start.sh`,
    );
  const script = join(dir, 'apply-as.mjs');
  const dist = new URL('../dist/index.js', import.meta.url).href;
  await writeFile(
    script,
    [
      `import { JsonFileHookStore, SlurmHook, slurmHookConfigSchema } from ${JSON.stringify(dist)};`,
      'const [action, cfg, cert, storePath] = process.argv.slice(2);',
      'const hook = new SlurmHook(slurmHookConfigSchema.parse(JSON.parse(cfg)), { pollMs: 100 });',
      'const state = new JsonFileHookStore(storePath).stateFor(hook.name);',
      'const out = await hook.apply(action, { ...JSON.parse(cert), state }).then(',
      '  () => ({ ok: true, uid: process.getuid() }),',
      '  (e) => ({ ok: false, code: e.code, message: e.message, uid: process.getuid() }),',
      ');',
      'console.log(JSON.stringify(out));',
    ].join('\n'),
    { mode: 0o644 },
  );
  const gid = (await sh('id', ['-g', user])).trim();
  const cfg = { type: 'slurm', name: 'slurm-svc', partitions: [TRAIN], ...over };
  const { state: _state, ...cert } =
    action === 'reduce'
      ? levelContext('REDUCED', 3, new MemoryHookStateStore())
      : complianceContext(action, new MemoryHookStateStore());
  const { stdout } = await run(
    'setpriv',
    [
      ...['--reuid', user, '--regid', gid, '--clear-groups'],
      ...['--no-new-privs', '--inh-caps=-all', '--bounding-set=-all'],
      ...[
        process.execPath,
        script,
        action,
        JSON.stringify(cfg),
        JSON.stringify(cert),
        join(dir, 'hooks.json'),
      ],
    ],
    { env, timeout: 60_000 },
  );
  const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
    uid: number;
    ok: boolean;
    code?: string;
    message?: string;
  };
  expect(out.uid).toBe(Number((await sh('id', ['-u', user])).trim())); // really not root
  return out;
}

describe('slurm adapter against the live test cluster', () => {
  beforeEach(resetCluster);
  it('checkpoint mode: halts batch, srun and pending training jobs, leaves inference alone; resume restores', async () => {
    const dir = await tmp();
    const ckptScript = join(dir, 'ckpt.sh');
    await writeFile(
      ckptScript,
      `#!/bin/bash\ntrap 'echo "step 42" > ${dir}/ckpt.$SLURM_JOB_ID; exit 0' USR1\nwhile :; do sleep 1 & wait $!; done\n`,
      { mode: 0o755 },
    );
    const a = await sbatch(['-p', TRAIN, '-J', `${P}-train-a`, '--gres=gpu:2', '--wrap', 'sleep 300']);
    const ck = await sbatch(['-p', TRAIN, '-J', `${P}-ckpt`, '--gres=gpu:1', ckptScript]);
    const pend = await sbatch(['-p', TRAIN, '-J', `${P}-pending`, '--begin=now+3600', '--wrap', 'sleep 300']);
    const inf = await sbatch(['-p', INFER, '-J', `${P}-infer`, '--gres=gpu:1', '--wrap', 'sleep 300']);
    const srun = spawn('srun', ['-p', TRAIN, '-J', `${P}-srun`, '--gres=gpu:1', 'sleep', '300'], {
      env,
      stdio: 'ignore',
    });
    children.push(srun);
    const running = ['train-a', 'ckpt', 'srun', 'infer'];
    const before = await waitFor('jobs to start', squeue, (js) =>
      running.every((n) => js.find((j) => j.name === `${P}-${n}`)?.state === 'RUNNING'),
    );
    expect(byName(before, 'pending').state).toBe('PENDING');
    const baseline = {
      jobs: before.map((j) => [j.name, j.state]).sort(),
      partitions: await partitionStates(),
    };
    expect(baseline.partitions).toEqual({ [TRAIN]: 'up', [INFER]: 'up' });

    const store = new JsonFileHookStore(join(dir, 'hooks.json'));
    const h = hook({ running: 'checkpoint', checkpointGraceMs: 15_000 });
    const t0 = Date.now();
    await h.apply('halt', complianceContext('halt', store.stateFor(h.name)));
    const haltMs = Date.now() - t0;

    const halted = await squeue();
    expect(await partitionStates()).toEqual({ [TRAIN]: 'inactive', [INFER]: 'up' });
    const fields = await scontrolJobs();
    for (const id of [a, ck]) {
      const j = fields.get(id);
      expect(j, `job ${id} requeued held`).toMatchObject({
        JobState: 'PENDING',
        Priority: '0',
        Restarts: '1',
      });
      expect(j?.['Reason']).toMatch(/requeued_in_held_state/);
    }
    expect(await readFile(join(dir, `ckpt.${ck}`), 'utf8')).toBe('step 42\n');
    expect(byName(halted, 'pending')).toMatchObject({
      state: 'PENDING',
      priority: '0',
      reason: 'JobHeldAdmin',
    });
    expect(byName(halted, 'srun').state).toBe('SUSPENDED'); // not a batch job: cannot be requeued
    expect(byName(halted, 'infer').state).toBe('RUNNING');
    expect(fields.get(inf)).toMatchObject({ JobState: 'RUNNING', Restarts: '0' });
    expect(fields.get(pend)).toMatchObject({ Priority: '0' });
    const rec = await SlurmHook.undoRecord(store.stateFor(h.name));
    expect(rec?.partitions).toEqual({ [TRAIN]: 'UP' });
    expect(rec?.held).toEqual([pend]);
    expect(Object.keys(rec?.checkpointed ?? {}).sort()).toEqual([a, ck].sort());

    // Idempotent: a second halt (e.g. the journal re-running it) changes nothing.
    await h.apply('halt', complianceContext('halt', store.stateFor(h.name)));
    expect((await squeue()).map((j) => [j.name, j.state, j.priority]).sort()).toEqual(
      halted.map((j) => [j.name, j.state, j.priority]).sort(),
    );

    // A restarted process (new adapter, same state file) resumes exactly what was halted.
    const restarted = hook({ running: 'checkpoint' });
    const store2 = new JsonFileHookStore(join(dir, 'hooks.json'));
    await restarted.apply('resume', complianceContext('resume', store2.stateFor(restarted.name)));
    expect(await partitionStates()).toEqual(baseline.partitions);
    const after = await waitFor('training jobs to run again', squeue, (js) =>
      running.every((n) => js.find((j) => j.name === `${P}-${n}`)?.state === 'RUNNING'),
    );
    expect(after.map((j) => [j.name, j.state]).sort()).toEqual(baseline.jobs);
    expect(byName(after, 'pending').priority).not.toBe('0');
    expect(byName(after, 'pending').reason).toBe('BeginTime');
    expect(await SlurmHook.undoRecord(store2.stateFor(restarted.name))).toBeUndefined();
    expect(haltMs).toBeLessThan(10_000); // both checkpointed jobs exited well before the 15 s grace
    await cancelOurJobs();
  });

  it('reservation mode: a MAINT reservation keeps new jobs from starting; resume deletes only it', async () => {
    const h = hook({
      stopNew: 'reservation',
      reservationName: `${P}-maint`,
      running: 'none',
      holdPending: false,
    });
    const store = new JsonFileHookStore(join(await tmp(), 'hooks.json'));
    await h.apply('halt', complianceContext('halt', store.stateFor(h.name)));
    const resv = await sh('scontrol', ['show', 'reservation', `${P}-maint`, '-o']);
    expect(resv).toMatch(/Flags=MAINT/);
    const id = await sbatch(['-p', TRAIN, '-J', `${P}-blocked`, '--wrap', 'sleep 1']);
    const blocked = await waitFor(
      'scheduler to evaluate the job',
      () => scontrolJob(id),
      (j) => /maintenance|ReqNodeNotAvail/.test(j['Reason'] ?? ''),
    );
    expect(blocked).toMatchObject({ JobState: 'PENDING' });
    await h.apply('resume', complianceContext('resume', store.stateFor(h.name)));
    expect(await sh('scontrol', ['show', 'reservation', '-o'])).not.toContain(`${P}-maint`);
    await waitFor(
      'blocked job to run',
      () => scontrolJob(id),
      (j) => j['JobState'] !== 'PENDING',
    );
  });

  it('reports a clear PERMISSION error when not root/SlurmUser, and NOT_FOUND when scontrol is missing', async () => {
    const dir = await tmp();
    const scontrol = await which('scontrol');
    // Real Slurm refusal: run scontrol as the unprivileged user "nobody".
    await writeFile(join(dir, 'scontrol'), `#!/bin/sh\nexec runuser -u nobody -- ${scontrol} "$@"\n`, {
      mode: 0o755,
    });
    const store = new JsonFileHookStore(join(dir, 'hooks.json'));
    const denied = hook({ binDir: dir });
    const err = await denied
      .apply('halt', complianceContext('halt', store.stateFor('x')))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookError);
    expect((err as HookError).code).toBe('PERMISSION');
    expect((err as HookError).message).toMatch(/root or the SlurmUser/);
    expect(await partitionStates()).toEqual({ [TRAIN]: 'up', [INFER]: 'up' });

    const empty = await tmp();
    const missing = hook({ binDir: empty });
    const err2 = await missing
      .apply('halt', complianceContext('halt', store.stateFor('y')))
      .catch((e: unknown) => e);
    expect((err2 as HookError).code).toBe('NOT_FOUND');
    expect((err2 as HookError).message).toMatch(/scontrol not found .*slurm-client/);
  });

  it('metering: a finished 2-GPU job meters exactly GPUs x RunTime x peak x utilisation, from sacct and from scontrol; submit (mock node API on 127.0.0.1)', async () => {
    const submitted = Date.now();
    const id = await sbatch([
      ...['-p', TRAIN, '-J', `${P}-meter`, '--gres=gpu:2'],
      ...['--comment', 'pausenet:params=7000000000,tokens=1000', '--wrap', 'sleep 2'],
    ]);
    const j = await waitFor(
      'metered job to finish',
      () => scontrolJob(id),
      (x) => x['JobState'] === 'COMPLETED',
    );
    const [hh, mm, ss] = j['RunTime']!.split(':').map(Number) as [number, number, number];
    const runSeconds = hh * 3600 + mm * 60 + ss;
    expect(runSeconds).toBeGreaterThanOrEqual(2);
    expect(runSeconds).toBeLessThanOrEqual(4);
    const startMs = Date.parse(`${j['StartTime']}Z`);
    expect(Date.parse(`${j['EndTime']}Z`) - startMs).toBe(runSeconds * 1000);

    const cfg = {
      partitions: [TRAIN],
      accounts: [],
      qos: [],
      namePattern: `^${P}-meter$`,
      peakFlopsPerAccelerator: 989_000_000_000_000n,
      utilizationBps: 4000,
    };
    // scripts/slurm/start.sh runs accounting (slurmdbd) unless PAUSENET_SLURM_ACCOUNTING=0: then `auto` reads
    // sacct, and the controller's view (scontrol) must meter the same.
    const accounting = !/accounting_storage\/none/.test(await sh('scontrol', ['show', 'config']));
    if (accounting) {
      // slurmctld sends a job's records to slurmdbd asynchronously: a job that ends quickly can show as
      // COMPLETED before its start record (name, window times) has arrived.
      await waitFor(
        'sacct to record the finished job',
        () => sh('sacct', ['-X', '-P', '-n', '-j', id, '-o', 'State,JobName']),
        (out) => out.trim() === `COMPLETED|${P}-meter`,
      );
    }
    const win = { startMs: submitted - 60_000, endMs: Date.now() + 1000 };
    const whole = await collectSlurmMetering(cfg, win);
    expect(whole.source).toBe(accounting ? 'sacct' : 'scontrol');
    const fromController = await collectSlurmMetering(cfg, win, { source: 'scontrol' });
    expect(fromController.source).toBe('scontrol');
    // Hand-computed: 2 GPUs x RunTime s x 989e12 FLOP/s x 0.4
    const expected = (2n * BigInt(runSeconds) * 989_000_000_000_000n * 4000n) / 10_000n;
    for (const m of [whole, fromController]) {
      expect(m.runs, m.source).toHaveLength(1);
      expect(m.runs[0], m.source).toMatchObject({ id, accelerators: 2, seconds: runSeconds });
      expect(m.metrics.trainingFlop, m.source).toBe(expected);
      expect(m.metrics.largestRunFlop, m.source).toBe(expected);
      expect(m.metrics.acceleratorHours, m.source).toBe(1n);
      expect(m.metrics.maxParams, m.source).toBe(7_000_000_000n); // declared in the job comment
      expect(m.metrics.datasetTokens, m.source).toBe(1000n);
    }

    // A window opening one second after the job started meters one second less.
    for (const source of ['auto', 'scontrol'] as const) {
      const cut = await collectSlurmMetering(
        cfg,
        { startMs: startMs + 1000, endMs: Date.now() + 1000 },
        { source },
      );
      expect(cut.runs[0]?.seconds, source).toBe(runSeconds - 1);
      expect(cut.metrics.trainingFlop, source).toBe(
        (2n * BigInt(runSeconds - 1) * 989_000_000_000_000n * 4000n) / 10_000n,
      );
    }

    // Submitted to a local HTTP server standing in for the node API (which lives above this package).
    let received: { auth: string | undefined; body: unknown } | undefined;
    const server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => {
        data += c.toString();
      });
      req.on('end', () => {
        received = { auth: req.headers.authorization, body: JSON.parse(data) };
        const ok = req.headers.authorization === 'Bearer tok-123';
        res.writeHead(ok ? 201 : 401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            ok ? { hash: 'ab'.repeat(32) } : { error: { code: 'UNAUTHORIZED', message: 'bad token' } },
          ),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const body = toCommitmentRequest(whole, 3);
      expect(await submitCommitment(url, 'tok-123', body)).toEqual({ hash: 'ab'.repeat(32) });
      expect(received?.auth).toBe('Bearer tok-123');
      expect(received?.body).toMatchObject({ metrics: { trainingFlop: expected.toString() }, epoch: 3 });
      await expect(submitCommitment(url, 'wrong', body)).rejects.toMatchObject({
        code: 'HTTP_STATUS',
        status: 401,
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('slurm checkpoint relaunch window (live cluster)', () => {
  beforeEach(resetCluster);
  afterEach(cancelOurJobs); // a failed test must not leave running jobs for the next one to halt

  /** Ends one of the filler jobs: its epilog-complete makes slurmctld schedule at once (as on a busy cluster). */
  function busyRunner(fillers: string[]): SlurmCommandRunner {
    const real = createExecFileRunner();
    return async (cmd, args, o) => {
      // Start the checkpoint at the top of a wall-clock second: the job's end (the credential revoke time) and
      // everything up to the release then fall in that same second.
      if (cmd === 'scancel' && args[0]?.startsWith('--signal=')) {
        await new Promise((r) => setTimeout(r, 1005 - (Date.now() % 1000)));
      }
      const out = await real(cmd, args, o);
      if (cmd === 'scontrol' && args[0] === 'release') {
        const f = fillers.shift();
        if (f !== undefined) await sh('scancel', [f]);
      }
      return out;
    };
  }

  it('halt then resume at once, in a loop, on a busy cluster: the checkpointed jobs run again every time', async () => {
    const dir = await tmp();
    const ckptScript = join(dir, 'ckpt.sh');
    await writeFile(ckptScript, '#!/bin/bash\ntrap "exit 0" USR1\nwhile :; do sleep 1 & wait $!; done\n', {
      mode: 0o755,
    });
    const ROUNDS = 4;
    const fillers: string[] = [];
    for (let i = 0; i < ROUNDS * 2 + 2; i++) {
      fillers.push(await sbatch(['-p', INFER, '-J', `${P}-filler`, '--wrap', 'sleep 300']));
    }
    const ck = await sbatch(['-p', TRAIN, '-J', `${P}-loop-ckpt`, ckptScript]);
    const plain = await sbatch(['-p', TRAIN, '-J', `${P}-loop-plain`, '--wrap', 'sleep 300']);
    await waitFor('loop jobs to start', scontrolJobs, (js) =>
      [ck, plain, ...fillers].every((id) => js.get(id)?.['JobState'] === 'RUNNING'),
    );
    const store = new JsonFileHookStore(join(dir, 'hooks.json'));
    for (let round = 1; round <= ROUNDS; round++) {
      const h = new SlurmHook(
        slurmHookConfigSchema.parse({
          type: 'slurm',
          name: 'slurm-loop',
          partitions: [TRAIN],
          running: 'checkpoint',
          checkpointGraceMs: 15_000,
        }),
        { pollMs: 50, run: busyRunner(fillers) },
      );
      await h.apply('halt', complianceContext('halt', store.stateFor(h.name)));
      await h.apply('resume', complianceContext('resume', store.stateFor(h.name)));
      const back = await waitFor(
        `round ${round}: both jobs running again (or one failed)`,
        scontrolJobs,
        (js) =>
          [ck, plain].every((id) => js.get(id)?.['JobState'] === 'RUNNING') ||
          [ck, plain].some((id) => !/RUNNING|PENDING|COMPLETING/.test(js.get(id)?.['JobState'] ?? '')),
      );
      for (const id of [ck, plain]) {
        expect(back.get(id), `round ${round}: job ${id}`).toMatchObject({
          JobState: 'RUNNING',
          Restarts: String(round),
        });
      }
    }
    await cancelOurJobs();
  });
});

describe('slurm resume: relaunch of jobs Slurm fails right after their release (live cluster)', () => {
  beforeEach(resetCluster);
  afterEach(cancelOurJobs); // a failed test must not leave running jobs for the next one to halt

  /** A checkpointable job that exits 1 at once when its restart count matches `failWhen` (a shell test). */
  async function flakyScript(dir: string, failWhen: string): Promise<string> {
    const f = join(dir, 'flaky.sh');
    await writeFile(
      f,
      `#!/bin/bash\ntrap "exit 0" USR1\nif [ "\${SLURM_RESTART_COUNT:-0}" ${failWhen} ]; then exit 1; fi\nwhile :; do sleep 1 & wait $!; done\n`,
      { mode: 0o755 },
    );
    return f;
  }

  function ckptHook(over: Partial<SlurmHookConfigInput> = {}): SlurmHook {
    return hook({ running: 'checkpoint', checkpointGraceMs: 15_000, ...over });
  }

  it('a job that fails as it starts again is requeued and released again; the relaunch is in the hook state', async () => {
    const dir = await tmp();
    // Fails on its first relaunch only: to resume this looks exactly like a lost launch (FAILED at once).
    const id = await sbatch(['-p', TRAIN, '-J', `${P}-flaky-once`, await flakyScript(dir, '-eq 1')]);
    await waitFor(
      'flaky job to run',
      () => scontrolJob(id),
      (j) => j['JobState'] === 'RUNNING',
    );
    const store = new JsonFileHookStore(join(dir, 'hooks.json'));
    const h = ckptHook();
    await h.apply('halt', complianceContext('halt', store.stateFor(h.name)));
    expect(await scontrolJob(id)).toMatchObject({ JobState: 'PENDING', Priority: '0', Restarts: '1' });
    const ctx = complianceContext('resume', store.stateFor(h.name));
    await h.apply('resume', ctx);
    expect(await scontrolJob(id)).toMatchObject({ JobState: 'RUNNING', Restarts: '2' });
    expect(await SlurmHook.undoRecord(store.stateFor(h.name))).toBeUndefined();
    expect(await SlurmHook.relaunchHistory(store.stateFor(h.name))).toEqual([
      expect.objectContaining({
        jobId: id,
        jobName: `${P}-flaky-once`,
        attempt: 1,
        failure: 'FAILED (NonZeroExitCode)',
        outcome: 'requeued',
        certificateHash: ctx.certificateHash,
      }),
    ]);
    await cancelOurJobs();
  });

  it('a job that never comes back is a HookError naming it, in the journal (status), never success', async () => {
    const dir = await tmp();
    const id = await sbatch(['-p', TRAIN, '-J', `${P}-flaky-always`, await flakyScript(dir, '-ge 1')]);
    await waitFor(
      'flaky job to run',
      () => scontrolJob(id),
      (j) => j['JobState'] === 'RUNNING',
    );
    const store = new JsonFileHookStore(join(dir, 'hooks.json'));
    const h = ckptHook({ relaunchAttempts: 1 });
    await h.apply('halt', complianceContext('halt', store.stateFor(h.name)));
    const runner = new HookRunner({
      hooks: [h],
      journal: store.journal,
      stateFor: (n) => store.stateFor(n),
      retry: { maxAttempts: 1 },
    });
    const cert = complianceContext('resume', store.stateFor(h.name));
    const [result] = await runner.runFor(cert);
    await runner.stop();
    expect(result?.status).toBe('failed');
    expect(result?.lastError).toMatch(
      new RegExp(
        `^CONFLICT: slurm-live: job ${id} \\(${P}-flaky-always\\) did not run again after resume released it 2 time\\(s\\): Slurm shows FAILED \\(NonZeroExitCode\\)`,
      ),
    );
    const [row] = await hookStatusList(store.journal);
    expect(row).toMatchObject({ hook: 'slurm-live', action: 'resume', status: 'failed' });
    expect(row?.lastError).toContain(`job ${id}`);
    expect(
      (await SlurmHook.relaunchHistory(store.stateFor(h.name))).map((r) => [r.attempt, r.outcome]),
    ).toEqual([
      [1, 'requeued'],
      [1, 'gave-up'],
    ]);
    // The undo record stays (resume is not done), with the count, so a retry does not relaunch without bound.
    const rec = await SlurmHook.undoRecord(store.stateFor(h.name));
    expect(rec?.checkpointed[id]).toMatchObject({ relaunches: 1, lastFailure: 'FAILED (NonZeroExitCode)' });
    await cancelOurJobs();
  });
});

describe('slurm halt re-asserted while paused (node restart): convergent, original undo data kept (live cluster)', () => {
  beforeEach(resetCluster);
  afterEach(cancelOurJobs); // a failed test must not leave running jobs for the next one to halt

  it('suspend mode: re-suspends a job resumed by hand, re-holds a released job, stops a new job, resets the partition', async () => {
    const dir = await tmp();
    const run1 = await sbatch(['-p', TRAIN, '-J', `${P}-ra-run`, '--wrap', 'sleep 300']);
    const pend = await sbatch(['-p', TRAIN, '-J', `${P}-ra-pend`, '--begin=now+3600', '--wrap', 'sleep 300']);
    const inf = await sbatch(['-p', INFER, '-J', `${P}-ra-infer`, '--wrap', 'sleep 300']);
    await waitFor('jobs to start', scontrolJobs, (js) =>
      [run1, inf].every((id) => js.get(id)?.['JobState'] === 'RUNNING'),
    );
    const store = new JsonFileHookStore(join(dir, 'hooks.json'));
    const first = hook({ running: 'suspend' });
    await first.apply('halt', complianceContext('halt', store.stateFor(first.name)));
    const original = await SlurmHook.undoRecord(store.stateFor(first.name));
    expect(original).toMatchObject({ partitions: { [TRAIN]: 'UP' }, held: [pend], suspended: [run1] });

    // While the node is down, someone undoes the halt by hand and starts a new training job.
    await sh('scontrol', ['update', `PartitionName=${TRAIN}`, 'State=UP']);
    await sh('scontrol', ['resume', run1]);
    await sh('scontrol', ['release', pend]);
    const late = await sbatch(['-p', TRAIN, '-J', `${P}-ra-late`, '--wrap', 'sleep 300']);
    await waitFor(
      'new job to start',
      () => scontrolJob(late),
      (j) => j['JobState'] === 'RUNNING',
    );
    await sh('scontrol', ['update', `PartitionName=${TRAIN}`, 'State=DRAIN']);
    const undone = await scontrolJobs();
    expect(undone.get(run1)?.['JobState']).toBe('RUNNING');
    expect(undone.get(pend)?.['Priority']).not.toBe('0');

    // The node starts again and re-applies its current state (PAUSED): a new adapter, the same store.
    const restarted = hook({ running: 'suspend' });
    for (let i = 0; i < 2; i++) {
      await restarted.apply('halt', complianceContext('halt', store.stateFor(restarted.name)));
      const js = await scontrolJobs();
      expect(js.get(run1)?.['JobState'], `re-assert ${i}`).toBe('SUSPENDED');
      expect(js.get(late)?.['JobState']).toBe('SUSPENDED');
      expect(js.get(pend)).toMatchObject({ JobState: 'PENDING', Priority: '0' });
      expect(js.get(inf)?.['JobState']).toBe('RUNNING');
      expect(await partitionStates()).toEqual({ [TRAIN]: 'inactive', [INFER]: 'up' });
      // The partition's state before the first halt (UP), not the DRAIN found now.
      expect(await SlurmHook.undoRecord(store.stateFor(restarted.name))).toEqual({
        ...original,
        suspended: [run1, late],
      });
    }

    await restarted.apply('resume', complianceContext('resume', store.stateFor(restarted.name)));
    expect(await partitionStates()).toEqual({ [TRAIN]: 'up', [INFER]: 'up' });
    const after = await scontrolJobs();
    expect(after.get(run1)?.['JobState']).toBe('RUNNING');
    expect(after.get(late)?.['JobState']).toBe('RUNNING');
    expect(after.get(pend)?.['Priority']).not.toBe('0');
    await waitFor(
      'released job to wait for its begin time',
      () => scontrolJob(pend),
      (j) => j['Reason'] === 'BeginTime',
    );
    expect(await SlurmHook.undoRecord(store.stateFor(restarted.name))).toBeUndefined();
    await cancelOurJobs();
  });

  it('checkpoint mode: re-checkpoints a requeued job run again by hand, re-holds one released by hand; resume runs both', async () => {
    const dir = await tmp();
    const ckptScript = join(dir, 'ckpt.sh');
    await writeFile(ckptScript, '#!/bin/bash\ntrap "exit 0" USR1\nwhile :; do sleep 1 & wait $!; done\n', {
      mode: 0o755,
    });
    const a = await sbatch(['-p', TRAIN, '-J', `${P}-ra-ck-a`, ckptScript]);
    const b = await sbatch(['-p', TRAIN, '-J', `${P}-ra-ck-b`, ckptScript]);
    await waitFor('jobs to start', scontrolJobs, (js) =>
      [a, b].every((id) => js.get(id)?.['JobState'] === 'RUNNING'),
    );
    const store = new JsonFileHookStore(join(dir, 'hooks.json'));
    const h = hook({ running: 'checkpoint', checkpointGraceMs: 15_000 });
    await h.apply('halt', complianceContext('halt', store.stateFor(h.name)));
    const original = await SlurmHook.undoRecord(store.stateFor(h.name));
    expect(Object.keys(original?.checkpointed ?? {}).sort()).toEqual([a, b].sort());

    // By hand while the node is down: the partition UP again, job a run again now, job b released only.
    await sh('scontrol', ['update', `PartitionName=${TRAIN}`, 'State=UP']);
    await waitFor('previous runs to end on the node', scontrolJobs, (js) =>
      [a, b].every((id) => js.get(id)?.['JobState'] === 'PENDING'),
    );
    // As a careful operator would: make a eligible only once slurmctld's clock is past its requeue stamp.
    await waitFor(
      "slurmctld's clock to pass job a's requeue",
      async () => {
        await sh('scontrol', ['update', `JobId=${a}`, 'StartTime=now']);
        return scontrolJob(a);
      },
      (j) => (j['EligibleTime'] ?? '') > (j['SubmitTime'] ?? '~'),
    );
    await sh('scontrol', ['release', a, b]);
    await waitFor(
      'job a to run again',
      () => scontrolJob(a),
      (j) => j['JobState'] === 'RUNNING',
    );
    expect(await scontrolJob(b)).toMatchObject({ JobState: 'PENDING', Reason: 'BeginTime' });

    const restarted = hook({ running: 'checkpoint', checkpointGraceMs: 15_000 });
    await restarted.apply('halt', complianceContext('halt', store.stateFor(restarted.name)));
    const halted = await scontrolJobs();
    expect(halted.get(a)).toMatchObject({ JobState: 'PENDING', Priority: '0', Restarts: '2' });
    expect(halted.get(b)).toMatchObject({ JobState: 'PENDING', Priority: '0', Restarts: '1' });
    expect(await partitionStates()).toEqual({ [TRAIN]: 'inactive', [INFER]: 'up' });
    const rec = await SlurmHook.undoRecord(store.stateFor(restarted.name));
    expect(rec?.partitions).toEqual({ [TRAIN]: 'UP' });
    expect(rec?.checkpointed[a]?.status).toBe('requeued');
    expect(rec?.checkpointed[b]?.status).toBe('requeued');

    await restarted.apply('resume', complianceContext('resume', store.stateFor(restarted.name)));
    const after = await scontrolJobs();
    expect(after.get(a)).toMatchObject({ JobState: 'RUNNING', Restarts: '2' });
    expect(after.get(b)).toMatchObject({ JobState: 'RUNNING', Restarts: '1' });
    expect(await partitionStates()).toEqual({ [TRAIN]: 'up', [INFER]: 'up' });
    await cancelOurJobs();
  });
});

describe('slurm hook as an unprivileged service user with a Slurm AdminLevel (no root, no sudo; live cluster)', () => {
  beforeEach(resetCluster);
  afterEach(cancelOurJobs);

  it('AdminLevel=Administrator: halt (partition INACTIVE, hold, suspend) and resume succeed', async () => {
    const dir = await tmp();
    const running = await sbatch(['-p', TRAIN, '-J', `${P}-svc-run`, '--wrap', 'sleep 300']);
    const pend = await sbatch([
      '-p',
      TRAIN,
      '-J',
      `${P}-svc-pend`,
      '--begin=now+3600',
      '--wrap',
      'sleep 300',
    ]);
    await waitFor(
      'job to run',
      () => scontrolJob(running),
      (j) => j['JobState'] === 'RUNNING',
    );
    expect(await applyAs(ADMIN, 'halt', { running: 'suspend' }, dir)).toEqual(
      expect.objectContaining({ ok: true }),
    );
    expect(await partitionStates()).toEqual({ [TRAIN]: 'inactive', [INFER]: 'up' });
    const halted = await scontrolJobs();
    expect(halted.get(running)?.['JobState']).toBe('SUSPENDED');
    expect(halted.get(pend)?.['Priority']).toBe('0');
    expect(await applyAs(ADMIN, 'resume', { running: 'suspend' }, dir)).toEqual(
      expect.objectContaining({ ok: true }),
    );
    expect(await partitionStates()).toEqual({ [TRAIN]: 'up', [INFER]: 'up' });
    const after = await scontrolJobs();
    expect(after.get(running)?.['JobState']).toBe('RUNNING');
    expect(after.get(pend)?.['Priority']).not.toBe('0');
  });

  it('AdminLevel=Operator: reservation + checkpoint mode halts and resumes; changing a partition is a PERMISSION error naming the level', async () => {
    const dir = await tmp();
    const ckptScript = join(dir, 'ckpt.sh');
    await writeFile(ckptScript, '#!/bin/bash\ntrap "exit 0" USR1\nwhile :; do sleep 1 & wait $!; done\n', {
      mode: 0o755,
    });
    const ck = await sbatch(['-p', TRAIN, '-J', `${P}-svc-ckpt`, ckptScript]);
    const pend = await sbatch([
      '-p',
      TRAIN,
      '-J',
      `${P}-svc-pend`,
      '--begin=now+3600',
      '--wrap',
      'sleep 300',
    ]);
    await waitFor(
      'job to run',
      () => scontrolJob(ck),
      (j) => j['JobState'] === 'RUNNING',
    );
    const mode = {
      stopNew: 'reservation',
      reservationName: `${P}-maint`,
      running: 'checkpoint',
      checkpointGraceMs: 15_000,
    } as const;
    expect(await applyAs(OPERATOR, 'halt', mode, dir)).toEqual(expect.objectContaining({ ok: true }));
    expect(await sh('scontrol', ['show', 'reservation', `${P}-maint`, '-o'])).toMatch(/Flags=MAINT/);
    const halted = await scontrolJobs();
    expect(halted.get(ck)).toMatchObject({ JobState: 'PENDING', Priority: '0', Restarts: '1' });
    expect(halted.get(pend)?.['Priority']).toBe('0');
    expect(await applyAs(OPERATOR, 'resume', mode, dir)).toEqual(expect.objectContaining({ ok: true }));
    expect(await sh('scontrol', ['show', 'reservation', '-o'])).not.toContain(`${P}-maint`);
    const after = await scontrolJobs();
    expect(after.get(ck)).toMatchObject({ JobState: 'RUNNING', Restarts: '1' });
    expect(after.get(pend)?.['Priority']).not.toBe('0');

    // Partition State needs Administrator: the error says so (and the jobs it did stop are undone by resume).
    const denied = await applyAs(OPERATOR, 'halt', { stopNew: 'inactive', running: 'none' }, await tmp());
    expect(denied).toMatchObject({ ok: false, code: 'PERMISSION' });
    expect(denied.message).toMatch(
      /Operator for jobs and reservations, Administrator to change a partition's State/,
    );
    expect(await partitionStates()).toEqual({ [TRAIN]: 'up', [INFER]: 'up' });
  });
});

describe('slurm adapter compliance (live cluster, suspend mode)', () => {
  let binDir: string;
  let scontrolPath: string;
  const jobs = { run: '', pending: '', infer: '' };

  beforeAll(async () => {
    await resetCluster();
    binDir = await tmp();
    scontrolPath = await which('scontrol');
    await symlink(scontrolPath, join(binDir, 'scontrol'));
    await symlink(await which('scancel'), join(binDir, 'scancel'));
    jobs.run = await sbatch(['-p', TRAIN, '-J', `${P}-c-run`, '--gres=gpu:1', '--wrap', 'sleep 300']);
    jobs.pending = await sbatch([
      '-p',
      TRAIN,
      '-J',
      `${P}-c-pending`,
      '--begin=now+3600',
      '--wrap',
      'sleep 300',
    ]);
    jobs.infer = await sbatch(['-p', INFER, '-J', `${P}-c-infer`, '--wrap', 'sleep 300']);
    await waitFor('compliance jobs to start', squeue, (js) =>
      ['c-run', 'c-infer'].every((n) => js.find((j) => j.name === `${P}-${n}`)?.state === 'RUNNING'),
    );
  });

  afterAll(async () => {
    await cancelOurJobs();
  });

  runHookCompliance(
    'slurm (live)',
    async () => ({
      createAdapter: () => hook({ binDir, running: 'suspend' }),
      observe: async () => {
        const snap = await snapshot();
        return {
          partitions: snap.partitions,
          jobs: ['c-run', 'c-pending', 'c-infer'].map((n) => {
            const j = byName(snap.jobs, n);
            return [n, j.state, j.state === 'PENDING' && j.priority === '0' ? 'held' : 'free'];
          }),
        };
      },
      breakIt: () => unlink(join(binDir, 'scontrol')),
      repair: () => symlink(scontrolPath, join(binDir, 'scontrol')).catch(() => undefined),
      // An operator undoes the halt by hand while the node is down: partition UP, job resumed, hold released.
      undoOutOfBand: async () => {
        await sh('sh', [
          '-c',
          `scontrol update PartitionName=${TRAIN} State=UP; scontrol resume ${jobs.run}; ` +
            `scontrol release ${jobs.pending}`,
        ]);
      },
      cleanup: async () => {
        // Put the world back even if a test failed half-way, so the next test starts from the baseline.
        await symlink(scontrolPath, join(binDir, 'scontrol')).catch(() => undefined);
        // One spawn; resume/release of a job that is not suspended/held just fails harmlessly.
        await sh('sh', [
          '-c',
          `scontrol update PartitionName=${TRAIN} State=UP; scontrol resume ${jobs.run} 2>/dev/null; ` +
            `scontrol release ${jobs.pending} 2>/dev/null; true`,
        ]);
      },
    }),
    // Interrupts land mid-way (a Slurm command takes ~100 ms here), not only before the first command.
    { failureCodes: ['NOT_FOUND'], interruptAfterMs: [150, 400] },
  );
});

// --- Levels: reduce ---------------------------------------------------------------------------------------------

const QOS = `${P}-q`;
const ACCT = `${P}-acct`;

/** The QOS's GrpTRES in the accounting database, as sacctmgr prints it. */
async function qosGrpTres(name = QOS): Promise<string> {
  return (await sh('sacctmgr', ['-n', '-P', 'show', 'qos', name, 'format=grptres'])).trim();
}

/** What slurmctld enforces for the QOS's gres/gpu: the limit ("N": none) and the use, by regex. */
async function qosEnforced(): Promise<{ limit: string; used: number }> {
  const out = await sh('scontrol', ['show', 'assoc_mgr', 'flags=qos', `qos=${QOS}`]);
  const m = /GrpTRES=.*?gres\/gpu=(\w+)\((\d+)\)/.exec(out);
  return { limit: m?.[1] ?? 'missing', used: Number(m?.[2] ?? -1) };
}

async function accountGrpTres(): Promise<string> {
  const rows = await sh('sacctmgr', [
    ...['-n', '-P', 'show', 'assoc', 'where', `account=${ACCT}`, 'cluster=pausenet'],
    'format=user,grptres',
  ]);
  return (rows.split('\n').find((l) => l.startsWith('|')) ?? 'missing').slice(1);
}

beforeAll(async () => {
  // A QOS the root user may submit to (GrpTRES cpu=12: the reduce changes only its gres/gpu), and an account.
  await sh('sacctmgr', ['-i', 'add', 'qos', QOS, 'GrpTRES=cpu=12']);
  await sh('sacctmgr', ['-i', 'modify', 'user', 'where', 'name=root', 'set', `qos+=${QOS}`]);
  await sh('sacctmgr', ['-i', 'add', 'account', ACCT, 'parent=root', 'cluster=pausenet']);
});

afterAll(async () => {
  await cancelOurJobs().catch(() => undefined);
  await run('sacctmgr', ['-i', 'modify', 'user', 'where', 'name=root', 'set', `qos-=${QOS}`], { env }).catch(
    () => undefined,
  );
  await run('sacctmgr', ['-i', 'delete', 'qos', QOS], { env }).catch(() => undefined);
  await run('sacctmgr', ['-i', 'delete', 'account', ACCT], { env }).catch(() => undefined);
}, 60_000);

function reduceHook(over: Partial<SlurmHookConfigInput> = {}, cap = 4): SlurmHook {
  return hook({ qos: [QOS], reduce: { limit: 'qos', name: QOS, cap }, ...over });
}

/** Puts the test QOS's and account's limits back, so a failed test does not leave a cap for the next one. */
async function resetLimits(): Promise<void> {
  await sh('sh', [
    '-c',
    `sacctmgr -i modify qos where name=${QOS} set GrpTRES=cpu=12,gres/gpu=-1 >/dev/null; ` +
      `sacctmgr -i modify account where name=${ACCT} cluster=pausenet set GrpTRES=cpu=-1,gres/gpu=-1 >/dev/null; true`,
  ]);
}

describe('slurm reduce: a QOS GrpTRES cap on the training selection (live cluster)', () => {
  beforeEach(resetCluster);
  afterEach(async () => {
    await cancelOurJobs();
    await resetLimits();
  });

  it('caps the selection (running jobs above it suspended, new ones held back by Slurm), converges when changed by hand, steps through PAUSED and back, restores exactly; metering: a suspended job accrues nothing, the selection accrues within the cap', async () => {
    const dir = await tmp();
    const train = (n: string) =>
      sbatch(['-p', TRAIN, `--qos=${QOS}`, '-J', `${P}-rd-${n}`, '--gres=gpu:2', '--wrap', 'sleep 300']);
    const j1 = await train('1');
    const j2 = await train('2');
    const j3 = await train('3');
    const inf = await sbatch(['-p', INFER, '-J', `${P}-rd-infer`, '--gres=gpu:1', '--wrap', 'sleep 300']);
    // Every training job has run at least 2 s before the reduce (so a formula that ignores when a job was
    // suspended would meter it in a window after its suspension).
    await waitFor('jobs to run 2 s', scontrolJobs, (js) =>
      [j1, j2, j3, inf].every(
        (id) => js.get(id)?.['JobState'] === 'RUNNING' && (js.get(id)?.['RunTime'] ?? '') >= '00:00:02',
      ),
    );
    expect(await qosGrpTres()).toBe('cpu=12');
    expect(await qosEnforced()).toEqual({ limit: 'N', used: 6 });

    // Each step reads the hook state from the file afresh, as a restarted process would.
    const fresh = () => new JsonFileHookStore(join(dir, 'hooks.json')).stateFor('slurm-live');
    await reduceHook().apply('reduce', levelContext('REDUCED', 1, fresh()));
    expect(await qosGrpTres()).toBe('cpu=12,gres/gpu=4');
    expect((await qosEnforced()).limit).toBe('4');
    const reduced = await scontrolJobs();
    // Oldest first while they fit under 4 GPUs: j1 and j2 keep running, j3 is suspended; inference untouched.
    expect([j1, j2, j3, inf].map((id) => reduced.get(id)?.['JobState'])).toEqual([
      'RUNNING',
      'RUNNING',
      'SUSPENDED',
      'RUNNING',
    ]);
    expect(await SlurmHook.reduceRecord(fresh())).toMatchObject({
      limit: { kind: 'qos', name: QOS, tres: 'gres/gpu', previous: null },
      suspended: [j3],
    });
    expect(await SlurmHook.undoRecord(fresh())).toBeUndefined(); // no halt layer
    // Idempotent.
    await reduceHook().apply('reduce', levelContext('REDUCED', 1, fresh()));
    expect(await qosGrpTres()).toBe('cpu=12,gres/gpu=4');
    expect((await scontrolJobs()).get(j3)?.['JobState']).toBe('SUSPENDED');
    // A new training job waits for the cap (Slurm enforces it), not for resources.
    const j5 = await sbatch([
      '-p',
      TRAIN,
      `--qos=${QOS}`,
      '-J',
      `${P}-rd-5`,
      '--gres=gpu:1',
      '--wrap',
      'sleep 300',
    ]);
    await waitFor(
      'the new job to wait for the QOS limit',
      () => scontrolJob(j5),
      (j) => j['JobState'] === 'PENDING' && j['Reason'] === 'QOSGrpGRES',
    );

    // What the hook reports for a receipt: the selection's jobs and the limit as slurmctld enforces it.
    const report = (await reduceHook().observe()) as {
      jobs: { id: string; state: string; held: boolean }[];
      partitions: unknown;
      limit: unknown;
    };
    expect(report.jobs.map((j) => [j.id, j.state, j.held])).toEqual([
      [j1, 'RUNNING', false],
      [j2, 'RUNNING', false],
      [j3, 'SUSPENDED', false],
      [j5, 'PENDING', false],
    ]);
    expect(report.partitions).toEqual([{ name: TRAIN, state: 'UP' }]);
    expect(report.limit).toEqual({ kind: 'qos', name: QOS, tres: 'gres/gpu', cap: 4, limit: 4, used: 6 });
    expect(schedulerDigest(report)).toMatch(/^[0-9a-f]{64}$/);

    // Metering (slurmctld's clock): j3 was suspended at SuspendTime; a window wholly after that meters nothing for
    // it, and the selection meters exactly 4 GPUs x the window, from scontrol and from sacct.
    const susp = Date.parse(`${(await scontrolJob(j3))['SuspendTime']}Z`);
    await waitFor(
      "slurmctld's clock to pass the metering window",
      async () => Date.now(),
      (now) => now >= susp + 3_500,
      10_000,
    );
    const meterCfg = {
      partitions: [TRAIN],
      accounts: [],
      qos: [QOS],
      peakFlopsPerAccelerator: 989_000_000_000_000n,
      utilizationBps: 4000,
    };
    const window = { startMs: susp + 1000, endMs: susp + 3000 };
    for (const source of ['scontrol', 'sacct'] as const) {
      const m = await collectSlurmMetering(meterCfg, window, { source });
      expect(
        m.runs.map((r) => [r.id, r.seconds, r.flop > 0n]),
        source,
      ).toEqual([
        [j1, 2, true],
        [j2, 2, true],
        [j3, 0, false], // suspended all through the window: a run record with nothing in it
      ]);
      expect(m.acceleratorSeconds, source).toBe(4n * 2n); // = cap x window seconds
      expect(m.metrics.trainingFlop, source).toBe((8n * 989_000_000_000_000n * 4000n) / 10_000n);
      const cpu = await collectSlurmMetering({ ...meterCfg, accelerator: 'cpu' }, window, { source });
      expect(cpu.acceleratorSeconds, `${source} cpu`).toBe(2n * 1n * 2n); // j1, j2: 1 CPU each, 2 s
      // A window reaching back before the suspension meters exactly what j3 ran before it.
      const j3Start = Date.parse(`${(await scontrolJob(j3))['StartTime']}Z`);
      const whole = await collectSlurmMetering(
        meterCfg,
        { startMs: j3Start, endMs: susp + 3000 },
        { source },
      );
      const pre = Number((await scontrolJob(j3))['SecsPreSuspend']);
      expect(pre, source).toBeGreaterThanOrEqual(2);
      expect(whole.runs.find((r) => r.id === j3)?.seconds, source).toBe(pre);
    }

    // By hand while REDUCED: the suspended job resumed, the limit raised. Re-applied (node restart): set again.
    // Raised to 6, what j1-j3 hold: j5 cannot start meanwhile (slurmctld schedules every second here), so the
    // re-apply meets the same jobs whatever the timing.
    await sh('scontrol', ['resume', j3]);
    await sh('sacctmgr', ['-i', 'modify', 'qos', 'where', `name=${QOS}`, 'set', 'GrpTRES=gres/gpu=6']);
    await reduceHook().apply('reduce', levelContext('REDUCED', 1, fresh()));
    expect(await qosGrpTres()).toBe('cpu=12,gres/gpu=4');
    expect((await qosEnforced()).limit).toBe('4');
    expect((await scontrolJobs()).get(j3)?.['JobState']).toBe('SUSPENDED');
    expect((await SlurmHook.reduceRecord(fresh()))?.limit?.previous).toBeNull(); // still the original: no limit

    const view = async () => {
      const js = await scontrolJobs();
      return {
        grp: await qosGrpTres(),
        partitions: await partitionStates(),
        jobs: [j1, j2, j3, j5, inf].map((id) => [js.get(id)?.['JobState'], js.get(id)?.['Priority'] === '0']),
      };
    };
    const reducedView = await view();
    // REDUCED -> PAUSED: the halt layer on top (the cap stays).
    await reduceHook().apply('halt', levelContext('PAUSED', 2, fresh()));
    expect(await view()).toEqual({
      grp: 'cpu=12,gres/gpu=4',
      partitions: { [TRAIN]: 'inactive', [INFER]: 'up' },
      jobs: [
        ['SUSPENDED', true], // suspended jobs show priority 0 too
        ['SUSPENDED', true],
        ['SUSPENDED', true],
        ['PENDING', true],
        ['RUNNING', false],
      ],
    });
    // PAUSED -> REDUCED: exactly the halt layer is undone.
    await reduceHook().apply('reduce', levelContext('REDUCED', 3, fresh()));
    expect(await view()).toEqual(reducedView);
    expect(await SlurmHook.undoRecord(fresh())).toBeUndefined();

    // REDUCED -> RUNNING (a restarted process): the limit exactly as before (no gres/gpu limit), j3 runs again, and
    // with the cap gone the waiting job starts.
    const restarted = reduceHook();
    await restarted.apply('resume', levelContext('RUNNING', 4, fresh()));
    expect(await qosGrpTres()).toBe('cpu=12');
    expect((await qosEnforced()).limit).toBe('N');
    // The jobs the hook acts on run again at once; the job that waited for the cap starts at slurmctld's next
    // periodic scheduling pass (sched_interval: 1 s on the test cluster, 60 s by default), which a loaded machine
    // can delay, so that wait gets more time.
    await waitFor('the jobs the hook acts on to run', scontrolJobs, (js) =>
      [j1, j2, j3, inf].every((id) => js.get(id)?.['JobState'] === 'RUNNING'),
    );
    await waitFor(
      'the job held back by the cap to start',
      scontrolJobs,
      (js) => js.get(j5)?.['JobState'] === 'RUNNING',
      90_000,
    );
    expect(await SlurmHook.reduceRecord(fresh())).toBeUndefined();
  }, 240_000);

  it('account association, never loosens: a lower limit already there stays, a cpu cap works too; resume restores the exact previous values', async () => {
    await sh('sacctmgr', [
      ...['-i', 'modify', 'account', 'where', `name=${ACCT}`, 'cluster=pausenet'],
      'set',
      'GrpTRES=cpu=6,gres/gpu=3',
    ]);
    const state = new MemoryHookStateStore();
    const acct = (tres: string, cap: number) =>
      hook({
        partitions: [],
        accounts: [ACCT],
        stopNew: 'none',
        reduce: { limit: 'account', name: ACCT, tres, cap },
      });
    await acct('gres/gpu', 5).apply('reduce', levelContext('REDUCED', 1, state));
    expect(await accountGrpTres()).toBe('cpu=6,gres/gpu=3'); // 3 < 5: kept
    await acct('gres/gpu', 2).apply('reduce', levelContext('REDUCED', 2, state)); // a stricter cap since
    expect(await accountGrpTres()).toBe('cpu=6,gres/gpu=2');
    await acct('gres/gpu', 2).apply('resume', levelContext('RUNNING', 3, state));
    expect(await accountGrpTres()).toBe('cpu=6,gres/gpu=3');
    await acct('cpu', 4).apply('halt', levelContext('PAUSED', 4, state)); // PAUSED includes the reduce layer
    expect(await accountGrpTres()).toBe('cpu=4,gres/gpu=3');
    await acct('cpu', 4).apply('resume', levelContext('RUNNING', 5, state));
    expect(await accountGrpTres()).toBe('cpu=6,gres/gpu=3');
    expect(await SlurmHook.reduceRecord(state)).toBeUndefined();
  });

  it('as unprivileged service users: a QOS limit needs AdminLevel=Administrator (Operator gets a PERMISSION error naming it), an account limit Operator', async () => {
    const qosMode: Partial<SlurmHookConfigInput> = {
      qos: [QOS],
      reduce: { limit: 'qos', name: QOS, cap: 2 },
    };
    const denied = await applyAs(OPERATOR, 'reduce', qosMode, await tmp());
    expect(denied).toMatchObject({ ok: false, code: 'PERMISSION' });
    expect(denied.message).toMatch(/Operator for an account's association, Administrator for a QOS/);
    expect(await qosGrpTres()).toBe('cpu=12');
    const dir = await tmp();
    expect(await applyAs(ADMIN, 'reduce', qosMode, dir)).toMatchObject({ ok: true });
    expect(await qosGrpTres()).toBe('cpu=12,gres/gpu=2');
    expect(await applyAs(ADMIN, 'resume', qosMode, dir)).toMatchObject({ ok: true });
    expect(await qosGrpTres()).toBe('cpu=12');
    const acctMode: Partial<SlurmHookConfigInput> = {
      partitions: [],
      accounts: [ACCT],
      stopNew: 'none',
      reduce: { limit: 'account', name: ACCT, cap: 1 },
    };
    const opDir = await tmp();
    const before = await accountGrpTres();
    expect(await applyAs(OPERATOR, 'reduce', acctMode, opDir)).toMatchObject({ ok: true });
    expect(await accountGrpTres()).toMatch(/gres\/gpu=1/);
    expect(await applyAs(OPERATOR, 'resume', acctMode, opDir)).toMatchObject({ ok: true });
    expect(await accountGrpTres()).toBe(before);
  });
});

describe('slurm adapter compliance: levels (live cluster, QOS cap, suspend mode)', () => {
  let binDir: string;
  let sacctmgrPath: string;
  const jobs = { a: '', b: '', pending: '' };

  beforeAll(async () => {
    await resetCluster();
    await resetLimits();
    binDir = await tmp();
    for (const c of ['scontrol', 'scancel']) await symlink(await which(c), join(binDir, c));
    sacctmgrPath = await which('sacctmgr');
    await symlink(sacctmgrPath, join(binDir, 'sacctmgr'));
    const train = (n: string, extra: string[]) =>
      sbatch(['-p', TRAIN, `--qos=${QOS}`, '-J', `${P}-lv-${n}`, ...extra, '--wrap', 'sleep 300']);
    jobs.a = await train('a', ['--gres=gpu:2']);
    jobs.b = await train('b', ['--gres=gpu:2']);
    jobs.pending = await train('pending', ['--gres=gpu:1', '--begin=now+3600']);
    await waitFor('level compliance jobs to start', scontrolJobs, (js) =>
      [jobs.a, jobs.b].every((id) => js.get(id)?.['JobState'] === 'RUNNING'),
    );
  });

  afterAll(async () => {
    await cancelOurJobs();
    await resetLimits();
  });

  runLevelCompliance(
    'slurm (live)',
    async () => ({
      createAdapter: () =>
        hook({ binDir, qos: [QOS], running: 'suspend', reduce: { limit: 'qos', name: QOS, cap: 2 } }),
      // At REDUCED: the cap set and job b (above it) suspended; at PAUSED also a suspended, pending held, partition
      // inactive. One spawn for squeue, sinfo and the QOS's GrpTRES (spawning is the slow part on this machine).
      observe: async () => {
        const out = await sh('sh', [
          '-c',
          `${SQUEUE}; echo @@; ${SINFO}; echo @@; sacctmgr -n -P show qos ${QOS} format=grptres`,
        ]);
        const [q, i, grp] = out.split('@@\n') as [string, string, string];
        const js = parseSqueue(q);
        return {
          grp: grp.trim(),
          partitions: parseSinfo(i),
          jobs: [jobs.a, jobs.b, jobs.pending].map((id) => {
            const j = js.find((x) => x.id === id);
            return [j?.state, j?.state === 'PENDING' && j?.priority === '0' ? 'held' : 'free'];
          }),
        };
      },
      breakIt: () => unlink(join(binDir, 'sacctmgr')),
      repair: () => symlink(sacctmgrPath, join(binDir, 'sacctmgr')).catch(() => undefined),
      cleanup: async () => {
        await symlink(sacctmgrPath, join(binDir, 'sacctmgr')).catch(() => undefined);
        await sh('sh', [
          '-c',
          `scontrol update PartitionName=${TRAIN} State=UP; scontrol resume ${jobs.a} 2>/dev/null; ` +
            `scontrol resume ${jobs.b} 2>/dev/null; scontrol release ${jobs.pending} 2>/dev/null; ` +
            `sacctmgr -i modify qos where name=${QOS} set GrpTRES=cpu=12,gres/gpu=-1 >/dev/null; true`,
        ]);
      },
    }),
    { reduce: 'own', failureCodes: ['NOT_FOUND'], interruptAfterMs: [300] },
  );
});
