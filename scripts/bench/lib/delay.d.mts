// Types for delay.mjs (the tests import it from TypeScript).
export interface RouteSpec {
  name: string;
  delayMs: number;
  target: { host: string; port: number };
  sourceHost?: string;
  listenHost?: string;
}
export interface RelayStats {
  chunks: number;
  bytes: number;
  maxQueuedBytes: number;
  latenessMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  connectionsByRoute: Record<string, number>;
  openSockets: number;
}
export class DelayRelay {
  static start(init?: { highWaterBytes?: number }): Promise<DelayRelay>;
  constructor(init?: { highWaterBytes?: number });
  readonly highWaterBytes: number;
  addRoute(spec: RouteSpec): Promise<{ name: string; host: string; port: number }>;
  addRoutes(specs: RouteSpec[]): Promise<{ name: string; host: string; port: number }[]>;
  stats(reset?: boolean): RelayStats;
  cpuMs(): number;
  stop(): Promise<void>;
}
export function startEcho(): Promise<{ port: number; close(): Promise<void> }>;
export function pingClient(host: string, port: number): Promise<{ ping(): Promise<number>; close(): void }>;
