import { type BoundSet, publicBounds } from './bounds.js';
import type { PrivateProof } from './codec.js';
import { type ChainLink, commitmentsOf, linkCommitments, type Openings, poseidonCommit } from './commit.js';
import { contextBytes, type ProofContext } from './context.js';
import { ZkError } from './errors.js';
import { bytesToBigint, checkValue } from './field.js';
import { proofToBytes } from './points.js';
import { SLOT_NAMES, type SlotName } from './slots.js';
import { loadSnarkjs } from './snarkjs-load.js';
import { publicSignals } from './statement.js';

/** The prover's artifacts: the compiled circuit's witness generator and the ceremony's proving key. */
export interface ProvingArtifacts {
  /** circuits/build/commitment.wasm */
  wasm: Uint8Array;
  /** The final .zkey of the network's setup ceremony. */
  zkey: Uint8Array;
}

export interface ProveInput {
  openings: Openings;
  /** The link from the lab's previous commitment (GENESIS_LINK for seq 0). */
  previous: ChainLink;
  /** Policy caps and current level limits. */
  bounds: BoundSet;
  context: ProofContext;
  /** Slots disclosed in clear alongside this proof (their bounds are not proven: see publicBounds). */
  disclosed?: readonly SlotName[];
}

/**
 * The precondition the circuit enforces, checked in clear first so that a lab learns *which* value
 * cannot be proven (OVER_CAP / CHAIN / OPENING_MISMATCH / OUT_OF_RANGE) instead of a failed witness.
 */
export function checkProvable(input: ProveInput): void {
  const { openings, previous } = input;
  const b = publicBounds(input.bounds, input.disclosed);
  if (!Array.isArray(openings?.metrics) || openings.metrics.length !== 5)
    throw new ZkError('BAD_INPUT', 'expected 5 metric openings', 'openings.metrics');
  const values = [...openings.metrics, openings.cumulative].map((o, i) =>
    checkValue(o?.value, SLOT_NAMES[i] as string),
  );
  const prevCum = checkValue(previous?.cumulative?.value, 'previous.cumulative');
  const prevLargest = checkValue(previous?.largestRun?.value, 'previous.largestRun');
  if (values[5] !== prevCum + (values[0] as bigint))
    throw new ZkError(
      'OPENING_MISMATCH',
      'the cumulative value is not the previous cumulative plus this epoch training FLOP',
      'cumulativeTrainingFlop',
    );
  SLOT_NAMES.forEach((slot, i) => {
    const v = values[i] as bigint;
    if (v > b.caps[slot])
      throw new ZkError(
        'OVER_CAP',
        `${v} > cap ${b.caps[slot]}: cannot be proven; disclose it in clear`,
        slot,
      );
    if (v > b.limits[slot])
      throw new ZkError(
        'OVER_CAP',
        `${v} > level limit ${b.limits[slot]}: cannot be proven; disclose it in clear`,
        slot,
      );
  });
  if ((values[1] as bigint) < prevLargest)
    throw new ZkError(
      'CHAIN',
      `largest run ${values[1]} is below the previous commitment's ${prevLargest}`,
      'largestRunFlop',
    );
  for (const [o, path] of [
    [previous.cumulative, 'previous.cumulative'],
    [previous.largestRun, 'previous.largestRun'],
  ] as const)
    try {
      poseidonCommit(o.value, o.blinding);
    } catch {
      throw new ZkError('BAD_INPUT', 'blinding must be a field element', path);
    }
}

/**
 * Prove one private commitment (Groth16 via snarkjs; the prover's randomness is snarkjs' own CSPRNG).
 * Throws the checkProvable errors, PROVER_UNAVAILABLE (snarkjs not installed) or PROVER_FAILED.
 */
export async function proveCommitment(input: ProveInput, artifacts: ProvingArtifacts): Promise<PrivateProof> {
  checkProvable(input);
  const snarkjs = await loadSnarkjs();
  const { openings, previous } = input;
  const commitments = commitmentsOf(openings);
  const ctx = contextBytes(input.context);
  const prev = linkCommitments(previous);
  const bounds = publicBounds(input.bounds, input.disclosed);
  const signals = publicSignals({
    context: bytesToBigint(ctx),
    commitments,
    prevCumulative: prev.cumulative,
    prevLargestRun: prev.largestRun,
    bounds,
  });
  const s = (x: bigint) => x.toString();
  const witnessInput = {
    context: s(signals[0] as bigint),
    commitments: commitments.metrics.map(s),
    cumulative: s(commitments.cumulative),
    prevCumulative: s(prev.cumulative),
    prevLargestRun: s(prev.largestRun),
    caps: SLOT_NAMES.map((k) => s(bounds.caps[k])),
    limits: SLOT_NAMES.map((k) => s(bounds.limits[k])),
    values: openings.metrics.map((o) => s(o.value)),
    blindings: openings.metrics.map((o) => s(o.blinding)),
    cumulativeBlinding: s(openings.cumulative.blinding),
    prevCumulativeValue: s(previous.cumulative.value),
    prevCumulativeBlinding: s(previous.cumulative.blinding),
    prevLargestRunValue: s(previous.largestRun.value),
    prevLargestRunBlinding: s(previous.largestRun.blinding),
  };
  let result: { proof: unknown; publicSignals: string[] };
  try {
    result = await snarkjs.groth16.fullProve(
      witnessInput,
      { type: 'mem', data: artifacts.wasm },
      { type: 'mem', data: artifacts.zkey },
    );
  } catch (e) {
    throw new ZkError('PROVER_FAILED', `snarkjs could not prove: ${(e as Error)?.message ?? String(e)}`);
  }
  if (result.publicSignals.join(',') !== signals.map(s).join(','))
    throw new ZkError(
      'PROVER_FAILED',
      'the circuit produced other public signals than expected: wrong wasm for this package',
    );
  return { context: ctx, commitments, proof: proofToBytes(result.proof) };
}
