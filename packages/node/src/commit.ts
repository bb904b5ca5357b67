import { randomBytes } from 'node:crypto';
import {
  buildRunsTree,
  type Commitment,
  epochAt,
  type Genesis,
  type Level,
  type Metrics,
  metricsFromJson,
  ProtocolError,
  type RunRecord,
  runRecordFromJson,
  runRecordToJson,
  type SignedCommitment,
  signCommitment,
  ZERO_HASH,
} from '@pausenet/protocol';
import type { SelfIdentity } from './agreement-port.js';
import { ApiError } from './errors.js';
import type { CommitmentRow } from './store/store.js';

/** Parsed body of POST /v1/commitments. */
export interface CommitmentRequest {
  metrics: Metrics;
  runs: RunRecord[];
  epoch?: number;
}

/** Validate a POST /v1/commitments body; runs without a salt get 32 random bytes. */
export function parseCommitmentRequest(body: unknown): CommitmentRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ApiError(400, 'BAD_REQUEST', 'body must be a JSON object');
  const b = body as Record<string, unknown>;
  let metrics: Metrics;
  try {
    metrics = metricsFromJson(b.metrics);
  } catch (err) {
    const path = err instanceof ProtocolError && err.path ? `metrics.${err.path}` : 'metrics';
    throw new ApiError(400, 'BAD_METRICS', `${path}: ${(err as Error).message}`);
  }
  const runs: RunRecord[] = [];
  if (b.runs !== undefined) {
    if (!Array.isArray(b.runs)) throw new ApiError(400, 'BAD_RUNS', 'runs must be an array');
    b.runs.forEach((r, i) => {
      const withSalt =
        r && typeof r === 'object' && !('salt' in r) ? { ...r, salt: randomBytes(32).toString('hex') } : r;
      try {
        runs.push(runRecordFromJson(withSalt));
      } catch (err) {
        throw new ApiError(400, 'BAD_RUNS', `runs[${i}]: ${(err as Error).message}`);
      }
    });
  }
  if (b.epoch !== undefined && (typeof b.epoch !== 'number' || !Number.isInteger(b.epoch) || b.epoch < 0)) {
    throw new ApiError(400, 'BAD_EPOCH', 'epoch must be a non-negative integer');
  }
  return { metrics, runs, ...(b.epoch !== undefined ? { epoch: b.epoch as number } : {}) };
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
export function runsToJson(runs: RunRecord[]): unknown[] {
  return runs.map((r) => runRecordToJson(r));
}
