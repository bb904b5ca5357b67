import { ZkError } from './errors.js';
import { MAX_VALUE } from './field.js';
import { SLOT_NAMES, type SlotName } from './slots.js';

/** One bound per slot (five metrics, then the cumulative training FLOP); MAX_VALUE means "no bound". */
export type Bounds = Record<SlotName, bigint>;

/** What a proof is checked against: the genesis policy's caps and the limits of the network's current level. */
export interface BoundSet {
  caps: Bounds;
  /** Limits of the current level (e.g. paused limits while not RUNNING); UNLIMITED while RUNNING. */
  limits: Bounds;
}

/**
 * A full bound vector from a partial one: missing slots get MAX_VALUE (no bound), and bounds above
 * MAX_VALUE are clamped to it (every committed value is < 2^252 anyway, so the statement is the same).
 */
export function boundsOf(partial: Partial<Record<SlotName, bigint>> = {}): Bounds {
  const out = {} as Bounds;
  for (const slot of SLOT_NAMES) {
    const v = partial[slot];
    if (v === undefined) out[slot] = MAX_VALUE;
    else if (typeof v !== 'bigint' || v < 0n)
      throw new ZkError('BAD_INPUT', `a bound must be a non-negative bigint, got ${String(v)}`, slot);
    else if (v > MAX_VALUE) out[slot] = MAX_VALUE;
    else out[slot] = v;
  }
  for (const key of Object.keys(partial))
    if (!(SLOT_NAMES as readonly string[]).includes(key))
      throw new ZkError('BAD_INPUT', `unknown bound slot; expected one of ${SLOT_NAMES.join(', ')}`, key);
  return out;
}

/** No bound anywhere: the level limits while the network is RUNNING. */
export const UNLIMITED: Bounds = Object.freeze(boundsOf()) as Bounds;

/**
 * The bounds that go into the public inputs: slots the lab discloses in clear are raised to
 * MAX_VALUE (their value is checked in clear against the real cap instead, as cap-exceeded evidence).
 */
export function publicBounds(set: BoundSet, disclosed: readonly SlotName[] = []): BoundSet {
  const caps = boundsOf(set.caps);
  const limits = boundsOf(set.limits);
  for (const slot of disclosed) {
    if (!(SLOT_NAMES as readonly string[]).includes(slot))
      throw new ZkError('BAD_INPUT', `unknown disclosed slot ${JSON.stringify(slot)}`, 'disclosed');
    caps[slot] = MAX_VALUE;
    limits[slot] = MAX_VALUE;
  }
  return { caps, limits };
}
