import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ChildOptions {
  /** Short name shown in the timeline, e.g. "lab-a". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Append stdout+stderr here. */
  logFile?: string;
  /** Called with every stdout line. */
  onLine?: (line: string) => void;
}

/** A spawned process with line-wise output, its log file and an exit promise. */
export class ManagedChild {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly lines: string[] = [];
  private log?: WriteStream;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly waiters = new Set<{ test: (l: string) => boolean; resolve: (l: string) => void }>();

  constructor(opts: ChildOptions) {
    this.name = opts.name;
    if (opts.logFile) this.log = createWriteStream(opts.logFile, { flags: 'a' });
    this.proc = spawn(opts.command, opts.args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = createInterface({ input: this.proc.stdout! });
    out.on('line', (line) => {
      this.lines.push(line);
      if (this.lines.length > 2000) this.lines.shift();
      this.log?.write(`${line}\n`);
      opts.onLine?.(line);
      for (const w of this.waiters) {
        if (w.test(line)) {
          this.waiters.delete(w);
          w.resolve(line);
        }
      }
    });
    const err = createInterface({ input: this.proc.stderr! });
    err.on('line', (line) => {
      this.lines.push(line);
      if (this.lines.length > 2000) this.lines.shift();
      this.log?.write(`${line}\n`);
    });
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve({ code, signal });
      });
      this.proc.once('error', () => {
        this.exitInfo = { code: -1, signal: null };
        resolve({ code: -1, signal: null });
      });
    });
    void this.exited.then(() => this.log?.end());
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  /** Resolve with the first stdout line (already seen or future) matching `test`; reject on exit or timeout. */
  waitForLine(test: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w: { test: (l: string) => boolean; resolve: (l: string) => void } = { test, resolve: () => {} };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(
          new Error(`${this.name}: no expected output within ${timeoutMs} ms; last lines:\n${this.tail()}`),
        );
      }, timeoutMs);
      w.resolve = (l: string) => {
        clearTimeout(timer);
        resolve(l);
      };
      this.waiters.add(w);
      void this.exited.then(({ code, signal }) => {
        if (!this.waiters.has(w)) return;
        this.waiters.delete(w);
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${code}, signal ${signal}):\n${this.tail()}`));
      });
    });
  }

  /** Last output lines, for error messages. */
  tail(n = 12): string {
    return this.lines
      .slice(-n)
      .map((l) => `    ${this.name}| ${l}`)
      .join('\n');
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) this.proc.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Owns every child of a devnet: stops them all on exit, SIGINT and SIGTERM, then runs cleanups. */
export class ChildSet {
  private readonly children = new Set<ManagedChild>();
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private closing: Promise<void> | null = null;
  /** Set once SIGINT/SIGTERM arrived: failures after that are the interruption, not errors. */
  interrupted = false;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.interrupted = true;
    process.stderr.write(`\n${sig}: stopping devnet...\n`);
    void this.close().then(() => process.exit(130));
  };
  private readonly onExit = () => {
    for (const c of this.children) if (c.running) c.proc.kill('SIGKILL');
  };

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    process.on('exit', this.onExit);
  }

  spawn(opts: ChildOptions): ManagedChild {
    const c = new ManagedChild(opts);
    this.children.add(c);
    void c.exited.then(() => this.children.delete(c));
    return c;
  }

  /** Register work to run after all children are stopped (e.g. removing the temp dir). */
  onClose(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  /** Stop all children (in parallel) and run cleanups once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.children].map((c) => c.stop()));
      for (const fn of this.cleanups.reverse()) {
        try {
          await fn();
        } catch {
          // best effort: a failed cleanup must not hide the result
        }
      }
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
      process.off('exit', this.onExit);
    })();
    return this.closing;
  }
}
