import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@pausenet/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badJsonLines, linesOf } from '../../node/test/helpers/json-lines.js';
import { BIN, run, startedApi, TempDirs } from './helpers.js';

// What an operator's monitoring sees of a real `pausenet start` process: its /metrics exposition checked
// by Prometheus' own linter, and its stdout/stderr (JSON lines only, up to and after SIGTERM).

const tmp = new TempDirs();
const PASS = { PAUSENET_PASSPHRASE: 'correct horse battery' };

/** `promtool check metrics` on `text`: its findings (empty: clean). Fails when promtool is missing. */
function promtoolCheck(text: string): Promise<{ code: number | null; findings: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let findings = '';
    child.stdout.on('data', (d) => {
      findings += d;
    });
    child.stderr.on('data', (d) => {
      findings += d;
    });
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(
              "promtool not found: install Debian's prometheus package (apt-get install -y prometheus; scripts/ci/apt-deps.sh installs it)",
            )
          : err,
      ),
    );
    child.on('close', (code) => resolve({ code, findings }));
    child.stdin.end(text);
  });
}

/** The value of the sample `series` (name with its labels, exactly as exposed), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const parsed = (text: string) => linesOf(text).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('pausenet start: /metrics and logs of a real node', { timeout: 180_000 }, () => {
  let dir: string;
  let dataDir: string;
  let node: ChildProcess;
  let stdout = '';
  let stderr = '';
  let exited: Promise<number | null>;
  let api: string;
  let config: string;

  const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 90_000) => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (node.exitCode !== null)
        throw new Error(`node exited (${node.exitCode}) before ${what}:\n${stdout}${stderr}`);
      if (Date.now() > end) throw new Error(`timeout waiting for ${what}:\n${stdout}${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    dir = await tmp.make();
    dataDir = join(dir, 'lab-a');
    const r = await run(['init', '--data-dir', dataDir, '--lab', 'lab-a', '--index', '1'], { env: PASS });
    expect(r.code, r.stderr).toBe(0);
    await writeFile(join(dir, 'a.yaml'), r.stdout);
    const genesisFile = join(dir, 'genesis.yaml');
    const g = await run([
      'genesis',
      'create',
      '--name',
      'obs-test',
      '--member',
      join(dir, 'a.yaml'),
      '--out',
      genesisFile,
    ]);
    expect(g.code, g.stderr).toBe(0);
    config = join(dir, 'member.json');
    await writeFile(
      config,
      JSON.stringify({
        role: 'member',
        dataDir,
        genesisFile,
        keystore: { file: join(dataDir, 'keystore.json') },
        // A real halt command that fails (exit 3): the runner retries it while the network is PAUSED.
        hooks: [
          { type: 'exec', name: 'halt-cluster', command: process.execPath, args: ['-e', 'process.exit(3)'] },
        ],
        // Every line the node writes is checked, so let it write as many as it can.
        logLevel: 'debug',
      }),
    );
    const d = await run(['dkg', '--config', config, '--linger', '0'], { env: PASS });
    expect(d.code, d.stderr).toBe(0);

    node = spawn(process.execPath, [BIN, 'start', '--config', config], {
      env: { ...process.env, ...PASS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    node.stdout?.on('data', (d) => {
      stdout += d;
    });
    node.stderr?.on('data', (d) => {
      stderr += d;
    });
    exited = new Promise((resolve) => node.on('exit', (code) => resolve(code)));
    await until('node.started on stdout', () => startedApi(stdout) !== undefined);
    api = startedApi(stdout) as string;

    // Over the caps: the one-member network pauses itself, and the halt hook fails.
    const c = await run([
      'commit',
      '--data-dir',
      dataDir,
      '--training-flop',
      '4e25',
      '--largest-run-flop',
      '3e25',
      '--max-params',
      '1e12',
      '--dataset-tokens',
      '2e13',
      '--yes',
    ]);
    expect(c.code, c.stderr).toBe(0);
    await until('the halt hook to fail', () => stderr.includes('"event":"hook.failed"'));
  });

  afterAll(async () => {
    if (node && node.exitCode === null && node.signalCode === null) node.kill('SIGKILL');
    await tmp.cleanup();
  });

  it('the whole /metrics exposition passes `promtool check metrics`, with the pause, hook, lab and build series', async () => {
    const res = await fetch(`${api}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const check = await promtoolCheck(text);
    expect({ code: check.code, findings: check.findings }, text).toEqual({ code: 0, findings: '' });

    expect(sample(text, 'pausenet_pause_level')).toBe(2);
    expect(sample(text, 'pausenet_pause_state{state="PAUSED"}')).toBe(1);
    expect(sample(text, 'pausenet_pause_state{state="RUNNING"}')).toBe(0);
    expect(sample(text, 'pausenet_pause_height')).toBe(1);
    expect(sample(text, 'pausenet_hook_failing{hook="halt-cluster"}')).toBe(1);
    expect(sample(text, 'pausenet_lab_last_commitment_age_seconds{lab="lab-a"}')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'pausenet_lab_missed_deadlines{lab="lab-a"}')).toBe(0);
    expect(
      sample(
        text,
        `pausenet_build_info{version="0.1.0",node="${process.version}",protocol="${PROTOCOL_VERSION}"}`,
      ),
    ).toBe(1);
    // prom-client's process metrics under the project's prefix
    expect(sample(text, 'pausenet_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toMatch(/^pausenet_nodejs_eventloop_lag_seconds \S+$/m);
  });

  it('promtool finds a problem when there is one (the check can fail)', async () => {
    const bad = '# HELP pausenet_x_bytes x\n# TYPE pausenet_x_bytes counter\npausenet_x_bytes 1\n';
    const check = await promtoolCheck(bad);
    expect(check.findings).toMatch(/_total/);
  });

  it('a failing halt hook is logged at error level as hook.failed', () => {
    const failed = parsed(stderr).filter((l) => l.event === 'hook.failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]).toMatchObject({
      level: 50,
      hook: 'halt-cluster',
      action: 'halt',
      height: 1,
      self: 'lab-a',
      component: 'hooks',
    });
  });

  it('a start that fails prints one JSON line naming the problem, and exits with its code', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ role: 'boss', dataDir: join(dir, 'other'), genesisFile: 'x' }));
    const r = await run(['start', '--config', bad]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe('');
    expect(badJsonLines(r.stderr), r.stderr).toEqual([]);
    expect(parsed(r.stderr)).toEqual([
      expect.objectContaining({ level: 50, event: 'node.start_failed', code: 'CONFIG', exitCode: 3 }),
    ]);
    expect(parsed(r.stderr)[0]?.msg).toMatch(/config field "role" has value "boss"/);
  });

  it('stopped with SIGTERM, it prints only JSON lines, each key once, each with an event', async () => {
    node.kill('SIGTERM');
    expect(await exited, `${stdout}${stderr}`).toBe(0);
    expect(badJsonLines(stdout), stdout).toEqual([]);
    expect(badJsonLines(stderr), stderr).toEqual([]);
    expect(parsed(stdout).map((l) => l.event)).toEqual(['node.started', 'node.signal', 'node.stopped']);
    const all = [...parsed(stdout), ...parsed(stderr)];
    expect(all.filter((l) => typeof l.event !== 'string')).toEqual([]);
    // The breach this node detected is about lab-a, and the node is lab-a: two keys, not one key twice.
    expect(all.find((l) => l.event === 'breach.detected')).toMatchObject({ self: 'lab-a', lab: 'lab-a' });
  });

  it('restarted and stopped with SIGINT (Ctrl-C), it prints only JSON lines too', async () => {
    stdout = '';
    stderr = '';
    node = spawn(process.execPath, [BIN, 'start', '--config', config], {
      env: { ...process.env, ...PASS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    node.stdout?.on('data', (d) => {
      stdout += d;
    });
    node.stderr?.on('data', (d) => {
      stderr += d;
    });
    exited = new Promise((resolve) => node.on('exit', (code) => resolve(code)));
    await until('node.started on stdout', () => startedApi(stdout) !== undefined);
    node.kill('SIGINT');
    expect(await exited, `${stdout}${stderr}`).toBe(0);
    expect(badJsonLines(stdout), stdout).toEqual([]);
    expect(badJsonLines(stderr), stderr).toEqual([]);
    expect(parsed(stdout).map((l) => [l.event, l.signal])).toEqual([
      ['node.started', undefined],
      ['node.signal', 'SIGINT'],
      ['node.stopped', undefined],
    ]);
  });
});
