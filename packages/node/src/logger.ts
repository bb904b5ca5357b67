import { pino } from 'pino';

/** Minimal structured logger the node depends on (pino satisfies it); inject your own in tests. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** A pino logger writing JSON lines to stderr (stdout stays free for CLI output). */
export function createLogger(level: LogLevel = 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { ...bindings } }, pino.destination(2));
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/**
 * Rate limit for repeated log lines (docs/node.md "Logs"): per key, the first line of every `intervalMs`
 * window is written and the rest are counted, so a flood of invalid input costs a few lines, not one line
 * per message. Keys name the kind of event (e.g. topic + code), never a peer id, which is free to mint.
 */
export class LogThrottle {
  private readonly windows = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 1024,
  ) {}

  /** null: drop this line; else how many lines of this key were dropped since the last one written. */
  admit(key: string): number | null {
    const t = this.now();
    const w = this.windows.get(key);
    if (w && t - w.at < this.intervalMs) {
      w.suppressed++;
      return null;
    }
    if (!w && this.windows.size >= this.maxKeys) {
      for (const [k, v] of this.windows) if (t - v.at >= this.intervalMs) this.windows.delete(k);
      if (this.windows.size >= this.maxKeys) return null;
    }
    const suppressed = w?.suppressed ?? 0;
    this.windows.set(key, { at: t, suppressed: 0 });
    return suppressed;
  }
}
