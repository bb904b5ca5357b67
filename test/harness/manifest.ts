import type { Policy } from '@pausenet/protocol';

export type PerturbationKind = 'kill' | 'pause' | 'restart' | 'disconnect' | 'partition' | 'clock-skew';

/** One fault, applied `at` ms after the breach is published (negative: before) and undone after `durationMs`. */
export interface Perturbation {
  at: number;
  kind: PerturbationKind;
  /** Node id; for `partition` the ids of one side (the rest is the other side). */
  target: string | string[];
  durationMs: number;
  /** clock-skew only: offset added to the node's clock (ms). */
  skewMs?: number;
}

export type AdversarySpec =
  | { kind: 'flood'; ratePerSec: number; durationMs: number }
  /** A member gossiping `count` valid `report` evidence items (distinct digests), `ratePerSec` at most. */
  | { kind: 'report-flood'; lab: string; count: number; ratePerSec: number }
  | { kind: 'equivocate'; lab: string }
  | { kind: 'double-vote'; lab: string }
  | { kind: 'observer-publish' }
  // admission control (test/adversary/admission.ts)
  | { kind: 'sybils'; count: number; watchMs: number; delayMs?: number }
  | { kind: 'sync-liar'; durationMs: number; delayMs?: number }
  | { kind: 'cert-flood'; ids: number; perId: number; delayMs?: number }
  | {
      kind: 'slowloris';
      socketsPerNode: number;
      sources: number;
      durationMs: number;
      /** Also dial every node from 127.0.0.1 and 127.0.0.7 while the sockets are held (default true). */
      probes?: boolean;
      delayMs?: number;
    };

/** A scenario run: cluster size, policy, faults, adversaries. */
export interface Manifest {
  name: string;
  labs: number;
  observers: number;
  threshold: number;
  policy?: Partial<Pick<Policy, 'epochMs' | 'deadlineMs' | 'graceMs'>>;
  /** Lab whose over-cap commitment triggers the pause (default lab-b). */
  breacher?: string;
  perturbations: Perturbation[];
  adversaries: AdversarySpec[];
  /** Also approve and complete the resume (height 2). Default true. */
  resume?: boolean;
  stepTimeoutMs?: number;
}
