import type { BoundSet } from './bounds.js';
import type { Commitments } from './commit.js';
import { SLOT_NAMES } from './slots.js';

/** Number of public inputs of the circuit (docs/zk.md "Public inputs"). */
export const PUBLIC_INPUTS = 21;

/** Everything the verifier checks a proof against. */
export interface Statement {
  /** contextField(...) of the commitment. */
  context: bigint;
  commitments: Commitments;
  /** Commitment to the cumulative training FLOP of the lab's previous commitment (GENESIS for seq 0). */
  prevCumulative: bigint;
  /** Commitment to the largest run of the lab's previous commitment (GENESIS for seq 0). */
  prevLargestRun: bigint;
  /** Bounds after publicBounds (disclosed slots raised). */
  bounds: BoundSet;
}

/**
 * The public signals in circuit order: context, commitments[5], cumulative, prevCumulative,
 * prevLargestRun, caps[6], limits[6] (slots: METRIC_NAMES then cumulativeTrainingFlop).
 */
export function publicSignals(st: Statement): bigint[] {
  return [
    st.context,
    ...st.commitments.metrics,
    st.commitments.cumulative,
    st.prevCumulative,
    st.prevLargestRun,
    ...SLOT_NAMES.map((s) => st.bounds.caps[s]),
    ...SLOT_NAMES.map((s) => st.bounds.limits[s]),
  ];
}
