import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunResult, runToEnd } from '@pausenet/testkit';

/** The built CLI entry point (tests run the real binary). */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export type { RunResult } from '@pausenet/testkit';

/**
 * The API URL in the `node.started` line `pausenet start` prints on stdout (a JSON line), once printed.
 * A line still being written is skipped until it is complete.
 */
export function startedApi(text: string): string | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"')) continue;
    try {
      const o = JSON.parse(line) as { event?: unknown; api?: unknown };
      if (o.event === 'node.started' && typeof o.api === 'string') return o.api;
    } catch {
      // not complete yet
    }
  }
  return undefined;
}

/** Run `pausenet <args>` to completion. stdin is not a TTY (closed). */
export function run(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return runToEnd(process.execPath, [BIN, ...args], {
    env: { ...process.env, PAUSENET_PASSPHRASE: '', ...opts.env },
    cwd: opts.cwd,
    timeoutMs: opts.timeoutMs,
  });
}

/** A long-running `pausenet` process (start/dkg) with its output so far. */
export interface LongRunning {
  child: ChildProcess;
  out: () => string;
  waitFor: (re: RegExp, timeoutMs: number) => Promise<void>;
  exited: Promise<number | null>;
  stop: () => Promise<number | null>;
}

/** Spawn `pausenet <args>` and keep it running. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): LongRunning {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, PAUSENET_PASSPHRASE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let all = '';
  child.stdout!.on('data', (d) => {
    all += d;
  });
  child.stderr!.on('data', (d) => {
    all += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    out: () => all,
    exited,
    waitFor: async (re, timeoutMs) => {
      const end = Date.now() + timeoutMs;
      while (!re.test(all)) {
        if (child.exitCode !== null)
          throw new Error(`process exited (${child.exitCode}) before ${re}:\n${all}`);
        if (Date.now() > end) throw new Error(`timeout waiting for ${re}:\n${all}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Temp dirs removed by `cleanup()` (call it in afterAll). */
export class TempDirs {
  private readonly dirs: string[] = [];
  async make(prefix = 'pausenet-cli-test-'): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }
  async cleanup(): Promise<void> {
    await Promise.all(this.dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}
