import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileHookConfig } from '../config.js';
import { throwIfAborted } from '../deadline.js';
import { fsyncDir, writeFileAtomic } from '../fs-atomic.js';
import { type HookAction, type HookAdapter, type HookContext, HookError } from '../types.js';

const UNDO_KEY = 'file:undo';
/** Undo record of the REDUCED sentinel (`reducedPath`), the bottom layer; `file:undo` is the PAUSED one. */
const REDUCED_UNDO_KEY = 'file:undo-reduced';
const MAX_PREVIOUS = 1024 * 1024;

/** Undo record written before the sentinel is touched: what was at `path` before the first halt. */
interface FileUndo {
  path: string;
  previous: string | null;
}

/**
 * Atomic sentinel file: halt writes the certificate JSON to `path` (temp + fsync + rename); resume restores
 * what was there before the halt (normally: nothing). Job launchers check for the file before starting work.
 * With `reducedPath`, the REDUCED level has its own sentinel beneath the PAUSED one (docs/hooks.md "Levels"):
 * reduce writes it and undoes the PAUSED sentinel, halt writes both, resume undoes both (PAUSED first).
 * Without it, reduce acts as halt.
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
    const { path, reducedPath } = this.config;
    let at = path; // the sentinel being worked on, for the error message
    const place = (p: string, key: string) => {
      at = p;
      return this.halt(ctx, p, key);
    };
    const undo = (p: string | undefined, key: string) => {
      at = p ?? path;
      return this.resume(ctx, key);
    };
    try {
      if (action === 'resume') {
        await undo(path, UNDO_KEY);
        await undo(reducedPath, REDUCED_UNDO_KEY);
      } else if (action === 'reduce' && reducedPath !== undefined) {
        await place(reducedPath, REDUCED_UNDO_KEY);
        await undo(path, UNDO_KEY);
      } else {
        if (reducedPath !== undefined) await place(reducedPath, REDUCED_UNDO_KEY);
        await place(path, UNDO_KEY);
      }
    } catch (e) {
      if (e instanceof HookError) throw e;
      const err = e as NodeJS.ErrnoException;
      const code = err.code === 'EACCES' || err.code === 'EPERM' ? 'PERMISSION' : 'IO';
      throw new HookError(code, `${this.name}: ${action} sentinel ${at}: ${err.code ?? err.message}`, {
        hook: this.name,
        cause: e,
        details: { path: at, errno: err.code },
      });
    }
  }

  private async current(path: string): Promise<string | null> {
    try {
      const text = await readFile(path, 'utf8');
      if (text.length > MAX_PREVIOUS) {
        throw new HookError('IO', `${this.name}: ${path} is larger than 1 MiB; not a sentinel?`, {
          hook: this.name,
        });
      }
      return text;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  private async halt(ctx: HookContext, path: string, key: string): Promise<void> {
    const undo = (await ctx.state.get(key)) as FileUndo | undefined;
    const now = await this.current(path);
    if (undo === undefined || undo.path !== path) {
      // Record what we are about to replace before replacing it (survives a crash in between).
      await ctx.state.set(key, { path, previous: now } satisfies FileUndo);
    }
    if (now === ctx.certificateJson) return;
    await writeFileAtomic(path, ctx.certificateJson, this.config.mode);
  }

  private async resume(ctx: HookContext, key: string): Promise<void> {
    const undo = (await ctx.state.get(key)) as FileUndo | undefined;
    if (undo === undefined) return; // nothing of ours to undo
    if (undo.previous === null) {
      await rm(undo.path, { force: true });
      await fsyncDir(dirname(undo.path));
    } else if ((await this.current(undo.path)) !== undo.previous) {
      await writeFileAtomic(undo.path, undo.previous, this.config.mode);
    }
    await ctx.state.delete(key);
  }
}
