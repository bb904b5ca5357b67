import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decryptKeystore } from '@pausenet/crypto';
import { parseGenesisYaml } from '@pausenet/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../src/devnet/ports.js';
import { BIN, type RunResult, run, spawnCli, TempDirs } from './helpers.js';

const tmp = new TempDirs();
afterAll(() => tmp.cleanup());
const PASS = { PAUSENET_PASSPHRASE: 'safety test passphrase' };

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Run `pausenet <args>` on a real pseudo-terminal (util-linux `script`), typing `input` once the
 * process has printed `waitFor`. The CLI sees a TTY on stdin, as an operator's shell gives it.
 */
function runOnTerminal(args: string[], input: string, waitFor: RegExp, env: NodeJS.ProcessEnv = {}) {
  return new Promise<RunResult>((resolve, reject) => {
    const cmd = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
    const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], {
      env: { ...process.env, ...PASS, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let typed = false;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!typed && waitFor.test(out)) {
        typed = true;
        child.stdin.write(input);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pausenet ${args.join(' ')} on a terminal timed out:\n${out}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      resolve({ code, stdout: out, stderr: out });
    });
  });
}

/** `pausenet init` for one lab, its member entry written to `<dir>/<lab>.entry.yaml`. */
async function initLab(dir: string, lab: string, index: number, addr?: string): Promise<string> {
  const r = await run(
    [
      'init',
      '--data-dir',
      join(dir, lab),
      '--lab',
      lab,
      '--index',
      String(index),
      ...(addr ? ['--addr', addr] : []),
    ],
    { env: PASS },
  );
  expect(r.code, r.stderr).toBe(0);
  const entry = join(dir, `${lab}.entry.yaml`);
  await writeFile(entry, r.stdout);
  return entry;
}

async function genesisCreate(name: string, entries: string[], out: string, extra: string[] = []) {
  const g = await run([
    'genesis',
    'create',
    '--name',
    name,
    ...entries.flatMap((e) => ['--member', e]),
    ...extra,
    '--out',
    out,
  ]);
  expect(g.code, g.stderr).toBe(0);
  return g;
}

async function memberConfig(dir: string, name: string, lab: string, genesisFile: string, extra = {}) {
  const f = join(dir, name);
  await writeFile(
    f,
    JSON.stringify({
      role: 'member',
      dataDir: join(dir, lab),
      genesisFile,
      keystore: { file: join(dir, lab, 'keystore.json') },
      logLevel: 'warn',
      ...extra,
    }),
  );
  return f;
}

async function blsShareOf(keystoreFile: string): Promise<string | null> {
  const ks = JSON.parse(await readFile(keystoreFile, 'utf8'));
  return JSON.parse(new TextDecoder().decode(decryptKeystore(ks, PASS.PAUSENET_PASSPHRASE))).blsShare;
}

describe('genesis validate and dkg reruns (real CLI processes)', { timeout: 180_000 }, () => {
  let dir: string;
  let preGenesis: string;
  let genesisFile: string;
  let ceremonyId: string;
  beforeAll(async () => {
    dir = await tmp.make();
    const entry = await initLab(dir, 'lab-a', 1);
    preGenesis = join(dir, 'pre-dkg-genesis.yaml');
    const g = await genesisCreate('safety-dkg', [entry], preGenesis);
    ceremonyId = /ceremony id ([0-9a-f]{64})/.exec(g.stdout)![1]!;
    genesisFile = join(dir, 'genesis.yaml');
    await writeFile(genesisFile, await readFile(preGenesis));
    const cfg = await memberConfig(dir, 'member.json', 'lab-a', genesisFile);
    const d = await run(['dkg', '--config', cfg, '--linger', '0'], { env: PASS });
    expect(d.code, d.stderr).toBe(0);
  });

  it('genesis validate prints the ceremony id before the DKG and the network id after it', async () => {
    const [pre, post, json] = await Promise.all([
      run(['genesis', 'validate', preGenesis]),
      run(['genesis', 'validate', genesisFile]),
      run(['genesis', 'validate', genesisFile, '--json']),
    ]);
    expect(pre.code, pre.stderr).toBe(0);
    expect(pre.stdout).toMatch(new RegExp(`ceremony id\\s+${ceremonyId}`));
    expect(pre.stdout).toMatch(/compare the ceremony id with every member before the DKG/);
    // the DKG does not change the ceremony id (it is the genesis without its dkg section)
    expect(post.stdout).toMatch(new RegExp(`ceremony id\\s+${ceremonyId}`));
    const s = JSON.parse(json.stdout);
    expect(post.stdout).toMatch(new RegExp(`network id\\s+${s.networkId}`));
    expect(post.stdout).toMatch(/compare the network id with every member/);
    expect(s.ceremonyId).toBe(ceremonyId);
  });

  it('a rerun is refused (exit 10) when genesis has a result or the keystore a share, and says what --force does', async () => {
    const share = await blsShareOf(join(dir, 'lab-a', 'keystore.json'));
    expect(share).toMatch(/^[0-9a-f]{64}$/);
    // a fresh copy of the pre-DKG genesis: only the keystore still knows a ceremony happened
    const fresh = join(dir, 'fresh-copy.yaml');
    await writeFile(fresh, await readFile(preGenesis));
    const [withResult, withShare] = await Promise.all([
      run(['dkg', '--config', await memberConfig(dir, 'again.json', 'lab-a', genesisFile)], { env: PASS }),
      run(['dkg', '--config', await memberConfig(dir, 'fresh.json', 'lab-a', fresh)], { env: PASS }),
    ]);
    expect(withResult.code, withResult.stderr).toBe(10);
    expect(withResult.stderr).toMatch(/already holds a DKG result; nothing was changed/);
    expect(withShare.code, withShare.stderr).toBe(10);
    expect(withShare.stderr).toMatch(/keystore .*keystore\.json already holds a BLS share/);
    for (const r of [withResult, withShare]) {
      expect(r.stderr).toMatch(/--force runs a new ceremony: it replaces this member's BLS share/);
      expect(r.stderr).toMatch(/new network id/);
    }
    expect(await blsShareOf(join(dir, 'lab-a', 'keystore.json'))).toBe(share);
    expect(await readFile(fresh, 'utf8')).toBe(await readFile(preGenesis, 'utf8'));

    const forced = await run(['dkg', '--config', join(dir, 'fresh.json'), '--force', '--linger', '0'], {
      env: PASS,
    });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/kept the previous keystore \(with its old BLS share\) as .*before-dkg-/);
    const kept = (await readdir(join(dir, 'lab-a'))).filter((f) => f.startsWith('keystore.json.before-dkg-'));
    expect(kept).toHaveLength(1);
    expect(await blsShareOf(join(dir, 'lab-a', kept[0]!))).toBe(share);
    const replaced = await blsShareOf(join(dir, 'lab-a', 'keystore.json'));
    expect(replaced).toMatch(/^[0-9a-f]{64}$/);
    expect(replaced).not.toBe(share);
    expect(parseGenesisYaml(await readFile(fresh, 'utf8')).dkg).toBeDefined();
  });

  it('a member alone in the ceremony is told who to start and what to check', async () => {
    const d2 = await tmp.make();
    const [pa, pb] = await freePorts(2);
    const a = await initLab(d2, 'lab-a', 1, `/ip4/127.0.0.1/tcp/${pa}`);
    const b = await initLab(d2, 'lab-b', 2, `/ip4/127.0.0.1/tcp/${pb}`);
    const g = join(d2, 'genesis.yaml');
    await genesisCreate('lonely', [a, b], g, ['--threshold', '2']);
    const cfg = await memberConfig(d2, 'a.json', 'lab-a', g, { listen: [`/ip4/127.0.0.1/tcp/${pa}`] });
    const p = spawnCli(
      ['dkg', '--config', cfg, '--connect-timeout', '1000', '--phase-timeout', '1000', '--linger', '0'],
      PASS,
    );
    expect(await p.exited, p.out()).toBe(8);
    const out = p.out();
    expect(out).toMatch(
      /DKG failed \(\w+\): .*nothing was written\. Next: no other member was reachable from here \(lab-b\)/,
    );
    expect(out).toMatch(
      /every member runs `pausenet dkg` again at the same time \(each within --connect-timeout, now 1 s/,
    );
    expect(out).toContain(`lab-b /ip4/127.0.0.1/tcp/${pb}`);
    expect(out).toContain(`lab-a: /ip4/127.0.0.1/tcp/${pa}`);
    expect(parseGenesisYaml(await readFile(g, 'utf8')).dkg).toBeUndefined();
  });
});

describe('commit over a cap and start on another network (a running member node)', {
  timeout: 240_000,
}, () => {
  let dir: string;
  let dataDir: string;
  let genesisFile: string;
  let cfg: string;
  let node: ReturnType<typeof spawnCli>;
  let current: number;
  const metrics = (largestRun: string) => [
    '--training-flop',
    '4e25',
    '--largest-run-flop',
    largestRun,
    '--max-params',
    '1e12',
    '--dataset-tokens',
    '2e13',
  ];
  const status = async () => JSON.parse((await run(['status', '--data-dir', dataDir, '--json'])).stdout);

  beforeAll(async () => {
    dir = await tmp.make();
    dataDir = join(dir, 'lab-a');
    const entry = await initLab(dir, 'lab-a', 1);
    genesisFile = join(dir, 'genesis.yaml');
    // hour-long epochs that began 10 h ago; a commitment is taken up to 7 h after its epoch ends, so
    // the test can commit for several (ascending) epochs without waiting for time to pass
    const hour = 3_600_000;
    const genesisTime = Math.floor(Date.now() / hour) * hour - 10 * hour;
    current = Math.floor((Date.now() - genesisTime) / hour);
    const policy = join(dir, 'policy.yaml');
    await writeFile(
      policy,
      [
        'policy:',
        `  genesisTime: ${genesisTime}`,
        '  epochMs: 1h',
        '  deadlineMs: 6h',
        '  graceMs: 1h',
        '  caps: {trainingFlop: "1e26", largestRunFlop: "1e25", maxParams: "2e12", datasetTokens: "1e14"}',
        '  limits: {PAUSED: {trainingFlop: "1e25", largestRunGrowthBps: 0}}',
        '',
      ].join('\n'),
    );
    await genesisCreate('safety-commit', [entry], genesisFile, ['--policy', policy]);
    cfg = await memberConfig(dir, 'member.json', 'lab-a', genesisFile);
    const d = await run(['dkg', '--config', cfg, '--linger', '0'], { env: PASS });
    expect(d.code, d.stderr).toBe(0);
    node = spawnCli(['start', '--config', cfg], PASS);
    await node.waitFor(/member started: peer/, 90_000);
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('--dry-run shows the epoch, the values and the caps they exceed; commits nothing', async () => {
    const [over, within, json] = await Promise.all([
      run(['commit', '--data-dir', dataDir, ...metrics('3e25'), '--dry-run']),
      run(['commit', '--data-dir', dataDir, ...metrics('1e24'), '--dry-run']),
      run(['commit', '--data-dir', dataDir, ...metrics('3e25'), '--dry-run', '--json', '--epoch', '3']),
    ]);
    expect(over.code, over.stderr).toBe(0);
    expect(over.stdout).toMatch(
      new RegExp(`^would commit for lab-a epoch ${current} \\(the current epoch\\)`),
    );
    expect(over.stdout).toMatch(/largestRunFlop\s+3e25/);
    expect(over.stdout).toMatch(/EXCEEDS 1 cap:\n {2}largestRunFlop 3e25 > cap 1e25/);
    expect(over.stdout).toMatch(/every member votes to move the network to PAUSED automatically/);
    expect(over.stdout).toMatch(/nothing committed \(--dry-run\)\n$/);
    expect(within.code, within.stderr).toBe(0);
    expect(within.stdout).toMatch(/within every cap/);
    expect(JSON.parse(json.stdout)).toMatchObject({
      dryRun: true,
      lab: 'lab-a',
      epoch: 3,
      currentEpoch: current,
      state: 'RUNNING',
      overLevelLimits: [],
      exceeds: [
        {
          level: 'PAUSED',
          cap: 'largestRunFlop',
          value: '30000000000000000000000000',
          limit: '10000000000000000000000000',
        },
      ],
      autoPause: true,
    });
    const s = await status();
    expect(s.labs[0].lastCommitment).toBeNull();
  });

  it('over a cap without a terminal and without --yes: refused, exit 10, nothing committed', async () => {
    const r = await run(['commit', '--data-dir', dataDir, ...metrics('3e25')]);
    expect(r.code, r.stderr).toBe(10);
    expect(r.stderr).toMatch(/this commitment exceeds a cap: largestRunFlop 3e25 > cap 1e25/);
    expect(r.stderr).toMatch(
      /refusing to commit over a cap .* without confirmation: there is no terminal to ask on/,
    );
    expect(r.stderr).toMatch(/pass --yes to commit anyway/);
    expect((await status()).labs[0].lastCommitment).toBeNull();
  });

  it('on a terminal: asks; anything but "yes" commits nothing', async () => {
    const r = await runOnTerminal(
      ['commit', '--data-dir', dataDir, ...metrics('3e25')],
      'no\r',
      /to go ahead: /,
    );
    expect(r.code, r.stdout).toBe(10);
    expect(r.stdout).toMatch(/Commit it anyway\? Type "yes" to go ahead:/);
    expect(r.stdout).toMatch(/not confirmed \(answer "no"\); nothing was done/);
    expect((await status()).labs[0].lastCommitment).toBeNull();
  });

  it('within the caps no question is asked', async () => {
    const within = await run([
      'commit',
      '--data-dir',
      dataDir,
      ...metrics('1e24'),
      '--epoch',
      `${current - 3}`,
    ]);
    expect(within.code, within.stderr).toBe(0);
    expect(within.stderr).toBe('');
    expect(within.stdout).toMatch(new RegExp(`committed: lab lab-a epoch ${current - 3} seq 0`));
  });

  it('on a terminal: "yes" commits, and the network pauses on it', async () => {
    const r = await runOnTerminal(
      ['commit', '--data-dir', dataDir, ...metrics('3e25'), '--epoch', `${current - 2}`],
      'yes\r',
      /to go ahead: /,
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`committed: lab lab-a epoch ${current - 2} seq 1`));
    let s = await status();
    for (let i = 0; i < 60 && s.height < 1; i++) {
      await new Promise((res) => setTimeout(res, 250));
      s = await status();
    }
    expect([s.state, s.height]).toEqual(['PAUSED', 1]);
  });

  it('while PAUSED, --dry-run also checks the PAUSED limits (pause-violation) and says relative ones are not checked', async () => {
    // 4e25 training FLOP is within the 1e26 cap, but over the 1e25 the PAUSED level allows
    const r = await run([
      'commit',
      '--data-dir',
      dataDir,
      ...metrics('1e24'),
      '--epoch',
      `${current - 1}`,
      '--dry-run',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/EXCEEDS 1 cap or limit:\n {2}trainingFlop 4e25 > PAUSED limit 1e25/);
    expect(r.stdout).toMatch(/self-proving pause-violation evidence against this lab/);
    expect(r.stdout).toMatch(/relative limits .* not checked here/);
    const refused = await run([
      'commit',
      '--data-dir',
      dataDir,
      ...metrics('1e24'),
      '--epoch',
      `${current - 1}`,
    ]);
    expect(refused.code, refused.stderr).toBe(10);
  });

  it('--yes commits over a cap without a terminal', async () => {
    const yes = await run([
      'commit',
      '--data-dir',
      dataDir,
      ...metrics('2e25'),
      '--epoch',
      `${current - 1}`,
      '--yes',
    ]);
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout).toMatch(new RegExp(`committed: lab lab-a epoch ${current - 1} seq 2`));
  });

  it('start on another network names the files to move aside and the ones to keep', async () => {
    // same keys and DKG result, another network: the data dir's store belongs to the first one
    const other = join(dir, 'other-genesis.yaml');
    await writeFile(
      other,
      (await readFile(genesisFile, 'utf8')).replace('name: safety-commit', 'name: safety-other'),
    );
    const otherCfg = await memberConfig(dir, 'other.json', 'lab-a', other);
    await node.stop();
    const r = await run(['start', '--config', otherCfg], { env: PASS });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(
      /holds network [0-9a-f]{64} but genesisFile .*other-genesis\.yaml is network [0-9a-f]{64}/,
    );
    expect(r.stderr).toContain(`mv ${join(dataDir, 'pausenet.db')} ${join(dataDir, 'pausenet.db')}-wal`);
    expect(r.stderr).toMatch(/Keep keystore\.json and node-key where they are/);
    expect(r.stderr).toMatch(/Do not start from an empty dataDir/);
    expect(r.stderr).not.toMatch(/fresh dataDir/);
  });
});
