import { spawn } from 'node:child_process';
import { copyFile, lstat, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunResult, runToEnd } from '@pausenet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startedApi, TempDirs } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const tmp = new TempDirs();
afterAll(() => tmp.cleanup());
const PASS = { PAUSENET_PASSPHRASE: 'correct horse battery' };

// Test and build tooling: none of it may be installed with the CLI.
const DEV_ONLY = [
  'vitest',
  'vite',
  'typescript',
  '@biomejs/biome',
  'playwright-core',
  'fast-check',
  'axe-core',
];

/** Run a command to completion (stdin closed) in the repository root unless `cwd` says otherwise. */
function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return runToEnd(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    timeoutMs: opts.timeoutMs,
  });
}

/** Every package name installed under `dir` (nested node_modules included). */
async function installedPackages(dir: string, out = new Set<string>()): Promise<Set<string>> {
  const nm = join(dir, 'node_modules');
  let entries: string[];
  try {
    entries = await readdir(nm);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.startsWith('.')) continue;
    const names = e.startsWith('@') ? (await readdir(join(nm, e))).map((s) => `${e}/${s}`) : [e];
    for (const name of names) {
      out.add(name);
      await installedPackages(join(nm, name), out);
    }
  }
  return out;
}

// Should better-sqlite3 fall back to compiling (a version other than the workspace's resolved), that takes
// minutes on a loaded machine: the install and the rebuild get generous limits (not performance checks).
const COMPILE_MS = 1_200_000;

const SQLITE_DIR = join(ROOT, 'node_modules', 'better-sqlite3');
const SQLITE_ADDON = join('build', 'Release', 'better_sqlite3.node');

/**
 * The addon the workspace already built (`npm ci`), packed as the prebuilt binary better-sqlite3's install
 * script (prebuild-install) looks for, so that installing the packed CLI, and the printed `npm rebuild` fix,
 * reuse it instead of compiling SQLite twice (4-7 minutes on a loaded 2-core machine). prebuild-install takes
 * it from the directory in `npm_config_better_sqlite3_local_prebuilds` (its "local prebuilds" option, the
 * same file name as a download) and loads it before accepting it; for any other version it downloads or
 * compiles as usual.
 */
async function localPrebuild(dir: string): Promise<NodeJS.ProcessEnv> {
  const { version } = JSON.parse(await readFile(join(SQLITE_DIR, 'package.json'), 'utf8')) as {
    version: string;
  };
  const header = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  const libc = process.platform === 'linux' && !header.header?.glibcVersionRuntime ? 'musl' : '';
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`;
  const tar = await sh('tar', ['-czf', join(dir, name), '-C', SQLITE_DIR, SQLITE_ADDON]);
  expect(tar.code, tar.stderr).toBe(0);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

describe('packed CLI: npm pack, then npm install -g into a temp prefix', {
  timeout: COMPILE_MS + 120_000,
}, () => {
  let dir: string;
  let bin: string;
  let pkgDir: string;
  let prebuilds: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await tmp.make('pausenet-install-test-');
    const pack = await sh(process.execPath, ['scripts/package/pack-cli.mjs', '--out', join(dir, 'pack')]);
    expect(pack.code, pack.stderr).toBe(0);
    const tarball = pack.stdout.trim().split('\n').at(-1)!;
    expect(tarball).toMatch(/pausenet-cli-\d+\.\d+\.\d+\.tgz$/);
    // From the tarball and the npm cache that `npm ci` filled (the registry only for what is missing).
    // better-sqlite3's install script runs, and takes the workspace's build for the running Node.js.
    prebuilds = await localPrebuild(await tmp.make('pausenet-prebuilds-'));
    const prefix = join(dir, 'prefix');
    const install = await sh(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--allow-scripts=better-sqlite3',
        '--no-audit',
        '--no-fund',
        tarball,
      ],
      { cwd: dir, env: prebuilds, timeoutMs: COMPILE_MS },
    );
    expect(install.code, `${install.stdout}\n${install.stderr}`).toBe(0);
    bin = join(prefix, 'bin', 'pausenet');
    pkgDir = join(prefix, 'lib', 'node_modules', '@pausenet', 'cli');
  }, COMPILE_MS + 60_000);

  it('the global `pausenet` runs: --help and --version', async () => {
    const [help, version] = await Promise.all([sh(bin, ['--help'], { cwd: dir }), sh(bin, ['--version'])]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pausenet \[options\] \[command\]/);
    expect(help.stdout).toMatch(/devnet/);
    const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('installs runtime dependencies only: no test or build tooling anywhere in the tree', async () => {
    const installed = await installedPackages(pkgDir);
    for (const name of [
      '@pausenet/node',
      '@pausenet/hooks',
      '@pausenet/dashboard',
      'better-sqlite3',
      'libp2p',
    ])
      expect(installed.has(name), name).toBe(true);
    expect(DEV_ONLY.filter((n) => installed.has(n))).toEqual([]);
    expect([...installed].filter((n) => n.startsWith('@types/') || n.startsWith('@vitest/'))).toEqual([]);
  });

  it('runs a whole devnet (DKG, SQLite, libp2p, hooks), and its node finds the bundled dashboard', async () => {
    const r = await sh(bin, ['devnet', '--labs', '2', '--observers', '1', '--json'], {
      cwd: dir,
      timeoutMs: 240_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ok: boolean; finalState: string };
    expect(result.ok).toBe(true);
    expect(result.finalState).toBe('RUNNING');
    const staticJs = join(pkgDir, 'node_modules', '@pausenet', 'node', 'dist', 'api', 'static.js');
    const found = await sh(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(staticJs)}); console.log(JSON.stringify(await m.findDashboard()));`,
    ]);
    expect(found.code, found.stderr).toBe(0);
    const dash = JSON.parse(found.stdout) as { dir: string } | null;
    expect(dash?.dir).toBe(join(pkgDir, 'node_modules', '@pausenet', 'dashboard', 'dist'));
  });

  it('a native module built for another Node.js: exit 9 naming the module, both Node.js versions and the fix; the fix works', async () => {
    // init and genesis never load SQLite; start does.
    const init = await sh(bin, ['init', '--data-dir', join(dir, 'lab-a'), '--lab', 'lab-a', '--index', '1'], {
      env: PASS,
    });
    expect(init.code, init.stderr).toBe(0);
    await writeFile(join(dir, 'a.yaml'), init.stdout);
    const genesis = await sh(bin, [
      'genesis',
      'create',
      '--name',
      'install-test',
      '--member',
      join(dir, 'a.yaml'),
      '--out',
      join(dir, 'genesis.yaml'),
    ]);
    expect(genesis.code, genesis.stderr).toBe(0);
    const config = join(dir, 'observer.json');
    const dataDir = join(dir, 'observer');
    await writeFile(
      config,
      JSON.stringify({ role: 'observer', dataDir, genesisFile: join(dir, 'genesis.yaml'), logLevel: 'warn' }),
    );

    // Swap in an addon registered for another Node.js ABI (Node 24's, or Node 22's when this is 24).
    const otherAbi = process.versions.modules === '137' ? '127' : '137';
    const otherNode = otherAbi === '137' ? '24' : '22';
    const fake = join(dir, 'other-abi.node');
    const cc = await sh('cc', [
      '-shared',
      '-fPIC',
      `-DABI=${otherAbi}`,
      '-o',
      fake,
      fileURLToPath(new URL('./fixtures/other-abi-addon.c', import.meta.url)),
    ]);
    expect(cc.code, cc.stderr).toBe(0);
    const addon = join(pkgDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    await copyFile(fake, addon);

    const broken = await sh(bin, ['start', '--config', config], { cwd: dir });
    expect(broken.code, broken.stderr).toBe(9);
    expect(broken.stderr).toContain(
      `native module better-sqlite3 was built for Node.js ${otherNode} (NODE_MODULE_VERSION ${otherAbi}), ` +
        `but this is Node.js ${process.version} (NODE_MODULE_VERSION ${process.versions.modules})`,
    );
    const fix = `cd ${pkgDir} && npm rebuild better-sqlite3`;
    expect(broken.stderr).toContain(fix);
    expect(broken.stderr).not.toMatch(/looks like a bug/);

    // The printed fix, as printed (its install script takes the prebuilt addon, as it would download one).
    const rebuilt = await sh('sh', ['-c', fix], { env: prebuilds, timeoutMs: COMPILE_MS });
    expect(rebuilt.code, `${rebuilt.stdout}\n${rebuilt.stderr}`).toBe(0);
    const node = spawn(bin, ['start', '--config', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    node.stdout.on('data', (d) => {
      out += d;
    });
    node.stderr.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((r) => node.on('exit', (code) => r(code)));
    const deadline = Date.now() + 60_000;
    let api: string | undefined;
    while (!api) {
      api = startedApi(out);
      if (node.exitCode !== null || Date.now() > deadline) throw new Error(`node did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The API answering means the event loop turned after "started": the SIGTERM handler is in place.
    expect((await fetch(`${api}/v1/status`)).ok).toBe(true);
    node.kill('SIGTERM');
    expect(await exited, out).toBe(0);
  });
});

describe('npx pausenet in the repository (after npm ci)', { timeout: 120_000 }, () => {
  it('npm ci links the checked-in bin, and `npx pausenet --help` runs', async () => {
    const link = join(ROOT, 'node_modules', '.bin', 'pausenet');
    expect(await readlink(link)).toBe('../@pausenet/cli/bin/pausenet.js');
    expect((await lstat(join(ROOT, 'packages', 'cli', 'bin', 'pausenet.js'))).mode & 0o111).toBe(0o111);
    const r = await sh('npx', ['--no-install', 'pausenet', '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pausenet \[options\] \[command\]/);
  });
});
