import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHook } from '../src/adapters/file.js';
import { complianceContext, runHookCompliance } from '../src/compliance.js';
import { fileHookConfigSchema } from '../src/config.js';
import { MemoryHookStateStore } from '../src/store/json-file.js';
import { HookError } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

const hookAt = (path: string) =>
  new FileHook(fileHookConfigSchema.parse({ type: 'file', name: 'sentinel', path }));

runHookCompliance(
  'file (real file system)',
  async () => {
    const { dir, remove } = await tempDir();
    const sentinelDir = join(dir, 'run');
    await mkdir(sentinelDir);
    const path = join(sentinelDir, 'PAUSED');
    return {
      createAdapter: () => hookAt(path),
      observe: async () => ({
        content: await readFile(path, 'utf8').catch(() => null),
        stray: (await readdir(sentinelDir)).filter((f) => f !== 'PAUSED'),
      }),
      // The sentinel's directory becomes a regular file: every write fails with ENOTDIR (works even as root).
      breakIt: async () => {
        await rm(sentinelDir, { recursive: true });
        await writeFile(sentinelDir, 'not a directory');
      },
      repair: async () => {
        await rm(sentinelDir, { force: true });
        await mkdir(sentinelDir);
      },
      // A restart of the service that owns the directory (systemd RuntimeDirectory=) deletes the sentinel.
      undoOutOfBand: () => rm(path, { force: true }),
      cleanup: remove,
    };
  },
  { failureCodes: ['IO'] },
);

describe('file hook', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await tempDir());
  });
  afterEach(() => remove());

  it('halt writes the certificate JSON with the configured mode; resume removes it', async () => {
    const path = join(dir, 'PAUSED');
    const h = new FileHook(fileHookConfigSchema.parse({ type: 'file', name: 's', path, mode: 0o640 }));
    const state = new MemoryHookStateStore();
    const ctx = complianceContext('halt', state);
    await h.apply('halt', ctx);
    expect(await readFile(path, 'utf8')).toBe(ctx.certificateJson);
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    await h.apply('resume', complianceContext('resume', state));
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a sentinel that existed before the halt (e.g. placed by an operator) is restored on resume, not deleted', async () => {
    const path = join(dir, 'PAUSED');
    await writeFile(path, 'manual maintenance\n');
    const h = hookAt(path);
    const state = new MemoryHookStateStore();
    await h.apply('halt', complianceContext('halt', state));
    expect(await readFile(path, 'utf8')).not.toBe('manual maintenance\n');
    await h.apply('resume', complianceContext('resume', state));
    expect(await readFile(path, 'utf8')).toBe('manual maintenance\n');
  });

  it('a missing parent directory is HookError IO naming the path', async () => {
    const path = join(dir, 'missing', 'PAUSED');
    const err = await hookAt(path)
      .apply('halt', complianceContext('halt', new MemoryHookStateStore()))
      .catch((e) => e);
    expect(err).toBeInstanceOf(HookError);
    expect(err.code).toBe('IO');
    expect(err.message).toContain(path);
  });
});
