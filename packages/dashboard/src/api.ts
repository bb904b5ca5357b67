/**
 * JSON shapes of the node's local HTTP API (docs/node.md "HTTP API"): bytes are lowercase hex, bigints are
 * decimal strings, times are unix ms.
 */
import type {
  CertificateView,
  CommitmentView,
  HookStatus,
  MetricsView,
  StatusBody,
} from '@pausenet/protocol/api';

/** Levels RUNNING < REDUCED < PAUSED (docs/protocol.md "Levels"). */
export type PauseState = 'RUNNING' | 'REDUCED' | 'PAUSED';

/** A certificate steps up (escalation, acts on breaches) or down (de-escalation, resolves breaches). */
export type Step = 'up' | 'down';

/*
 * The node's API shapes are defined once, in @pausenet/protocol/api (type-only imports: nothing of it is
 * bundled into the page).
 */
export type MetricsJson = MetricsView;
/** The page also reads commitments from older nodes and files: the node-local fields may be missing. */
export type CommitmentJson = Omit<
  CommitmentView,
  'networkId' | 'attestations' | 'firstSeenAt' | 'lateness' | 'height' | 'level'
> &
  Partial<
    Pick<CommitmentView, 'networkId' | 'attestations' | 'firstSeenAt' | 'lateness' | 'height' | 'level'>
  >;
export type LabStatusJson = StatusBody['labs'][number];
export type PendingVotesJson = StatusBody['pendingVotes'][number];
export type HookStatusJson = HookStatus;
export type StatusJson = StatusBody;
/** An open breach in GET /v1/status (docs/protocol.md "Breach identity"). */
export type OpenBreachJson = StatusBody['breaches']['open'][number];

export interface MemberJson {
  id: string;
  name: string;
  index: number;
  publicKey: string;
  peerIds?: string[];
  addrs?: string[];
}

export interface CapsJson {
  trainingFlop: string;
  largestRunFlop: string;
  maxParams: string;
  datasetTokens: string;
}

export interface GenesisJson {
  version: number;
  name: string;
  members: MemberJson[];
  threshold: number;
  policy: {
    genesisTime: number;
    epochMs: number;
    deadlineMs: number;
    graceMs: number;
    caps: CapsJson;
    autoVote?: string[];
    approvalRequired?: string[];
    resumeNeedsApproval?: boolean;
    auditors?: { id: string; name: string; publicKey: string }[];
  };
  dkg?: { groupPublicKey: string; publicShares: string[]; transcriptHash: string };
}

/**
 * One element of GET /v1/certificates: exactly the JSON `pausenet verify` reads. The page verifies such
 * JSON from files too, so the node-local fields may be missing (and an `appliedAt` may be present).
 */
export type CertificateJson = Omit<CertificateView, 'networkId' | 'resolves' | 'firstSeenAt'> &
  Partial<Pick<CertificateView, 'networkId' | 'resolves' | 'firstSeenAt'>> & {
    /** When this node applied the certificate (unix ms), if the node reports it. */
    appliedAt?: number;
  };

/**
 * Evidence as listed by GET /v1/evidence. The exact layout is the node's; the page reads the
 * common fields either at top level or under `evidence` (see model.ts describeEvidence).
 */
export interface EvidenceJson {
  hash?: string;
  /** The id of the breach it proves (docs/protocol.md "Breach identity"). */
  breach?: string;
  kind?: string;
  reporter?: string;
  issuedAt?: number;
  evidence?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Thrown for any failed API call; `code` is the node's error code or a transport code. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

/** GET a JSON document from the node's API (same origin as the page). */
export async function getJson<T>(path: string, opts: { signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' }, signal: opts.signal ?? null });
  } catch (err) {
    throw new ApiError('NETWORK', 0, `GET ${path} failed: ${(err as Error).message}`);
  }
  if (!res.ok) {
    let code = `HTTP_${res.status}`;
    let message = `GET ${path}: HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      if (body.error?.code) code = body.error.code;
      if (body.error?.message) message = `GET ${path}: ${body.error.message}`;
    } catch {
      // not JSON: keep the HTTP status as the code
    }
    throw new ApiError(code, res.status, message);
  }
  return (await res.json()) as T;
}
