#!/usr/bin/env node
// Runs a member node from the pausenet image in a real network and checks that it reaches the pause.
//
//   node scripts/container/devnet-check.mjs --image pausenet:local [--keep] [--json]
//
// Three labs, threshold 3, so no certificate exists without the container's vote. lab-a lives in
// the container, exactly as docs/node.md "Container" describes: `init` and `dkg` run in the image,
// its data dir is a host directory owned by uid 10001 mounted at /var/lib/pausenet, its config and
// passphrase are mounted read-only at /etc/pausenet, and it runs with --network host (the engines
// here have no bridge network). lab-b and lab-c run on the host from this repository's build. lab-b
// commits over the largest-run cap; the check passes when the container's node is PAUSED at height 1
// (read from outside the container over its HTTP API, and with `pausenet status` inside it) and
// its file hook's sentinel is in the mounted data dir. Needs root (chown to 10001), a Docker engine
// and `npm run build`. Ports: chosen by the OS. Exit 0 on success, 1 with the reason otherwise.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'packages', 'cli', 'bin', 'pausenet.js');
const UID = 10001;
const PASSPHRASE = 'container-check-not-a-secret';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const IMAGE = opt('--image') ?? 'pausenet:local';
const KEEP = args.includes('--keep');
const JSON_OUT = args.includes('--json');
const t0 = Date.now();
const log = (msg) => process.stderr.write(`devnet-check +${((Date.now() - t0) / 1000).toFixed(1)}s ${msg}\n`);

/** Run to completion; resolves {code, stdout, stderr}. */
function run(cmd, argv, { env, timeoutMs = 120_000 } = {}) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`${cmd} ${argv.join(' ')} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', rej);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

async function must(what, p) {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function freePorts(n) {
  const servers = [];
  const ports = [];
  for (let i = 0; i < n; i++) {
    const s = createServer();
    servers.push(s);
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    ports.push(s.address().port);
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function waitFor(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function status(dataDir) {
  const url = readFileSync(join(dataDir, 'api-url'), 'utf8').trim();
  const res = await fetch(`${url}/v1/status`);
  if (!res.ok) throw new Error(`GET ${url}/v1/status: ${res.status}`);
  return res.json();
}

const docker = (argv, o) => run('docker', argv, o);
const cli = (argv, o) => run(process.execPath, [CLI, ...argv], o);

async function main() {
  if (process.getuid?.() !== 0) throw new Error('needs root: the container data dir is chowned to uid 10001');
  if (!existsSync(join(ROOT, 'packages', 'cli', 'dist', 'bin.js')))
    throw new Error('run `npm run build` first');
  const image = (
    await must('docker image inspect', docker(['image', 'inspect', '--format', '{{.Id}}', IMAGE]))
  ).stdout.trim();

  const root = mkdtempSync(join(tmpdir(), 'pausenet-container-check-'));
  chmodSync(root, 0o755);
  const container = `pausenet-check-${process.pid}`;
  const hostNodes = [];
  let failed = false;
  try {
    const [pa, pb, pc] = await freePorts(3);
    const labs = {
      'lab-a': { index: 1, port: pa, dir: join(root, 'lab-a', 'data'), etc: join(root, 'lab-a', 'etc') },
      'lab-b': { index: 2, port: pb, dir: join(root, 'lab-b') },
      'lab-c': { index: 3, port: pc, dir: join(root, 'lab-c') },
    };
    const passFile = join(root, 'passphrase');
    writeFileSync(passFile, PASSPHRASE, { mode: 0o600 });

    // lab-a: host dirs for the container. The data dir belongs to uid 10001 (0700); /etc/pausenet is
    // read-only in the container, with the passphrase readable by 10001 only.
    const a = labs['lab-a'];
    mkdirSync(a.dir, { recursive: true, mode: 0o700 });
    mkdirSync(a.etc, { recursive: true, mode: 0o755 });
    chownSync(a.dir, UID, UID);
    writeFileSync(join(a.etc, 'passphrase'), PASSPHRASE, { mode: 0o600 });
    chownSync(join(a.etc, 'passphrase'), UID, UID);
    const inContainer = (argv, extra = []) => [
      'run',
      '--rm',
      '--network',
      'host',
      '-v',
      `${a.dir}:/var/lib/pausenet`,
      '-v',
      `${a.etc}:/etc/pausenet:ro`,
      ...extra,
      IMAGE,
      ...argv,
    ];

    log(`init: lab-a in ${IMAGE} (${image.slice(0, 19)}…), lab-b and lab-c on the host`);
    const entries = await Promise.all(
      Object.entries(labs).map(async ([id, l]) => {
        const common = [
          'init',
          '--lab',
          id,
          '--index',
          String(l.index),
          '--addr',
          `/ip4/127.0.0.1/tcp/${l.port}`,
        ];
        const r =
          id === 'lab-a'
            ? await must(
                'init in the container',
                docker(
                  inContainer([
                    ...common,
                    '--data-dir',
                    '/var/lib/pausenet',
                    '--passphrase-file',
                    '/etc/pausenet/passphrase',
                  ]),
                ),
              )
            : await must(`init ${id}`, cli([...common, '--data-dir', l.dir, '--passphrase-file', passFile]));
        const file = join(root, `${id}.member.yaml`);
        writeFileSync(file, r.stdout);
        return file;
      }),
    );

    const now = Date.now();
    const policyFile = join(root, 'policy.yaml');
    writeFileSync(
      policyFile,
      [
        'policy:',
        `  genesisTime: ${now}`,
        '  epochMs: 1h',
        '  deadlineMs: 10m',
        '  graceMs: 10m',
        '  caps: { trainingFlop: "1e26", largestRunFlop: "1e25", maxParams: "2e12", datasetTokens: "1e14" }',
        '  autoVote: [cap-exceeded, equivocation]',
        '  approvalRequired: [missed, report]',
        '  resumeNeedsApproval: true',
        '  auditors: []',
        '',
      ].join('\n'),
    );
    const genesis = join(root, 'genesis.yaml');
    await must(
      'genesis create',
      cli([
        'genesis',
        'create',
        '--name',
        'container-check',
        ...entries.flatMap((f) => ['--member', f]),
        '--threshold',
        '3',
        '--policy',
        policyFile,
        '--out',
        genesis,
      ]),
    );
    const peerIdOf = (file) => /12D3KooW[1-9A-HJ-NP-Za-km-z]+/.exec(readFileSync(file, 'utf8'))?.[0];
    const addrOf = (id) =>
      `/ip4/127.0.0.1/tcp/${labs[id].port}/p2p/${peerIdOf(join(root, `${id}.member.yaml`))}`;

    // Each member's own writable genesis copy (the DKG writes its result into it) and config.
    for (const [id, l] of Object.entries(labs)) {
      const inside = id === 'lab-a';
      const dataDir = inside ? '/var/lib/pausenet' : l.dir;
      const etc = inside ? '/etc/pausenet' : l.dir;
      writeFileSync(join(l.dir, 'genesis.yaml'), readFileSync(genesis));
      if (inside) chownSync(join(l.dir, 'genesis.yaml'), UID, UID);
      const config = {
        role: 'member',
        dataDir,
        genesisFile: `${dataDir}/genesis.yaml`,
        listen: [`/ip4/127.0.0.1/tcp/${l.port}`],
        bootstrap: Object.keys(labs)
          .filter((o) => o !== id)
          .map(addrOf),
        api: { host: '127.0.0.1', port: 0 },
        keystore: {
          file: `${dataDir}/keystore.json`,
          passphraseFile: inside ? `${etc}/passphrase` : passFile,
        },
        hooks: [{ type: 'file', name: 'sentinel', path: `${dataDir}/PAUSED` }],
        sync: { intervalMs: 1000, timeoutMs: 5000, maxBatch: 256 },
        logLevel: 'info',
      };
      writeFileSync(join(inside ? l.etc : l.dir, 'member.yaml'), JSON.stringify(config, null, 2));
    }

    log('dkg: all three members at once (lab-a in the container)');
    const dkgStart = Date.now();
    await Promise.all(
      Object.entries(labs).map(([id, l]) =>
        id === 'lab-a'
          ? must(
              'dkg in the container',
              docker(inContainer(['dkg', '--config', '/etc/pausenet/member.yaml']), { timeoutMs: 240_000 }),
            )
          : must(`dkg ${id}`, cli(['dkg', '--config', join(l.dir, 'member.yaml')], { timeoutMs: 240_000 })),
      ),
    );
    const dkgMs = Date.now() - dkgStart;

    log('start: lab-a as a detached container, lab-b and lab-c on the host');
    await must(
      'docker run -d',
      docker([
        'run',
        '-d',
        '--name',
        container,
        '--network',
        'host',
        '-v',
        `${a.dir}:/var/lib/pausenet`,
        '-v',
        `${a.etc}:/etc/pausenet:ro`,
        IMAGE,
      ]),
    );
    for (const id of ['lab-b', 'lab-c']) {
      const l = labs[id];
      const child = spawn(process.execPath, [CLI, 'start', '--config', join(l.dir, 'member.yaml')], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d) => {
        err = (err + d).slice(-20_000);
      });
      hostNodes.push({ id, child, err: () => err });
    }
    const all = Object.values(labs);
    await waitFor(
      'every node up with both other members connected',
      async () =>
        (await Promise.all(all.map((l) => status(l.dir)))).every(
          (s) => s.peers.filter((p) => p.lab).length >= 2,
        ),
      120_000,
    ).catch(async (err) => {
      const logs = await docker(['logs', '--tail', '40', container]);
      throw new Error(`${err.message}\ncontainer log:\n${logs.stdout}${logs.stderr}`);
    });

    log('breach: lab-b commits 3e25 FLOP for its largest run (cap 1e25)');
    const breachAt = Date.now();
    await must(
      'commit',
      cli([
        'commit',
        '--data-dir',
        labs['lab-b'].dir,
        '--training-flop',
        '3e25',
        '--largest-run-flop',
        '3e25',
        '--max-params',
        '1e9',
        '--dataset-tokens',
        '1e9',
        '--yes', // over a cap on purpose: without a terminal the CLI refuses it unless told so
      ]),
    );
    // From outside the container: its API on 127.0.0.1 (host network), the URL from its data dir.
    const paused = await waitFor(
      'the container node to be PAUSED',
      async () => {
        const s = await status(a.dir);
        return s.state === 'PAUSED' ? s : null;
      },
      120_000,
    );
    const pauseMs = Date.now() - breachAt;
    await waitFor(
      'the sentinel in the mounted data dir',
      async () => existsSync(join(a.dir, 'PAUSED')),
      30_000,
    );
    // Inside the container: the image's HEALTHCHECK command.
    const inside = await must(
      'pausenet status in the container',
      docker(['exec', container, 'pausenet', 'status', '--data-dir', '/var/lib/pausenet', '--json']),
    );
    const insideState = JSON.parse(inside.stdout).state;
    if (insideState !== 'PAUSED') throw new Error(`pausenet status in the container says ${insideState}`);
    const owner = (
      await must('stat', run('stat', ['-c', '%u:%g %a', join(a.dir, 'pausenet.db')]))
    ).stdout.trim();

    const result = {
      ok: true,
      image,
      height: paused.height,
      state: paused.state,
      dkgMs,
      breachToContainerPausedMs: pauseMs,
      sentinel: join(a.dir, 'PAUSED'),
      dataDirOwner: owner,
      totalMs: Date.now() - t0,
    };
    log(
      `lab-a (container) PAUSED at height ${paused.height}, ${pauseMs} ms after the breach; sentinel present; pausenet.db owned by ${owner}`,
    );
    if (JSON_OUT) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write('devnet-check: OK\n');
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    const logs = await docker(['logs', '--tail', '20', container]).catch(() => null);
    await docker(['rm', '-f', container]).catch(() => null);
    for (const n of hostNodes) n.child.kill('SIGTERM');
    await Promise.all(
      hostNodes.map((n) => new Promise((r) => (n.child.exitCode !== null ? r() : n.child.on('exit', r)))),
    );
    if (failed) {
      if (logs) process.stderr.write(`container log tail:\n${logs.stdout}${logs.stderr}\n`);
      for (const n of hostNodes) process.stderr.write(`${n.id} log tail:\n${n.err().slice(-3000)}\n`);
    }
    if (KEEP) log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`devnet-check: FAILED: ${err.message}\n`);
  process.exitCode = 1;
});
