import { spawn } from 'node:child_process';
import { access, chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecHook } from '../src/adapters/exec.js';
import { execHookConfigSchema } from '../src/config.js';
import { HookRunner } from '../src/runner.js';
import { JsonFileHookStore } from '../src/store/json-file.js';
import type { HookCertificate } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

// The runner process imports the built package (npm test builds with `tsc -b` first).
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const CERT: HookCertificate = {
  networkId: '22'.repeat(32),
  height: 1,
  target: 'PAUSED',
  certificateHash: '33'.repeat(32),
  certificateJson: '{"height":1}',
};

// First run: announces itself, then hangs (the node gets SIGKILLed meanwhile). Later runs complete.
const HOOK = `#!/bin/sh
if [ ! -e "$DIR/first-run" ]; then echo $$ > "$DIR/first-run"; exec sleep 30; fi
echo "$PAUSENET_ACTION $PAUSENET_HEIGHT" >> "$DIR/ran.log"
`;

const RUNNER = (dir: string, hookPath: string) => `
import { ExecHook, HookRunner, JsonFileHookStore, execHookConfigSchema } from ${JSON.stringify(DIST)};
const store = new JsonFileHookStore(${JSON.stringify(join(dir, 'hooks.json'))});
const hook = new ExecHook(execHookConfigSchema.parse({ type: 'exec', name: 'stop-jobs', command: ${JSON.stringify(hookPath)}, env: { DIR: ${JSON.stringify(dir)} } }));
const runner = new HookRunner({ hooks: [hook], journal: store.journal, stateFor: (n) => store.stateFor(n) });
await runner.runFor(${JSON.stringify(CERT)});
`;

/** The positive integer pid written to `path`, once the whole line is there. */
async function readPid(path: string, timeoutMs: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => '');
    const pid = Number(text.trim());
    if (text.endsWith('\n') && Number.isInteger(pid) && pid > 1) return pid;
    if (Date.now() > end)
      throw new Error(`timed out waiting for a pid in ${path} (got ${JSON.stringify(text)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hook journal across a real crash', () => {
  let dir: string;
  let remove: () => Promise<void>;
  const pids: number[] = [];
  beforeEach(async () => {
    ({ dir, remove } = await tempDir());
  });
  afterEach(async () => {
    for (const pid of pids.splice(0)) {
      if (!Number.isInteger(pid) || pid <= 1) continue; // never kill(0) / kill(-1)
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await remove();
  });

  it('a node SIGKILLed while a hook runs re-runs it after restart (resumeUnfinished), and it completes once', async () => {
    await access(DIST);
    const hookPath = join(dir, 'hook.sh');
    await writeFile(hookPath, HOOK);
    await chmod(hookPath, 0o755);
    await writeFile(join(dir, 'runner.mjs'), RUNNER(dir, hookPath));
    const node = spawn(process.execPath, [join(dir, 'runner.mjs')], { stdio: 'ignore' });
    const exited = new Promise((r) => node.once('exit', r));
    // The shell creates the file before it writes the pid: wait for a whole pid. (An empty read once gave
    // pid 0, and kill(-0) is kill(0): SIGKILL to the test runner's own process group, CI included.)
    const hungHook = await readPid(join(dir, 'first-run'), 10_000);
    pids.push(hungHook); // the orphaned hook's process group, killed in afterEach
    node.kill('SIGKILL');
    await exited;

    const store = new JsonFileHookStore(join(dir, 'hooks.json'));
    expect(await store.journal.get(CERT.certificateHash, 'stop-jobs')).toMatchObject({
      status: 'pending',
      attempts: 1,
    });
    const hook = new ExecHook(
      execHookConfigSchema.parse({ type: 'exec', name: 'stop-jobs', command: hookPath, env: { DIR: dir } }),
    );
    const runner = new HookRunner({
      hooks: [hook],
      journal: store.journal,
      stateFor: (n) => store.stateFor(n),
      loadCertificate: async (h) => (h === CERT.certificateHash ? CERT : undefined),
    });
    const results = await runner.resumeUnfinished();
    await runner.stop();
    expect(results.map((r) => [r.status, r.attempts])).toEqual([['ok', 2]]);
    expect((await readFile(join(dir, 'ran.log'), 'utf8')).trim().split('\n')).toEqual(['halt 1']);
  });
});
