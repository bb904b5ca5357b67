// Types for netdelay.mjs (the tests import it from TypeScript).
export function installReceiveDelay(opts: {
  delays: Record<string, Record<string, number>>;
  bindTo?: string;
  highWaterBytes?: number;
}): () => void;
export function netDelayStats(reset?: boolean): {
  sockets: number;
  otherSockets: number;
  chunks: number;
  bytes: number;
  maxQueuedBytes: number;
  latenessMs: { p50: number | null; p95: number | null; max: number | null };
} | null;
export class DelayPinger {
  static start(opts?: { delayMs?: number; everyMs?: number }): Promise<DelayPinger>;
  pingTake(): number[];
  cpuMs(): number;
  stop(): Promise<void>;
}
