/**
 * The built page the node serves at GET / (`@pausenet/dashboard`'s dashboardDir()). Tests against a real
 * node need it current: rebuild it (same Vite config as `npm run build`) when it is missing or older
 * than the sources, swapping in index.html last so a node serving the old build never sees half a build.
 */
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardDir } from '@pausenet/dashboard';
import { build } from 'vite';

const pkgDir = new URL('../..', import.meta.url).pathname;

async function newestMtime(path: string): Promise<number> {
  const st = await stat(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, e)));
  return newest;
}

async function mtimeOrZero(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}

/** Make sure dashboardDir() holds a build of the current sources; returns that dir and whether it built. */
export async function ensureDashboardDist(): Promise<{ dir: string; built: boolean }> {
  const dir = dashboardDir();
  const builtAt = await mtimeOrZero(join(dir, 'index.html'));
  const sources = ['src', 'index.html', 'vite.config.ts'].map((p) => join(pkgDir, p));
  const changedAt = Math.max(...(await Promise.all(sources.map(newestMtime))));
  if (builtAt > changedAt) return { dir, built: false };
  const tmp = await mkdtemp(join(tmpdir(), 'pausenet-dashboard-build-'));
  try {
    await build({
      configFile: join(pkgDir, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: tmp, emptyOutDir: true },
    });
    await mkdir(join(dir, 'assets'), { recursive: true });
    for (const f of await readdir(join(tmp, 'assets')))
      await copyFile(join(tmp, 'assets', f), join(dir, 'assets', f));
    await copyFile(join(tmp, 'index.html'), join(dir, 'index.html.tmp'));
    await rename(join(dir, 'index.html.tmp'), join(dir, 'index.html'));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { dir, built: true };
}
