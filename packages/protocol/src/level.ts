import { DEFAULT_BASELINE_EPOCHS, DEFAULT_RECEIPT_DEADLINE_MS } from './codec/limits.js';
import type { BreachKey, ElevatedLevel, EvidenceKind, Level, Limits, Policy, Step } from './types.js';

/** Levels, their order and what policy maps to them (docs/protocol.md "Levels"). Pure. */

const RANK: Readonly<Record<Level, number>> = { RUNNING: 0, REDUCED: 1, PAUSED: 2 };

/** RUNNING 0 < REDUCED 1 < PAUSED 2: the level's order and its byte in the statement. */
export function levelRank(level: Level): number {
  return RANK[level];
}

/** The higher of two levels. */
export function maxLevel(a: Level, b: Level): Level {
  return RANK[a] >= RANK[b] ? a : b;
}

/** An applied state: the height of a certificate and the level it put in force. */
export interface HeightLevel {
  height: number;
  level: Level;
}

/**
 * Order of applied states: by height, then by level ("escalation dominates within a height"). Negative,
 * zero or positive like a comparator.
 */
export function compareHeightLevel(a: HeightLevel, b: HeightLevel): number {
  return a.height !== b.height ? a.height - b.height : RANK[a.level] - RANK[b.level];
}

/** Whether `step` may name `target`: up to REDUCED or PAUSED, down to RUNNING or REDUCED. */
export function stepAllows(step: Step, target: Level): boolean {
  return step === 'up' ? target !== 'RUNNING' : target !== 'PAUSED';
}

/** The level the policy assigns to a kind of breach (cap-exceeded without a cap: the kind entry). Default PAUSED. */
export function kindLevel(policy: Policy, kind: EvidenceKind): ElevatedLevel {
  return policy.levels?.kinds?.[kind] ?? 'PAUSED';
}

/** The level a breach leads to: a cap entry for cap-exceeded, else its kind's entry, else PAUSED. */
export function breachLevel(policy: Policy, key: BreachKey): ElevatedLevel {
  if (key.kind === 'cap-exceeded') {
    const byCap = policy.levels?.caps?.[key.cap];
    if (byCap !== undefined) return byCap;
  }
  return kindLevel(policy, key.kind);
}

/**
 * Limits in force at `level`: none at RUNNING; REDUCED's own; PAUSED's own, tightened field by field by
 * REDUCED's (PAUSED is never looser than REDUCED: a field only REDUCED sets holds at PAUSED too).
 */
export function effectiveLimits(policy: Policy, level: Level): Limits {
  if (level === 'RUNNING') return {};
  const reduced = policy.limits?.REDUCED ?? {};
  if (level === 'REDUCED') return { ...reduced };
  const paused = policy.limits?.PAUSED ?? {};
  const out: Limits = {};
  const min = <T extends bigint | number>(a: T | undefined, b: T | undefined): T | undefined =>
    a === undefined ? b : b === undefined ? a : a < b ? a : b;
  const t = min(paused.trainingFlop, reduced.trainingFlop);
  const g = min(paused.largestRunGrowthBps, reduced.largestRunGrowthBps);
  const h = min(paused.acceleratorHoursBps, reduced.acceleratorHoursBps);
  if (t !== undefined) out.trainingFlop = t;
  if (g !== undefined) out.largestRunGrowthBps = g;
  if (h !== undefined) out.acceleratorHoursBps = h;
  return out;
}

/** k: the number of a lab's commitments that form its baseline (policy.baselineEpochs, default 3). */
export function baselineEpochsOf(policy: Policy): number {
  return policy.baselineEpochs ?? DEFAULT_BASELINE_EPOCHS;
}

/** policy.receiptDeadlineMs, default 600 000 (10 minutes). */
export function receiptDeadlineOf(policy: Policy): number {
  return policy.receiptDeadlineMs ?? DEFAULT_RECEIPT_DEADLINE_MS;
}
