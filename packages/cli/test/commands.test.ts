import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { blsSign } from '@pausenet/crypto';
import { fromHex, genesisToYaml, statementBytes, statementOf, toHex } from '@pausenet/protocol';
import { certificate, testDealer, testGenesis } from '@pausenet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, spawnCli, TempDirs } from './helpers.js';

const tmp = new TempDirs();
afterAll(() => tmp.cleanup());
const PASS = { PAUSENET_PASSPHRASE: 'correct horse battery' };

describe('pausenet help and usage errors', { timeout: 120_000 }, () => {
  it('--help lists every command; commands have examples', async () => {
    const [r, ...sub] = await Promise.all([
      run(['--help']),
      ...['init', 'dkg', 'start', 'approve', 'verify', 'devnet'].map((c) => run([c, '--help'])),
    ]);
    expect(r!.code).toBe(0);
    for (const c of [
      'init',
      'genesis',
      'dkg',
      'start',
      'commit',
      'report',
      'approve',
      'status',
      'verify',
      'devnet',
    ])
      expect(r!.stdout).toContain(c);
    for (const s of sub) {
      expect(s.code).toBe(0);
      expect(s.stdout).toContain('Examples:');
    }
  });

  it('unknown command and missing arguments exit 2 with a message, no stack trace', async () => {
    const [a, b, c, d] = await Promise.all([
      run(['frobnicate']),
      run(['approve']),
      run(['approve', 'abc', '--api', 'http://127.0.0.1:1']),
      run(['devnet', '--scenario', 'chaos']),
    ]);
    expect(a!.code).toBe(2);
    expect(a!.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(b!.code).toBe(2);
    expect(b!.stderr).toMatch(/missing required argument 'height'/);
    expect(c!.code).toBe(2);
    expect(c!.stderr).toMatch(/<height> must be an integer/);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/Allowed choices are honest, cap-breach/);
    for (const r of [a, b, c, d]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('API commands name the unreachable node and exit 7', async () => {
    const [r, c, m] = await Promise.all([
      run(['status', '--api', 'http://127.0.0.1:9']),
      run([
        'commit',
        '--api',
        'http://127.0.0.1:9',
        '--token-file',
        '/nonexistent/token',
        '--training-flop',
        '1',
        '--largest-run-flop',
        '1',
        '--max-params',
        '1',
        '--dataset-tokens',
        '1',
      ]),
      run(['commit', '--api', 'http://127.0.0.1:9', '--training-flop', 'lots']),
    ]);
    expect(r!.code).toBe(7);
    expect(r!.stderr).toMatch(/node API unreachable at http:\/\/127\.0\.0\.1:9/);
    expect(c!.code).toBe(7);
    expect(c!.stderr).toMatch(/cannot read API token \/nonexistent\/token/);
    expect(m!.code).toBe(2);
    expect(m!.stderr).toMatch(/--training-flop must be a non-negative integer/);
  });
});

describe('pausenet init / genesis', { timeout: 120_000 }, () => {
  let dir: string;
  const members: string[] = [];
  beforeAll(async () => {
    dir = await tmp.make();
  });

  it('init writes a 0600 keystore and node key and prints the genesis entry', async () => {
    const labs = ['lab-a', 'lab-b', 'lab-c'];
    const results = await Promise.all(
      labs.map((lab, i) =>
        run(
          [
            'init',
            '--data-dir',
            join(dir, lab),
            '--lab',
            lab,
            '--index',
            String(i + 1),
            '--addr',
            `/ip4/127.0.0.1/tcp/${9100 + i}`,
          ],
          { env: PASS },
        ),
      ),
    );
    for (const [i, lab] of labs.entries()) {
      const r = results[i]!;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`id: ${lab}`));
      expect(r.stdout).toMatch(/publicKey: [0-9a-f]{64}/);
      expect(r.stdout).toMatch(/\/p2p\/12D3KooW/);
      const f = join(dir, `${lab}.member.yaml`);
      await writeFile(f, r.stdout);
      members.push(f);
    }
    expect((await stat(join(dir, 'lab-a', 'keystore.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'lab-a', 'node-key'))).mode & 0o777).toBe(0o600);
    const ks = JSON.parse(await readFile(join(dir, 'lab-a', 'keystore.json'), 'utf8'));
    expect(JSON.stringify(ks)).not.toMatch(/identitySecretKey/);
  });

  it('init refuses to overwrite a key, and needs a passphrase', async () => {
    const [again, nopass, badLab] = await Promise.all([
      run(['init', '--data-dir', join(dir, 'lab-a'), '--lab', 'lab-a', '--index', '1'], { env: PASS }),
      run(['init', '--data-dir', join(dir, 'x'), '--lab', 'lab-x', '--index', '1']),
      run(['init', '--data-dir', join(dir, 'y'), '--lab', 'Lab A', '--index', '1'], { env: PASS }),
    ]);
    expect(again!.code).toBe(2);
    expect(again!.stderr).toMatch(/keystore already exists/);
    expect(nopass!.code).toBe(4);
    expect(nopass!.stderr).toMatch(/no passphrase: pass --passphrase-file FILE or set \$PAUSENET_PASSPHRASE/);
    expect(badLab!.code).toBe(2);
    expect(badLab!.stderr).toMatch(/--lab must be 1-32 chars/);
  });

  it('genesis create + validate; invalid genesis names the field', async () => {
    const out = join(dir, 'genesis.yaml');
    const c = await run([
      'genesis',
      'create',
      '--name',
      'testnet',
      ...members.flatMap((m) => ['--member', m]),
      '--out',
      out,
    ]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/3 members, threshold 3/);
    const v = await run(['genesis', 'validate', out, '--json']);
    expect(v.code).toBe(0);
    const s = JSON.parse(v.stdout);
    expect(s.valid).toBe(true);
    expect(s.networkId).toMatch(/^[0-9a-f]{64}$/);
    expect(s.dkg).toBeNull();
    const bad = join(dir, 'bad-genesis.yaml');
    await writeFile(bad, (await readFile(out, 'utf8')).replace(/publicKey: [0-9a-f]{64}/, 'publicKey: abcd'));
    const b = await run(['genesis', 'validate', bad]);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/members\[0\]\.publicKey = "abcd": expected 64 hex characters/);
    const missing = await run(['genesis', 'validate', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/genesis file not found/);
  });
});

describe('pausenet verify', { timeout: 120_000 }, () => {
  let dir: string;
  let genesisFile: string;
  let cert: Record<string, unknown>;
  beforeAll(async () => {
    dir = await tmp.make();
    // TRUSTED test dealer: the test signs certificates with the dealt shares.
    const net = testGenesis({ labs: 4, threshold: 3, name: 'verify-test' });
    genesisFile = join(dir, 'genesis.yaml');
    await writeFile(genesisFile, genesisToYaml(net.genesis));
    const c = certificate(net, { height: 1, target: 'PAUSED', signers: ['lab-a', 'lab-b', 'lab-c'] });
    cert = {
      height: 1,
      target: 'PAUSED',
      step: 'up',
      statement: toHex(statementBytes(statementOf(c))),
      signature: toHex(c.signature),
      signers: c.signers,
      resolves: [],
    };
  });

  async function verify(c: unknown, name: string) {
    const f = join(dir, name);
    await writeFile(f, JSON.stringify(c));
    return run(['verify', f, '--genesis', genesisFile]);
  }

  it('accepts a valid certificate (exit 0, one line)', async () => {
    const r = await verify(cert, 'ok.json');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^valid: height 1 -> PAUSED, signed by lab-a, lab-b, lab-c \(3 of 4, threshold 3\)\n$/,
    );
  });

  it('verifies a downloaded chain (the GET /v1/certificates array): valid chain exit 0, a gap exit 1', async () => {
    const ok = await verify([cert], 'chain.json');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^valid: chain of 1 certificate\(s\) valid; ends PAUSED at height 1\n$/);
    const gap = await verify([], 'empty-chain.json');
    expect(gap.code).toBe(1);
    expect(gap.stdout).toMatch(/INVALID: the certificate chain is empty/);
  });

  it('rejects bad certificates with exit 1 and the reason', async () => {
    const badSig = {
      ...cert,
      signature: toHex(blsSign(testDealer(1, 1).groupSecret, fromHex(String(cert.statement)))),
    };
    const notJson = join(dir, 'garbage.json');
    await writeFile(notJson, 'not json');
    const [r1, r2, r3, r4, r5] = await Promise.all([
      verify(badSig, 'badsig.json'),
      verify({ ...cert, signers: ['lab-a', 'lab-b'] }, 'few.json'),
      verify({ ...cert, step: 'down' }, 'step.json'),
      verify({ ...cert, signers: ['lab-a', 'lab-b', 'mallory'] }, 'unknown.json'),
      run(['verify', notJson, '--genesis', genesisFile]),
    ]);
    for (const r of [r1, r2, r3, r4]) expect(r!.code).toBe(1);
    expect(r1!.stdout).toMatch(/INVALID: the BLS signature does not verify under the group public key/);
    expect(r2!.stdout).toMatch(/only 2 signers, threshold is 3/);
    expect(r3!.stdout).toMatch(/a step down cannot target PAUSED/);
    expect(r4!.stdout).toMatch(/signer mallory is not a member/);
    expect(r5!.code).toBe(2);
    expect(r5!.stderr).toMatch(/is not JSON/);
  });
});

describe('pausenet dkg + start + commit/report/status/approve/verify (one-member network)', {
  timeout: 180_000,
}, () => {
  let dir: string;
  let genesisFile: string;
  let memberCfg: string;
  const cfg = (name: string, body: Record<string, unknown>) => {
    const f = join(dir, name);
    return writeFile(f, JSON.stringify(body)).then(() => f);
  };
  beforeAll(async () => {
    dir = await tmp.make();
    const r = await run(['init', '--data-dir', join(dir, 'lab-a'), '--lab', 'lab-a', '--index', '1'], {
      env: PASS,
    });
    expect(r.code, r.stderr).toBe(0);
    await writeFile(join(dir, 'a.yaml'), r.stdout);
    genesisFile = join(dir, 'genesis.yaml');
    const g = await run([
      'genesis',
      'create',
      '--name',
      'start-test',
      '--member',
      join(dir, 'a.yaml'),
      '--out',
      genesisFile,
    ]);
    expect(g.code, g.stderr).toBe(0);
    memberCfg = await cfg('member.json', {
      role: 'member',
      dataDir: join(dir, 'lab-a'),
      genesisFile,
      keystore: { file: join(dir, 'lab-a', 'keystore.json') },
      hooks: [
        { type: 'file', name: 'sentinel', path: join(dir, 'PAUSED') },
        // a real exec hook that dumps the environment it was given
        {
          type: 'exec',
          name: 'dump-env',
          command: process.execPath,
          args: [
            '-e',
            'require("fs").writeFileSync(process.argv[1], JSON.stringify(process.env))',
            join(dir, 'hook-env.json'),
          ],
        },
      ],
      logLevel: 'warn',
    });
    // a one-member DKG completes locally: the group key is this lab's key
    const d = await run(['dkg', '--config', memberCfg, '--linger', '0'], { env: PASS });
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/done in \d+ ms: wrote the DKG result/);
  });

  it('refuses a bad config naming the field (exit 3) and a wrong passphrase (exit 4)', async () => {
    const f = await cfg('bad.json', { role: 'boss', dataDir: join(dir, 'obs'), genesisFile });
    const [bad, missing, wrong] = await Promise.all([
      run(['start', '--config', f]),
      run(['start', '--config', join(dir, 'missing.yaml')]),
      run(['start', '--config', memberCfg], { env: { PAUSENET_PASSPHRASE: 'wrong passphrase' } }),
    ]);
    expect(bad!.code).toBe(3);
    expect(JSON.parse(bad!.stderr)).toMatchObject({
      event: 'node.start_failed',
      code: 'CONFIG',
      exitCode: 3,
    });
    expect(JSON.parse(bad!.stderr).msg).toMatch(/config field "role" has value "boss"/);
    expect(missing!.code).toBe(3);
    expect(missing!.stderr).toMatch(/cannot read config file/);
    expect(wrong!.code, wrong!.stderr).toBe(4);
    expect(wrong!.stderr).toMatch(/wrong passphrase/);
  });

  it('a SIGTERM while the node starts (its database just created) stops it gracefully: exit 0, "pausenet stopped"', async () => {
    const dataDir = join(dir, 'obs-sigterm');
    const f = await cfg('observer-sigterm.json', {
      role: 'observer',
      dataDir,
      genesisFile,
      logLevel: 'warn',
    });
    const node = spawnCli(['start', '--config', f]);
    // The database appears while PausenetNode.create runs: before start() returns and "started" is printed.
    const db = join(dataDir, 'pausenet.db');
    const deadline = Date.now() + 90_000;
    while (
      !(await stat(db).then(
        () => true,
        () => false,
      ))
    ) {
      if (node.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`no ${db} while the node starts:\n${node.out()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    node.child.kill('SIGTERM');
    const code = await node.exited;
    expect({ code, signal: node.child.signalCode }, node.out()).toEqual({ code: 0, signal: null });
    expect(node.out()).toMatch(/SIGTERM received, shutting down/);
    expect(node.out()).toMatch(/pausenet stopped/);
  });

  it('runs a member: commit -> breach -> PAUSED, approve --resume -> RUNNING, verify; refuses locked dir / busy port; SIGTERM', async () => {
    const busy: Server = createServer();
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', () => res()));
    const busyPort = (busy.address() as { port: number }).port;
    const dataDir = join(dir, 'lab-a');
    const node = spawnCli(['start', '--config', memberCfg], PASS);
    try {
      await node.waitFor(/member started: peer 12D3KooW\w+, api http:\/\/127\.0\.0\.1:\d+/, 90_000);
      const [locked, port] = await Promise.all([
        run(['start', '--config', memberCfg], { env: PASS }),
        cfg('observer.json', {
          role: 'observer',
          dataDir: join(dir, 'obs'),
          genesisFile,
          api: { port: busyPort },
        }).then((f) => run(['start', '--config', f])),
      ]);
      expect(locked!.code).toBe(5);
      expect(locked!.stderr).toMatch(/data dir/i);
      expect(port!.code, port!.stderr).toBe(6);
      expect(port!.stderr).toMatch(/port in use/);

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
        '--json',
      ]);
      expect(c.code, c.stderr).toBe(0);
      expect(JSON.parse(c.stdout)).toMatchObject({ lab: 'lab-a', epoch: 0, seq: 0 });
      const rep = await run([
        'report',
        '--data-dir',
        dataDir,
        '--subject',
        'lab-a',
        '--epoch',
        '0',
        '--digest',
        'ab'.repeat(32),
        '--summary',
        'audit note',
      ]);
      expect(rep.code, rep.stderr).toBe(0);
      expect(rep.stdout).toMatch(/^evidence filed/);
      const status = async () => JSON.parse((await run(['status', '--data-dir', dataDir, '--json'])).stdout);
      let s = await status();
      for (let i = 0; i < 60 && s.height < 1; i++) {
        await new Promise((r) => setTimeout(r, 500));
        s = await status();
      }
      expect([s.state, s.height]).toEqual(['PAUSED', 1]);
      // The keystore passphrase came from $PAUSENET_PASSPHRASE: the hook's environment never holds it.
      let hookEnv: Record<string, string> | undefined;
      for (let i = 0; i < 60 && !hookEnv; i++) {
        hookEnv = await readFile(join(dir, 'hook-env.json'), 'utf8')
          .then((t) => JSON.parse(t) as Record<string, string>)
          .catch(() => undefined);
        if (!hookEnv) await new Promise((r) => setTimeout(r, 250));
      }
      expect(hookEnv?.PAUSENET_ACTION).toBe('halt');
      expect(hookEnv?.PAUSENET_PASSPHRASE).toBeUndefined();
      expect(Object.values(hookEnv ?? {})).not.toContain(PASS.PAUSENET_PASSPHRASE);
      // After its hook ran, the member signs its receipt for the pause (docs/protocol.md "Receipts").
      for (let i = 0; i < 60 && s.receipts?.labs[0]?.status !== 'confirmed'; i++) {
        await new Promise((r) => setTimeout(r, 250));
        s = await status();
      }
      expect(s.receipts).toMatchObject({
        height: 1,
        target: 'PAUSED',
        labs: [{ lab: 'lab-a', status: 'confirmed' }],
      });
      const human = await run(['status', '--data-dir', dataDir]);
      expect(human.stdout).toMatch(/state\s+PAUSED at height 1/);
      expect(human.stdout).toMatch(/receipts\s+height 1 PAUSED \(deadline/);
      expect(human.stdout).toMatch(/lab-a\s+confirmed$/m);
      expect(human.stdout).toMatch(/ready\s+yes/);
      expect(human.stdout).toMatch(/lab-a .*last: epoch 0 seq 0/);
      // Two open breaches: the over-cap commitment (acted on by the pause) and the judged report.
      expect(human.stdout).toMatch(/breaches\s+2 open, 0 resolved/);
      expect(human.stdout).toMatch(
        /[0-9a-f]{64}\s+cap-exceeded lab-a epoch 0\s+evidence [0-9a-f]{16}…\s+acted on at height 1/,
      );
      expect(human.stdout).toMatch(/[0-9a-f]{64}\s+report lab-a epoch 0/);

      // The approval names what the resume resolves, and where that set came from.
      const dry = await run(['approve', '2', '--resume', '--dry-run', '--data-dir', dataDir]);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(
        /^would approve RESUME at height 2: resolves 2 breaches \(source: every breach open on this node\)/,
      );
      expect(dry.stdout).toMatch(/nothing recorded \(--dry-run\)/);
      const a = await run(['approve', '2', '--resume', '--data-dir', dataDir]);
      expect(a.code, a.stderr).toBe(0);
      expect(a.stdout).toMatch(/^approving RESUME at height 2: resolves 2 breaches/);
      expect(a.stdout).toMatch(/cap-exceeded lab-a epoch 0/);
      expect(a.stdout).toMatch(/voted RUNNING at height 2$/m);
      for (let i = 0; i < 60 && s.height < 2; i++) {
        await new Promise((r) => setTimeout(r, 500));
        s = await status();
      }
      expect([s.state, s.height]).toEqual(['RUNNING', 2]);

      const api = (await readFile(join(dataDir, 'api-url'), 'utf8')).trim();
      const certs = (await (await fetch(`${api}/v1/certificates`)).json()) as { height: number }[];
      const certFile = join(dir, 'cert1.json');
      await writeFile(certFile, JSON.stringify(certs.find((x) => x.height === 1)));
      const v = await run(['verify', certFile, '--genesis', genesisFile]);
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout).toMatch(/^valid: height 1 -> PAUSED, signed by lab-a/);
    } finally {
      busy.close();
      expect(await node.stop()).toBe(0);
    }
    expect(node.out()).toMatch(/SIGTERM received, shutting down/);
  });
});
