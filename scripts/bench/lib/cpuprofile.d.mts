// Types for cpuprofile.mjs (the tests import it from TypeScript).
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}
export function attribute(
  profile: CpuProfile,
  fromUs?: number,
  toUs?: number,
): {
  samples: number;
  idleSamples: number;
  byLayer: Record<string, number>;
  bySelf: Map<string, number>;
};
export function shortUrl(url: string): string;
