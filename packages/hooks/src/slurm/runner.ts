import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { childEnv } from '../env.js';

/** Why a Slurm command failed; the codes are a subset of HookErrorCode so the adapter maps 1:1. */
export type SlurmCommandErrorCode =
  | 'NOT_FOUND' // binary missing (ENOENT), or Slurm says the job/partition does not exist
  | 'PERMISSION' // EACCES, or Slurm refused (not root / SlurmUser / operator)
  | 'NETWORK' // slurmctld unreachable
  | 'TIMEOUT'
  | 'ABORTED'
  | 'EXIT_CODE' // any other non-zero exit
  | 'SPAWN'; // could not start for another reason

/** Typed failure of one Slurm client command. */
export class SlurmCommandError extends Error {
  readonly code: SlurmCommandErrorCode;
  readonly command: string;
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(
    code: SlurmCommandErrorCode,
    message: string,
    opts: { command: string; exitCode?: number | null; stderr?: string; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SlurmCommandError';
    this.code = code;
    this.command = opts.command;
    this.exitCode = opts.exitCode ?? null;
    this.stderr = opts.stderr ?? '';
  }
}

/** Runs one Slurm client command; resolves with its output, rejects with {@link SlurmCommandError}. */
export type SlurmCommandRunner = (
  command: 'scontrol' | 'squeue' | 'scancel' | 'sacct' | 'sacctmgr',
  args: readonly string[],
  opts: { signal?: AbortSignal; timeoutMs: number },
) => Promise<{ stdout: string; stderr: string }>;

const PERMISSION_RE =
  /access\/permission denied|permission denied|not authorized|user not authorized|invalid user|doesn't have privilege/i;
const NETWORK_RE = /unable to contact slurm controller|connection refused|connect failure|socket timed out/i;
const NOT_FOUND_RE = /invalid job id|invalid partition name|requested reservation is invalid|not found/i;

/** Classifies a non-zero exit by Slurm's stderr text. */
export function classifySlurmStderr(stderr: string): SlurmCommandErrorCode {
  if (PERMISSION_RE.test(stderr)) return 'PERMISSION';
  if (NETWORK_RE.test(stderr)) return 'NETWORK';
  if (NOT_FOUND_RE.test(stderr)) return 'NOT_FOUND';
  return 'EXIT_CODE';
}

/**
 * The real runner: `execFile` (no shell) with a timeout and the caller's AbortSignal. `binDir` pins where the
 * Slurm binaries live (default: PATH). TZ=UTC makes scontrol print timestamps the parsers read as UTC.
 */
export function createExecFileRunner(
  opts: { binDir?: string; env?: NodeJS.ProcessEnv } = {},
): SlurmCommandRunner {
  return (command, args, { signal, timeoutMs }) => {
    const file = opts.binDir === undefined ? command : join(opts.binDir, command);
    const shown = [command, ...args].join(' ');
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(
          new SlurmCommandError('ABORTED', `${shown}: cancelled`, { command: shown, cause: signal.reason }),
        );
        return;
      }
      execFile(
        file,
        [...args],
        {
          timeout: timeoutMs,
          killSignal: 'SIGKILL',
          signal,
          maxBuffer: 64 * 1024 * 1024,
          encoding: 'utf8',
          // The Slurm client's own SLURM_* settings and the base allow-list only: never node secrets.
          env: childEnv({
            prefixes: ['SLURM_'],
            set: { ...opts.env, TZ: 'UTC', SLURM_TIME_FORMAT: 'standard' },
          }),
        },
        (err, stdout, stderr) => {
          if (!err) {
            resolve({ stdout, stderr });
            return;
          }
          const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number | null };
          const tail = stderr.trim().slice(-500);
          if (e.name === 'AbortError' || signal?.aborted) {
            reject(new SlurmCommandError('ABORTED', `${shown}: cancelled`, { command: shown, cause: err }));
          } else if (e.code === 'ENOENT') {
            reject(
              new SlurmCommandError(
                'NOT_FOUND',
                `${command} not found (${opts.binDir === undefined ? 'searched PATH' : `looked in ${opts.binDir}`}): install the Slurm client tools (Debian: slurm-client) or set binDir`,
                { command: shown, cause: err },
              ),
            );
          } else if (e.code === 'EACCES') {
            reject(
              new SlurmCommandError('PERMISSION', `${file} is not executable by this user (EACCES)`, {
                command: shown,
                cause: err,
              }),
            );
          } else if (e.killed) {
            reject(
              new SlurmCommandError('TIMEOUT', `${shown}: no answer within ${timeoutMs} ms (killed)`, {
                command: shown,
                cause: err,
                stderr: tail,
              }),
            );
          } else if (typeof e.code === 'number') {
            const code = classifySlurmStderr(tail);
            const hint =
              code === 'PERMISSION' && command === 'sacctmgr'
                ? " (changing a limit needs a Slurm AdminLevel for the node's user: Operator for an account's association, Administrator for a QOS; grant it with sacctmgr, see docs/slurm.md)"
                : code === 'PERMISSION'
                  ? " (Slurm operations need root or the SlurmUser, or a Slurm AdminLevel for the node's user: Operator for jobs and reservations, Administrator to change a partition's State; grant it with sacctmgr, see docs/slurm.md)"
                  : code === 'NETWORK'
                    ? ' (is slurmctld running? `scontrol ping`)'
                    : '';
            reject(
              new SlurmCommandError(code, `${shown}: exit ${e.code}: ${tail || '(no stderr)'}${hint}`, {
                command: shown,
                exitCode: e.code,
                stderr: tail,
                cause: err,
              }),
            );
          } else {
            reject(
              new SlurmCommandError('SPAWN', `${shown}: ${e.message}`, {
                command: shown,
                cause: err,
                stderr: tail,
              }),
            );
          }
        },
      );
    });
  };
}
