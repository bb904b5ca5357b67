import { randomBytes } from 'node:crypto';
import {
  buildRunsTree,
  type Commitment,
  epochAt,
  type Genesis,
  type Level,
  type Metrics,
  type RunRecord,
  runRecordFromJson,
  runRecordToJson,
  type SignedCommitment,
  signCommitment,
  ZERO_HASH,
} from '@pausenet/protocol';
import {
  COMMITMENT_REQUEST_CODES,
  commitmentRequestSchema,
  parseApiBody,
  type SubmittedCommitment,
} from '@pausenet/protocol/api';
import type { SelfIdentity } from './agreement/types.js';
import { ApiError } from './errors.js';
import type { CommitmentRow } from './store/repositories.js';

/** Parsed body of POST /v1/commitments. */
export interface CommitmentRequest {
  metrics: Metrics;
  runs: RunRecord[];
  epoch?: number;
}

/**
 * Check a POST /v1/commitments body against the API schema (@pausenet/protocol/api); runs without a salt
 * get 32 random bytes (returned to the submitter, who keeps them for later disclosure).
 */
export function parseCommitmentRequest(body: unknown): CommitmentRequest {
  const r = parseApiBody(commitmentRequestSchema, body, COMMITMENT_REQUEST_CODES);
  if (!r.ok) throw new ApiError(400, r.code, r.message);
  const runs: RunRecord[] = [];
  (r.value.runs ?? []).forEach((run, i) => {
    const withSalt = run.salt === undefined ? { ...run, salt: randomBytes(32).toString('hex') } : run;
    try {
      runs.push(runRecordFromJson(withSalt));
    } catch (err) {
      throw new ApiError(400, 'BAD_RUNS', `runs[${i}]: ${(err as Error).message}`);
    }
  });
  return { metrics: r.value.metrics, runs, ...(r.value.epoch !== undefined ? { epoch: r.value.epoch } : {}) };
}

/** Build and sign this lab's next commitment: next seq, prev = chain head, epoch from policy + now unless given. */
export function buildCommitment(opts: {
  genesis: Genesis;
  networkId: Uint8Array;
  self: SelfIdentity;
  head: CommitmentRow | undefined;
  request: CommitmentRequest;
  now: number;
  /** This node's applied state when it signs (Commitment.height/level, docs/protocol.md "Compliance"). */
  applied: { height: number; level: Level };
}): SignedCommitment {
  const { genesis, head, request, now } = opts;
  const epoch = request.epoch ?? epochAt(genesis.policy, now);
  if (epoch < 0)
    throw new ApiError(
      409,
      'BEFORE_GENESIS',
      `now (${now}) is before the network's genesisTime ${genesis.policy.genesisTime}`,
    );
  if (head && epoch <= head.epoch) {
    throw new ApiError(
      409,
      'EPOCH_COMMITTED',
      `this lab already committed for epoch ${head.epoch}; the next commitment must be for a later epoch (got ${epoch})`,
    );
  }
  const c: Commitment = {
    networkId: opts.networkId,
    lab: opts.self.lab,
    epoch,
    seq: head ? head.seq + 1 : 0,
    prev: head ? head.hash : ZERO_HASH,
    issuedAt: now,
    height: opts.applied.height,
    level: opts.applied.level,
    metrics: request.metrics,
    runsRoot: buildRunsTree(request.runs).root,
    attestations: [],
  };
  return signCommitment(c, opts.self.identitySecretKey);
}

/** JSON of salted run records (returned to the submitter, who keeps them for later disclosure). */
export function runsToJson(runs: RunRecord[]): NonNullable<SubmittedCommitment['runs']> {
  return runs.map((r) => runRecordToJson(r) as NonNullable<SubmittedCommitment['runs']>[number]);
}
