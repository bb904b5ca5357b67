import type { HookLogger } from '@pausenet/hooks';
import { type DestinationStream, type Logger as Pino, pino } from 'pino';
import type { LogEvent } from './log-events.js';

/**
 * Who is logging: set once per logger with child(). `self` is this node's own lab; a line's `lab` is
 * always the subject of the event (e.g. the lab that breached), so the two never share a key.
 */
export interface LogBindings {
  role?: 'member' | 'observer';
  self?: string | null;
  peerId?: string;
  component?: string;
}

/**
 * Fields of one line: its stable event name (log-events.ts) and the event's own fields. The binding
 * keys and pino's own keys are excluded, so a line can never carry a key twice.
 */
export interface LogFields {
  event: LogEvent;
  role?: never;
  self?: never;
  peerId?: never;
  component?: never;
  level?: never;
  time?: never;
  msg?: never;
  [key: string]: unknown;
}

/** Structured logger the node depends on; inject your own in tests. */
export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  child(bindings: LogBindings): Logger;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * JSON lines through one pino instance. Bindings are merged into each line's object (not pino children,
 * which append their bindings again after the parent's), so every key appears once per line:
 * `{"level","time","event",…bindings,…fields,"msg"}`.
 */
class JsonLogger implements Logger {
  constructor(
    private readonly out: Pino,
    private readonly bindings: LogBindings,
  ) {}

  private write(level: Level, fields: LogFields, msg: string): void {
    if (!this.out.isLevelEnabled(level)) return;
    const { event, ...rest } = fields;
    this.out[level]({ event, ...this.bindings, ...rest }, msg);
  }
  debug(fields: LogFields, msg: string): void {
    this.write('debug', fields, msg);
  }
  info(fields: LogFields, msg: string): void {
    this.write('info', fields, msg);
  }
  warn(fields: LogFields, msg: string): void {
    this.write('warn', fields, msg);
  }
  error(fields: LogFields, msg: string): void {
    this.write('error', fields, msg);
  }
  child(bindings: LogBindings): Logger {
    return new JsonLogger(this.out, { ...this.bindings, ...bindings });
  }
}

/**
 * A logger writing JSON lines to `destination`: a file descriptor, written synchronously so a line
 * written just before the process exits is not lost (default 2, stderr: stdout stays free for CLI
 * output), or a stream.
 */
export function createLogger(
  level: LogLevel = 'info',
  bindings: LogBindings = {},
  destination: 1 | 2 | DestinationStream = 2,
): Logger {
  const out =
    typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination;
  return new JsonLogger(pino({ level, base: null }, out), bindings);
}

/**
 * The hook runner's and adapters' logger on the node's: their lines carry a hook event name (part of
 * LOG_EVENTS), and the merge into one object keeps every key once.
 */
export function hookLoggerOf(log: Logger): HookLogger {
  return {
    info: (f, m) => log.info(f as LogFields, m),
    warn: (f, m) => log.warn(f as LogFields, m),
    error: (f, m) => log.error(f as LogFields, m),
  };
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
