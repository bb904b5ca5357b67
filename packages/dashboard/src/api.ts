/**
 * JSON shapes of the node's local HTTP API (docs/node.md): bytes are lowercase hex,
 * bigints are decimal strings, times are unix ms. Fields the page does not rely on are optional so
 * that a newer node can add fields without breaking an older page.
 */

/** Levels RUNNING < REDUCED < PAUSED (docs/protocol.md "Levels"). */
export type PauseState = 'RUNNING' | 'REDUCED' | 'PAUSED';

/** A certificate steps up (escalation, acts on breaches) or down (de-escalation, resolves breaches). */
export type Step = 'up' | 'down';

export interface MetricsJson {
  trainingFlop: string;
  largestRunFlop: string;
  maxParams: string;
  datasetTokens: string;
  acceleratorHours: string;
  utilizationBps: number;
}

export interface CommitmentJson {
  hash: string;
  lab: string;
  epoch: number;
  seq: number;
  prev: string;
  issuedAt: number;
  metrics: MetricsJson;
  runsRoot: string;
  signature: string;
  /** When this node first stored it (unix ms; docs/protocol.md "First seen"). */
  firstSeenAt?: number;
}

export interface LabStatusJson {
  id: string;
  name: string;
  connected: boolean;
  lastCommitment: CommitmentJson | null;
}

export interface PendingVotesJson {
  height: number;
  target: PauseState;
  voters: string[];
  needed: number;
}

export interface HookStatusJson {
  height: number;
  action: 'halt' | 'resume' | string;
  hook: string;
  status: 'ok' | 'failed' | 'pending';
  attempts: number;
  lastError: string | null;
}

export interface StatusJson {
  networkId: string;
  role: 'member' | 'observer';
  self: string | null;
  peerId: string;
  peers: { peerId: string; lab: string | null }[];
  state: PauseState;
  height: number;
  since: number | null;
  threshold: number;
  labs: LabStatusJson[];
  pendingVotes: PendingVotesJson[];
  approvals: { height: number; target: PauseState; approved: boolean; breaches?: string[] }[];
  hooks: HookStatusJson[];
  /** Open breaches (oldest first, at most 100) and counts; nodes before breach identity omit it. */
  breaches?: {
    open: OpenBreachJson[];
    openCount: number;
    resolvedCount: number;
  };
}

/** An open breach in GET /v1/status (docs/protocol.md "Breach identity"). */
export interface OpenBreachJson {
  id: string;
  kind: string;
  lab: string;
  epoch: number;
  /** Hash of the first evidence that proved it. */
  evidence: string;
  firstSeenAt: number;
  /** The pause certificate first applied while it was open (the pause that acted on it), else null. */
  actedOnHeight: number | null;
}

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

/** One element of GET /v1/certificates: exactly the JSON `pausenet verify` reads. */
export interface CertificateJson {
  hash: string;
  networkId?: string;
  height: number;
  target: PauseState;
  step: Step;
  statement: string;
  signature: string;
  signers: string[];
  /** Breach ids (hex, ascending) a step down resolves; bound by the signature through the statement. */
  resolves?: string[];
  /** Optional: when this node applied the certificate (unix ms), if the node reports it. */
  appliedAt?: number;
  /** When this node first saw (stored) the certificate (unix ms); a certificate is applied as it is stored. */
  firstSeenAt?: number;
}

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
