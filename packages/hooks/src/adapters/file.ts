import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileHookConfig } from '../config.js';
import { throwIfAborted } from '../deadline.js';
import { fsyncDir, writeFileAtomic } from '../fs-atomic.js';
import { type HookAction, type HookAdapter, type HookContext, HookError } from '../types.js';

const UNDO_KEY = 'file:undo';
const MAX_PREVIOUS = 1024 * 1024;

/** Undo record written before the sentinel is touched: what was at `path` before the first halt. */
interface FileUndo {
  path: string;
  previous: string | null;
}

/**
 * Atomic sentinel file: halt writes the certificate JSON to `path` (temp + fsync + rename); resume restores
 * what was there before the halt (normally: nothing). Job launchers check for the file before starting work.
 */
export class FileHook implements HookAdapter {
  readonly type = 'file';
  readonly name: string;
  private readonly config: FileHookConfig;

  constructor(config: FileHookConfig) {
    this.config = config;
    this.name = config.name;
  }

  /** Writes (halt) or removes/restores (resume) the sentinel; idempotent. */
  async apply(action: HookAction, ctx: HookContext, opts: { signal?: AbortSignal } = {}): Promise<void> {
    throwIfAborted(this.name, opts.signal);
    try {
      if (action === 'halt') await this.halt(ctx);
      else await this.resume(ctx);
    } catch (e) {
      if (e instanceof HookError) throw e;
      const err = e as NodeJS.ErrnoException;
      const code = err.code === 'EACCES' || err.code === 'EPERM' ? 'PERMISSION' : 'IO';
      throw new HookError(
        code,
        `${this.name}: ${action} sentinel ${this.config.path}: ${err.code ?? err.message}`,
        {
          hook: this.name,
          cause: e,
          details: { path: this.config.path, errno: err.code },
        },
      );
    }
  }

  private async current(): Promise<string | null> {
    try {
      const text = await readFile(this.config.path, 'utf8');
      if (text.length > MAX_PREVIOUS) {
        throw new HookError('IO', `${this.name}: ${this.config.path} is larger than 1 MiB; not a sentinel?`, {
          hook: this.name,
        });
      }
      return text;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  private async halt(ctx: HookContext): Promise<void> {
    const path = this.config.path;
    const undo = (await ctx.state.get(UNDO_KEY)) as FileUndo | undefined;
    const now = await this.current();
    if (undo === undefined || undo.path !== path) {
      // Record what we are about to replace before replacing it (survives a crash in between).
      await ctx.state.set(UNDO_KEY, { path, previous: now } satisfies FileUndo);
    }
    if (now === ctx.certificateJson) return;
    await writeFileAtomic(path, ctx.certificateJson, this.config.mode);
  }

  private async resume(ctx: HookContext): Promise<void> {
    const undo = (await ctx.state.get(UNDO_KEY)) as FileUndo | undefined;
    if (undo === undefined) return; // nothing of ours to undo
    if (undo.previous === null) {
      await rm(undo.path, { force: true });
      await fsyncDir(dirname(undo.path));
    } else if ((await this.current()) !== undo.previous) {
      await writeFileAtomic(undo.path, undo.previous, this.config.mode);
    }
    await ctx.state.delete(UNDO_KEY);
  }
}
