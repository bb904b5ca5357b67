// Types for floor.mjs (the tests import it from TypeScript).
export interface Regions {
  regions: string[];
  rttMs: number[][];
  sameRegionRttMs?: number;
  labsByNetworkSize: Record<string, string[]>;
  thresholdByNetworkSize: Record<string, number>;
}
export function labDelays(regions: Regions, placement: string[]): number[][];
export function shortestPaths(delays: number[][]): number[][];
export function allHaltedFloor(dist: number[][], origin: number, t: number): number;
export function median(values: number[]): number;
export function wanFloors(
  regions: Regions,
  labs: number,
): {
  labs: number;
  threshold: number;
  placement: string[];
  delays: number[][];
  dist: number[][];
  byOrigin: number[];
  median: number;
};
