import { sha512 } from '@noble/hashes/sha2.js';
import { poseidon2 } from 'poseidon-lite/poseidon2';
import { ZkError } from './errors.js';
import { bytesToBigint, checkValue, FIELD_MODULUS } from './field.js';
import { METRIC_NAMES, type MetricName, SLOT_NAMES, type SlotName, type ZkMetrics } from './slots.js';

/** The opening of one commitment: Poseidon(value, blinding) = commitment. */
export interface Opening {
  value: bigint;
  blinding: bigint;
}

/** Openings of one private commitment: the five metrics (METRIC_NAMES order) and the cumulative training FLOP. */
export interface Openings {
  metrics: Opening[];
  cumulative: Opening;
}

/** The public commitments (field elements): five metrics (METRIC_NAMES order) and the cumulative training FLOP. */
export interface Commitments {
  metrics: bigint[];
  cumulative: bigint;
}

/**
 * What the next commitment needs from the lab's previous one: the openings of its cumulative
 * training FLOP and of its largest run. The lab keeps these (or re-derives them from its randomness).
 */
export interface ChainLink {
  cumulative: Opening;
  largestRun: Opening;
}

/** The link before a lab's first commitment (seq 0): both values 0 with blinding 0 (public). */
export const GENESIS_LINK: ChainLink = Object.freeze({
  cumulative: Object.freeze({ value: 0n, blinding: 0n }),
  largestRun: Object.freeze({ value: 0n, blinding: 0n }),
}) as ChainLink;

/** Poseidon(value, blinding) over BN254 with circomlib's parameters (t = 3, 8 full + 57 partial rounds). */
export function poseidonCommit(value: bigint, blinding: bigint): bigint {
  if (typeof value !== 'bigint' || typeof blinding !== 'bigint' || value < 0n || blinding < 0n)
    throw new ZkError('BAD_INPUT', 'value and blinding must be non-negative bigints');
  if (value >= FIELD_MODULUS || blinding >= FIELD_MODULUS)
    throw new ZkError('BAD_INPUT', 'value and blinding must be field elements');
  return poseidon2([value, blinding]);
}

/** The public commitments of a chain link (what the verifier takes from the lab's previous commitment). */
export function linkCommitments(link: ChainLink): { cumulative: bigint; largestRun: bigint } {
  return {
    cumulative: poseidonCommit(link.cumulative.value, link.cumulative.blinding),
    largestRun: poseidonCommit(link.largestRun.value, link.largestRun.blinding),
  };
}

const BLINDING_DOMAIN = new TextEncoder().encode('pausenet/zk/v1/blinding\0');

/**
 * Blinding `i` (0..4 metrics, 5 cumulative) from the commitment's 32 random bytes:
 * SHA-512(domain ‖ randomness ‖ u8(i)) mod p (a 512-bit reduction: bias < 2^-258).
 */
export function deriveBlinding(randomness: Uint8Array, i: number): bigint {
  const msg = new Uint8Array(BLINDING_DOMAIN.length + 33);
  msg.set(BLINDING_DOMAIN);
  msg.set(randomness, BLINDING_DOMAIN.length);
  msg[msg.length - 1] = i;
  return bytesToBigint(sha512(msg)) % FIELD_MODULUS;
}

/**
 * Commit to one epoch's metrics. `randomness` (32 fresh secret bytes per commitment, injected so the
 * function is pure) determines every blinding; `previous` is the link from the lab's previous
 * commitment (GENESIS_LINK for seq 0). Throws OUT_OF_RANGE for a value (or the new cumulative total)
 * >= 2^252: such a value must be disclosed in clear.
 */
export function commitMetrics(
  metrics: ZkMetrics,
  previous: ChainLink,
  randomness: Uint8Array,
): { commitments: Commitments; openings: Openings } {
  if (!(randomness instanceof Uint8Array) || randomness.length !== 32)
    throw new ZkError('BAD_INPUT', 'randomness must be 32 fresh random bytes', 'randomness');
  const values = METRIC_NAMES.map((name) => checkValue(metrics?.[name], `metrics.${name}`));
  const prevCumulative = checkValue(previous?.cumulative?.value, 'previous.cumulative.value');
  const cumulativeValue = checkValue(prevCumulative + (values[0] as bigint), 'cumulativeTrainingFlop');
  const openings: Openings = {
    metrics: values.map((value, i) => ({ value, blinding: deriveBlinding(randomness, i) })),
    cumulative: { value: cumulativeValue, blinding: deriveBlinding(randomness, 5) },
  };
  return { commitments: commitmentsOf(openings), openings };
}

/** Recompute the commitments from openings. */
export function commitmentsOf(openings: Openings): Commitments {
  return {
    metrics: openings.metrics.map((o) => poseidonCommit(o.value, o.blinding)),
    cumulative: poseidonCommit(openings.cumulative.value, openings.cumulative.blinding),
  };
}

/** The link the next commitment chains from. */
export const chainLinkOf = (openings: Openings): ChainLink => ({
  cumulative: openings.cumulative,
  largestRun: openings.metrics[1] as Opening,
});

/** Slots whose opening does not match its commitment (empty: all match). */
export function mismatchedOpenings(openings: Openings, commitments: Commitments): SlotName[] {
  const bad: SlotName[] = [];
  SLOT_NAMES.forEach((slot, i) => {
    const o = i < 5 ? openings.metrics[i] : openings.cumulative;
    const c = i < 5 ? commitments.metrics[i] : commitments.cumulative;
    let ok = false;
    try {
      ok = o !== undefined && poseidonCommit(o.value, o.blinding) === c;
    } catch {
      ok = false;
    }
    if (!ok) bad.push(slot);
  });
  return bad;
}

/** The metrics as named values (for display after opening). */
export const metricsOf = (openings: Openings): ZkMetrics =>
  Object.fromEntries(METRIC_NAMES.map((n, i) => [n, openings.metrics[i]?.value ?? 0n])) as Record<
    MetricName,
    bigint
  >;
