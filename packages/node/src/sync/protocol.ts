import type { NodeStore } from '../store/repositories.js';
import { ReqRespRemoteError } from './reqresp.js';

/** Status a node advertises to peers (req/resp `status`): enough to see what it has that we miss. */
export interface StatusMessage {
  networkId: string;
  role: 'member' | 'observer';
  /** Head of each lab chain this node holds. */
  heads: { lab: string; seq: number; hash: string }[];
  /** Highest stored certificate height (0 = none). */
  certifiedHeight: number;
  /** Votes held for certifiedHeight + 1 (the open round). */
  openVotes: number;
  evidenceCount: number;
}

export interface CommitmentsByRangeRequest {
  lab: string;
  fromSeq: number;
  count: number;
}
export interface CertificatesByRangeRequest {
  fromHeight: number;
  count: number;
}
export interface VotesRequest {
  height: number;
}
export interface EvidenceRequest {
  offset: number;
  count: number;
}

function int(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ReqRespRemoteError('BAD_REQUEST', `${name} must be an integer in [${min}, ${max}]`);
  }
  return v;
}

function obj(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new ReqRespRemoteError('BAD_REQUEST', 'request must be an object');
  return v as Record<string, unknown>;
}

/** Server-side answers of the sync protocols, bounded by `maxBatch` items per response. */
export class SyncResponder {
  constructor(
    private readonly store: NodeStore,
    private readonly status: () => StatusMessage,
    private readonly maxBatch: number,
  ) {}

  handleStatus(): { header: Record<string, unknown> } {
    return { header: { status: this.status() } };
  }

  commitmentsByRange(raw: unknown): { items: Uint8Array[] } {
    const r = obj(raw);
    if (typeof r.lab !== 'string' || r.lab.length > 64)
      throw new ReqRespRemoteError('BAD_REQUEST', 'lab must be a string');
    const from = int(r.fromSeq, 'fromSeq', 0, Number.MAX_SAFE_INTEGER);
    const count = Math.min(int(r.count, 'count', 1, 1_000_000), this.maxBatch);
    return { items: this.store.commitments.range(r.lab, from, from + count - 1, count).map((x) => x.bytes) };
  }

  certificatesByRange(raw: unknown): { items: Uint8Array[] } {
    const r = obj(raw);
    const from = int(r.fromHeight, 'fromHeight', 0, Number.MAX_SAFE_INTEGER);
    const count = Math.min(int(r.count, 'count', 1, 1_000_000), this.maxBatch);
    return { items: this.store.certificates.range(from, from + count - 1, count).map((x) => x.bytes) };
  }

  votes(raw: unknown): { items: Uint8Array[] } {
    const r = obj(raw);
    const h = int(r.height, 'height', 0, Number.MAX_SAFE_INTEGER);
    return { items: this.store.votes.range(h, h, this.maxBatch).map((x) => x.bytes) };
  }

  evidence(raw: unknown): { items: Uint8Array[] } {
    const r = obj(raw);
    const offset = int(r.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const count = Math.min(int(r.count, 'count', 1, 1_000_000), this.maxBatch);
    return { items: this.store.evidence.list(count, offset).map((x) => x.bytes) };
  }
}
