import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fs-atomic.js';
import type { HookJournal, HookJournalEntry, HookStateStore } from '../types.js';

interface FileShape {
  version: 1;
  journal: HookJournalEntry[];
  state: Record<string, Record<string, unknown>>;
}

/**
 * Hook journal + per-hook state in one JSON file, rewritten atomically on every change.
 * For tests and small deployments; the node uses SQLite implementations of the same interfaces.
 */
export class JsonFileHookStore {
  readonly path: string;
  private data: FileShape | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  /** The journal view of this file. */
  readonly journal: HookJournal = {
    get: (hash, hook) =>
      this.read((d) => d.journal.find((e) => e.certificateHash === hash && e.hookName === hook)),
    put: (entry) =>
      this.write((d) => {
        const i = d.journal.findIndex(
          (e) => e.certificateHash === entry.certificateHash && e.hookName === entry.hookName,
        );
        if (i >= 0) d.journal[i] = { ...entry };
        else d.journal.push({ ...entry });
      }),
    listUnfinished: () => this.read((d) => d.journal.filter((e) => e.status !== 'ok').map((e) => ({ ...e }))),
    list: (opts) =>
      this.read((d) => {
        const all = [...d.journal].sort((a, b) => b.height - a.height || b.updatedAt - a.updatedAt);
        return (opts?.limit === undefined ? all : all.slice(0, opts.limit)).map((e) => ({ ...e }));
      }),
  };

  /** The state store of one hook (keys are namespaced by hook name). */
  stateFor(hookName: string): HookStateStore {
    const ns = (d: FileShape): Record<string, unknown> => {
      d.state[hookName] ??= {};
      return d.state[hookName];
    };
    return {
      get: (key) => this.read((d) => structuredClone(d.state[hookName]?.[key])),
      set: (key, value) =>
        this.write((d) => {
          ns(d)[key] = structuredClone(value);
        }),
      delete: (key) =>
        this.write((d) => {
          delete ns(d)[key];
        }),
      keys: (prefix = '') =>
        this.read((d) => Object.keys(d.state[hookName] ?? {}).filter((k) => k.startsWith(prefix))),
    };
  }

  private async load(): Promise<FileShape> {
    if (this.data) return this.data;
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as FileShape;
      this.data = { version: 1, journal: parsed.journal ?? [], state: parsed.state ?? {} };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.data = { version: 1, journal: [], state: {} };
    }
    return this.data;
  }

  private read<T>(f: (d: FileShape) => T): Promise<T> {
    const p = this.queue.then(async () => f(await this.load()));
    this.queue = p.catch(() => {});
    return p;
  }

  private write(f: (d: FileShape) => void): Promise<void> {
    const p = this.queue.then(async () => {
      const d = await this.load();
      const next = structuredClone(d);
      f(next);
      await writeFileAtomic(this.path, JSON.stringify(next, null, 1), 0o600);
      this.data = next;
    });
    this.queue = p.catch(() => {});
    return p;
  }
}

/** In-memory HookStateStore (tests; undo data is lost on restart, so never use it in production). */
export class MemoryHookStateStore implements HookStateStore {
  private readonly map = new Map<string, unknown>();
  async get(key: string): Promise<unknown | undefined> {
    return structuredClone(this.map.get(key));
  }
  async set(key: string, value: unknown): Promise<void> {
    this.map.set(key, structuredClone(value));
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
  async keys(prefix = ''): Promise<string[]> {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix));
  }
}
