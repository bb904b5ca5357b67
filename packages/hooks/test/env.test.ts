import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BASE_ENV_ALLOW, childEnv } from '../src/env.js';
import { createExecFileRunner } from '../src/slurm/runner.js';
import { tempDir } from './helpers/tmp.js';

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('hook child environment', () => {
  it('childEnv: base allow-list, explicit passthrough, prefixes, then set values; nothing else', () => {
    const from = {
      PATH: '/usr/bin',
      HOME: '/home/x',
      PAUSENET_PASSPHRASE: 'secret-secret',
      KUBECONFIG: '/k',
      SLURM_CONF: '/etc/slurm.conf',
      OTHER: 'o',
    };
    expect(childEnv({ from })).toEqual({ PATH: '/usr/bin', HOME: '/home/x' });
    expect(childEnv({ from, passthrough: ['KUBECONFIG'], prefixes: ['SLURM_'], set: { A: '1' } })).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/x',
      KUBECONFIG: '/k',
      SLURM_CONF: '/etc/slurm.conf',
      A: '1',
    });
    expect(BASE_ENV_ALLOW).not.toContain('PAUSENET_PASSPHRASE');
  });

  describe('Slurm command runner (a stand-in scontrol script in binDir that dumps its environment)', () => {
    let dir: string;
    let remove: () => Promise<void>;
    const saved = { ...process.env };
    beforeEach(async () => {
      ({ dir, remove } = await tempDir());
    });
    afterEach(async () => {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      await remove();
    });

    it('scontrol never sees the keystore passphrase; SLURM_* and the base allow-list pass', async () => {
      process.env.PAUSENET_PASSPHRASE = 'hunter2-hunter2';
      process.env.SLURM_CONF = '/etc/slurm/slurm.conf';
      const out = join(dir, 'env.txt');
      await writeFile(join(dir, 'scontrol'), `#!/bin/sh\nenv > "${out}"\n`);
      await chmod(join(dir, 'scontrol'), 0o755);
      const run = createExecFileRunner({ binDir: dir });
      await run('scontrol', ['show', 'config'], { timeoutMs: 10_000 });
      const env = parseEnv(await readFile(out, 'utf8'));
      expect(env.PAUSENET_PASSPHRASE).toBeUndefined();
      expect(env.SLURM_CONF).toBe('/etc/slurm/slurm.conf');
      expect(env.TZ).toBe('UTC');
      expect(env.PATH).toBe(process.env.PATH);
    });
  });
});
