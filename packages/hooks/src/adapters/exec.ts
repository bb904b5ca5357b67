import { spawn } from 'node:child_process';
import type { ExecHookConfig } from '../config.js';
import { startDeadline } from '../deadline.js';
import { childEnv } from '../env.js';
import { type HookAction, type HookAdapter, type HookContext, HookError } from '../types.js';

const STDERR_TAIL = 2048;

/**
 * Runs a command with the certificate JSON on stdin and PAUSENET_* env vars (in an allow-listed environment). The command must be idempotent;
 * exit 0 is success, anything else (or a timeout, which kills the whole process group) is a HookError.
 */
export class ExecHook implements HookAdapter {
  readonly type = 'exec';
  readonly name: string;
  private readonly config: ExecHookConfig;

  constructor(config: ExecHookConfig) {
    this.config = config;
    this.name = config.name;
  }

  /** Runs the command once for `action`. */
  async apply(action: HookAction, ctx: HookContext, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const c = this.config;
    const deadline = startDeadline(this.name, c.timeoutMs, opts.signal);
    try {
      deadline.check();
      await new Promise<void>((resolve, reject) => {
        let stderr = '';
        let settled = false;
        let killTimer: NodeJS.Timeout | undefined;
        const child = spawn(c.command, c.args, {
          cwd: c.cwd,
          // Own process group, so a timeout kills the script's children too.
          detached: true,
          stdio: ['pipe', 'ignore', 'pipe'],
          // Never the node's whole environment: it may hold secrets (docs/hooks.md "Environment").
          env: childEnv({
            passthrough: c.envPassthrough,
            set: {
              ...c.env,
              PAUSENET_ACTION: action === 'reduce' && c.onReduce === 'halt' ? 'halt' : action,
              PAUSENET_STATE: ctx.target,
              PAUSENET_LEVEL: ctx.target,
              PAUSENET_LIMITS: JSON.stringify(ctx.limits ?? {}),
              PAUSENET_HEIGHT: String(ctx.height),
              PAUSENET_CERT_HASH: ctx.certificateHash,
              PAUSENET_NETWORK_ID: ctx.networkId,
              PAUSENET_HOOK_NAME: this.name,
            },
          }),
        });
        const killGroup = (sig: NodeJS.Signals) => {
          // The leader may have exited while its children still hold the group: signal the group anyway.
          // A pid <= 1 would make this kill(0) / kill(-1): our own group / every process we may signal.
          if (child.pid === undefined || child.pid <= 1) return;
          try {
            process.kill(-child.pid, sig);
          } catch {
            // group already gone
          }
        };
        const onAbort = () => {
          killGroup('SIGTERM');
          killTimer = setTimeout(() => killGroup('SIGKILL'), c.killGraceMs);
          killTimer.unref();
        };
        const finish = (err?: HookError) => {
          if (settled) return;
          settled = true;
          deadline.signal.removeEventListener('abort', onAbort);
          if (killTimer) clearTimeout(killTimer);
          if (err) reject(err);
          else resolve();
        };
        deadline.signal.addEventListener('abort', onAbort, { once: true });
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (d: string) => {
          stderr = (stderr + d).slice(-STDERR_TAIL);
        });
        // The command may not read stdin at all: EPIPE is not an error of the hook.
        child.stdin.on('error', () => {});
        child.stdin.end(ctx.certificateJson);
        child.on('error', (e: NodeJS.ErrnoException) => {
          const code = e.code === 'EACCES' ? 'PERMISSION' : 'SPAWN';
          finish(
            new HookError(code, `${this.name}: cannot start "${c.command}": ${e.code ?? e.message}`, {
              hook: this.name,
              cause: e,
              details: { command: c.command },
            }),
          );
        });
        child.on('close', (exitCode, signal) => {
          if (deadline.signal.aborted) {
            finish(deadline.error(`"${c.command}"`));
          } else if (exitCode === 0) {
            finish();
          } else {
            const how = exitCode === null ? `was killed by ${signal}` : `exited with code ${exitCode}`;
            const tail = stderr.trim();
            finish(
              new HookError('EXIT_CODE', `${this.name}: "${c.command}" ${how}${tail ? `: ${tail}` : ''}`, {
                hook: this.name,
                details: { exitCode, signal, stderr: tail },
              }),
            );
          }
        });
      });
    } finally {
      deadline.dispose();
    }
  }
}
