// Types for keyfigures.mjs (the tests import it from TypeScript).
export interface SizeRow {
  labs: number;
  threshold?: number;
  runs?: number;
  p50Ms?: number | null;
  p95Ms?: number | null;
  floorMs?: number | null;
  ratio?: number | null;
  error?: string;
}
export interface Summary {
  wan?: SizeRow[];
  pauseLatency?: SizeRow[];
  cpuPerLabTransitionMs?: Record<string, number | null>;
  catchup100kMs?: number | null;
}
export const TARGETS: {
  name: string;
  limit: string;
  value: (s: Summary) => number | null | undefined;
  met: (v: number) => boolean;
  unit?: string;
}[];
export function keyFigures(summary: Summary): string[];
