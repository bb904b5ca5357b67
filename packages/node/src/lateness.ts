import { DEFAULT_CLOCK_SKEW_MS, epochAt, missedAfter, type Policy } from '@pausenet/protocol';

/**
 * Whether a commitment reached this node in time (docs/protocol.md "First seen"): judged on the node's
 * own first-seen time, never on the lab's `issuedAt` (which the lab chooses: a back-dated commitment
 * planted via sync after its deadline has an on-time issuedAt).
 * - `on-time`: first seen by `missedAfter(epoch)` (deadline + grace) plus the clock-skew tolerance;
 * - `late`: first seen after that, and this node observed that instant (it was up and caught up then);
 * - `not-judged`: first seen after that, but the node was down or still starting at the deadline, so it
 *   cannot tell a late commitment from one it merely fetched late (after downtime, everything synced is
 *   "first seen" late here).
 */
export type Lateness = 'on-time' | 'late' | 'not-judged';

export function judgeLateness(
  policy: Policy,
  epoch: number,
  firstSeenAt: number,
  observed: (t: number) => boolean,
  skewMs = DEFAULT_CLOCK_SKEW_MS,
): Lateness {
  const due = missedAfter(policy, epoch) + skewMs;
  if (firstSeenAt <= due) return 'on-time';
  return observed(due) ? 'late' : 'not-judged';
}

/**
 * The epochs a lab can have missed by `now` (GET /metrics, `pausenet_lab_missed_deadlines`): from the
 * network's first committed epoch (`firstEpoch`, the earliest epoch any lab committed its seq 0 for;
 * genesisTime may lie long before the members started, and those epochs were never missed) up to the
 * last epoch whose deadline plus grace has passed. null when there is none (no commitment anywhere yet,
 * or the first epoch's deadline has not passed).
 */
export function dueEpochs(
  policy: Policy,
  firstEpoch: number | null,
  now: number,
): { from: number; to: number } | null {
  if (firstEpoch === null) return null;
  let to = epochAt(policy, now);
  while (to >= firstEpoch && missedAfter(policy, to) >= now) to--;
  return to >= firstEpoch ? { from: firstEpoch, to } : null;
}
