import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecHook } from '../src/adapters/exec.js';
import { complianceContext, runHookCompliance } from '../src/compliance.js';
import { execHookConfigSchema } from '../src/config.js';
import { BASE_ENV_ALLOW } from '../src/env.js';
import { MemoryHookStateStore } from '../src/store/json-file.js';
import { HookError } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

const SCRIPT = `#!/bin/sh
set -e
if [ -e "$DIR/broken" ]; then echo "simulated failure: $DIR/broken exists" >&2; exit 3; fi
case "$PAUSENET_ACTION" in
  halt) cat > "$DIR/marker.tmp"; mv "$DIR/marker.tmp" "$DIR/marker" ;;
  resume) rm -f "$DIR/marker" ;;
  *) echo "unknown action" >&2; exit 2 ;;
esac
`;

async function scriptHook(dir: string, body: string, extra: Record<string, unknown> = {}) {
  const path = join(dir, 'hook.sh');
  await writeFile(path, body);
  await chmod(path, 0o755);
  return new ExecHook(
    execHookConfigSchema.parse({
      type: 'exec',
      name: 'exec-test',
      command: path,
      env: { DIR: dir },
      ...extra,
    }),
  );
}

runHookCompliance('exec (real child process)', async () => {
  const { dir, remove } = await tempDir();
  return {
    createAdapter: () => scriptHook(dir, SCRIPT),
    observe: async () => readFile(join(dir, 'marker'), 'utf8').catch(() => null),
    breakIt: () => writeFile(join(dir, 'broken'), ''),
    repair: () => rm(join(dir, 'broken'), { force: true }),
    undoOutOfBand: () => rm(join(dir, 'marker'), { force: true }),
    cleanup: remove,
  };
});

describe('exec hook', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await tempDir());
  });
  afterEach(() => remove());

  it('passes the certificate JSON on stdin and PAUSENET_* env vars', async () => {
    const hook = await scriptHook(
      dir,
      `#!/bin/sh\ncat > "$DIR/stdin"\nenv | grep ^PAUSENET_ | sort > "$DIR/env"\n`,
    );
    const ctx = complianceContext('halt', new MemoryHookStateStore());
    await hook.apply('halt', ctx);
    expect(await readFile(join(dir, 'stdin'), 'utf8')).toBe(ctx.certificateJson);
    expect((await readFile(join(dir, 'env'), 'utf8')).trim().split('\n')).toEqual([
      'PAUSENET_ACTION=halt',
      `PAUSENET_CERT_HASH=${ctx.certificateHash}`,
      'PAUSENET_HEIGHT=1',
      'PAUSENET_HOOK_NAME=exec-test',
      'PAUSENET_LEVEL=PAUSED',
      'PAUSENET_LIMITS={}',
      `PAUSENET_NETWORK_ID=${ctx.networkId}`,
      'PAUSENET_STATE=PAUSED',
    ]);
  });

  it('the child gets a minimal, allow-listed environment: no passphrase or other node secrets, only envPassthrough names added', async () => {
    const saved = { ...process.env };
    process.env.PAUSENET_PASSPHRASE = 'hunter2-hunter2';
    process.env.AWS_SECRET_ACCESS_KEY = 'not-for-hooks';
    process.env.KUBECONFIG = '/etc/kube/config';
    try {
      const hook = await scriptHook(dir, '#!/bin/sh\nenv > "$DIR/env"\n', { envPassthrough: ['KUBECONFIG'] });
      await hook.apply('halt', complianceContext('halt', new MemoryHookStateStore()));
      const env = Object.fromEntries(
        (await readFile(join(dir, 'env'), 'utf8'))
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      expect(env.PAUSENET_PASSPHRASE).toBeUndefined();
      expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
      expect(env.KUBECONFIG).toBe('/etc/kube/config');
      expect(env.PATH).toBe(process.env.PATH);
      expect(env.DIR).toBe(dir);
      expect(env.PAUSENET_ACTION).toBe('halt');
      const allowed = new Set([...BASE_ENV_ALLOW, 'KUBECONFIG', 'DIR', 'PWD', 'SHLVL', '_', 'OLDPWD']);
      const extra = Object.keys(env).filter((k) => !allowed.has(k) && !k.startsWith('PAUSENET_'));
      expect(extra).toEqual([]);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    }
  });

  it('non-zero exit is HookError EXIT_CODE carrying the stderr tail', async () => {
    const hook = await scriptHook(dir, '#!/bin/sh\necho "scontrol: permission denied" >&2\nexit 7\n');
    const err = await hook
      .apply('halt', complianceContext('halt', new MemoryHookStateStore()))
      .catch((e) => e);
    expect(err).toBeInstanceOf(HookError);
    expect(err.code).toBe('EXIT_CODE');
    expect(err.details.exitCode).toBe(7);
    expect(err.message).toContain('exited with code 7: scontrol: permission denied');
  });

  it('timeout kills the whole process group and is HookError TIMEOUT', async () => {
    const hook = await scriptHook(dir, '#!/bin/sh\nsleep 30 &\necho $! > "$DIR/child.pid"\nwait\n', {
      timeoutMs: 300,
      killGraceMs: 200,
    });
    const t0 = Date.now();
    const err = await hook
      .apply('halt', complianceContext('halt', new MemoryHookStateStore()))
      .catch((e) => e);
    expect(err).toBeInstanceOf(HookError);
    expect(err.code).toBe('TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(5_000);
    const childPid = Number(await readFile(join(dir, 'child.pid'), 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    // The background `sleep` is gone too (dead, or a zombie waiting for a reaper that is not ours).
    const stat = await readFile(`/proc/${childPid}/stat`, 'utf8').catch(() => null);
    expect(stat === null || stat.split(') ')[1]?.startsWith('Z')).toBe(true);
  });

  it('a missing command is HookError SPAWN naming it', async () => {
    const hook = new ExecHook(
      execHookConfigSchema.parse({ type: 'exec', name: 'missing', command: join(dir, 'no-such-binary') }),
    );
    const err = await hook
      .apply('halt', complianceContext('halt', new MemoryHookStateStore()))
      .catch((e) => e);
    expect(err).toBeInstanceOf(HookError);
    expect(err.code).toBe('SPAWN');
    expect(err.message).toContain('no-such-binary');
  });

  it('a command that ignores stdin still succeeds', async () => {
    const hook = await scriptHook(dir, '#!/bin/sh\nexit 0\n');
    await expect(
      hook.apply('resume', complianceContext('resume', new MemoryHookStateStore())),
    ).resolves.toBeUndefined();
  });
});
