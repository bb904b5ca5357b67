import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN, run, startedApi, TempDirs } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const UNIT = join(ROOT, 'configs', 'pausenet.service');
const tmp = new TempDirs();
afterAll(() => tmp.cleanup());
const PASS = { PAUSENET_PASSPHRASE: 'correct horse battery' };

/** Values of `key=` in the unit's [Service] section, in order (systemd merges repeated keys). */
async function unitValues(key: string): Promise<string[]> {
  const text = await readFile(UNIT, 'utf8');
  const service = text.split(/^\[Service\]$/m)[1]?.split(/^\[/m)[0] ?? '';
  return service
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1).trim());
}

interface Started {
  code: number | null;
  stderr: string;
  started: boolean;
}

/**
 * Start a node under `argv` and stop it once it reports itself started (the stdout JSON line with
 * event node.started, printed after start() resolved, listen addresses included), or report how it exited.
 */
function startNode(argv: string[]): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      const api = startedApi(stdout);
      if (!started && api) {
        started = true;
        // Once the API has answered, the event loop has turned since "started" was printed, so the
        // node's SIGTERM handler (registered right after) is in place: the stop is the graceful one.
        void fetch(`${api}/v1/status`).then(
          () => child.kill('SIGTERM'),
          () => child.kill('SIGTERM'),
        );
      }
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node neither started nor exited:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, started });
    });
  });
}

// systemd is not PID 1 on this machine, so `systemd-run -p RestrictAddressFamilies=...` cannot be
// used here: the address-family restriction is reproduced with a seccomp filter that fails socket(2)
// for unlisted families with EAFNOSUPPORT, as systemd does. The container check in CI
// (scripts/container/systemd-check.sh) runs the whole unit under a real systemd.
describe('configs/pausenet.service: RestrictAddressFamilies (emulated with seccomp: no systemd here)', {
  timeout: 180_000,
}, () => {
  let dir: string;
  let restrictAf: string;
  let config: string;

  beforeAll(async () => {
    dir = await tmp.make('pausenet-unit-test-');
    restrictAf = join(dir, 'restrict-af');
    const cc = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn('cc', [
        '-O2',
        '-o',
        restrictAf,
        fileURLToPath(new URL('./fixtures/restrict-af.c', import.meta.url)),
      ]);
      let err = '';
      c.stderr.on('data', (d) => {
        err += d;
      });
      c.on('exit', (code) => resolve({ code, err }));
    });
    expect(cc.code, cc.err).toBe(0);
    const init = await run(['init', '--data-dir', join(dir, 'lab-a'), '--lab', 'lab-a', '--index', '1'], {
      env: PASS,
    });
    expect(init.code, init.stderr).toBe(0);
    await writeFile(join(dir, 'a.yaml'), init.stdout);
    const g = await run([
      'genesis',
      'create',
      '--name',
      'unit-test',
      '--member',
      join(dir, 'a.yaml'),
      '--out',
      join(dir, 'genesis.yaml'),
    ]);
    expect(g.code, g.stderr).toBe(0);
    const dataDir = join(dir, 'observer');
    config = join(dir, 'observer.json');
    // The listen address the README and the example config recommend (any port: 0).
    await writeFile(
      config,
      JSON.stringify({
        role: 'observer',
        dataDir,
        genesisFile: join(dir, 'genesis.yaml'),
        listen: ['/ip4/0.0.0.0/tcp/0'],
        logLevel: 'warn',
      }),
    );
  });

  it("the unit's address families let a node listening on 0.0.0.0 start; without AF_NETLINK it exits 3 naming the fix", async () => {
    const [families] = await unitValues('RestrictAddressFamilies');
    expect(families).toBeDefined();
    expect(families!.startsWith('~')).toBe(false); // an allow-list
    const allowed = families!.split(/\s+/);

    const ok = await startNode([
      restrictAf,
      allowed.join(','),
      '--',
      process.execPath,
      BIN,
      'start',
      '--config',
      config,
    ]);
    expect(ok.started, ok.stderr).toBe(true);
    expect(ok.code, ok.stderr).toBe(0);

    const without = allowed.filter((f) => f !== 'AF_NETLINK');
    const refused = await startNode([
      restrictAf,
      without.join(','),
      '--',
      process.execPath,
      BIN,
      'start',
      '--config',
      config,
    ]);
    expect(refused.started).toBe(false);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/uv_interface_addresses returned Unknown system error 97/);
    expect(refused.stderr).toMatch(/allow AF_NETLINK/);
    // 3 is in RestartPreventExitStatus: systemd does not restart-loop on it.
    const [prevent] = await unitValues('RestartPreventExitStatus');
    expect(prevent!.split(/\s+/)).toEqual(expect.arrayContaining(['3', '9']));
  });

  it('the file hook sentinel survives a service stop: no RuntimeDirectory=, the example sentinel is in the StateDirectory', async () => {
    expect(await unitValues('RuntimeDirectory')).toEqual([]);
    const [state] = await unitValues('StateDirectory');
    const stateDir = `/var/lib/${state}`;
    const member = parse(await readFile(join(ROOT, 'configs', 'member.example.yaml'), 'utf8')) as {
      dataDir: string;
      hooks: { type: string; path?: string }[];
    };
    expect(member.dataDir).toBe(stateDir);
    const sentinel = member.hooks.find((h) => h.type === 'file');
    expect(sentinel?.path?.startsWith(`${stateDir}/`)).toBe(true);
    // Writable under ProtectSystem=strict, and other users can test for the file (traverse bit).
    expect(await unitValues('ReadWritePaths')).toEqual([stateDir]);
    expect(await unitValues('StateDirectoryMode')).toEqual(['0711']);
    const hooksDoc = await readFile(join(ROOT, 'docs', 'hooks.md'), 'utf8');
    expect(hooksDoc).not.toMatch(/\/run\/pausenet\/PAUSED/);
  });
});
