import { z } from 'zod';

/*
 * Response bodies of the node's local HTTP API (docs/node.md "HTTP API"), once, as zod schemas: the node's
 * handlers are typed by them, the CLI and the dashboard read the same types. Bytes are lowercase hex,
 * bigints decimal strings, times unix ms. Clients read responses leniently (a newer node may add fields).
 */

const hex = z.string();
/** Levels RUNNING < REDUCED < PAUSED (docs/protocol.md "Levels"). */
const pauseState = z.enum(['RUNNING', 'REDUCED', 'PAUSED']);
/** A certificate steps up (escalation, acts on breaches) or down (de-escalation, resolves breaches). */
const step = z.enum(['up', 'down']);

/** Every error: HTTP 4xx/5xx with a code that names the problem and a message that says what to do. */
export const apiErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;

export const metricsJsonSchema = z.object({
  trainingFlop: z.string(),
  largestRunFlop: z.string(),
  maxParams: z.string(),
  datasetTokens: z.string(),
  acceleratorHours: z.string(),
  utilizationBps: z.number(),
});
export type MetricsView = z.infer<typeof metricsJsonSchema>;

/** docs/protocol.md "First seen": a commitment first seen after its epoch's deadline + grace is late. */
export const latenessSchema = z.enum(['on-time', 'late', 'not-judged']);

/** A stored commitment (GET /v1/commitments, status labs[].lastCommitment). */
export const commitmentViewSchema = z.object({
  hash: hex,
  networkId: hex,
  lab: z.string(),
  epoch: z.number(),
  seq: z.number(),
  prev: hex,
  issuedAt: z.number(),
  /** The last certified height the lab had applied when it signed, and its level (docs/protocol.md "Compliance"). */
  height: z.number(),
  level: pauseState,
  metrics: metricsJsonSchema,
  runsRoot: hex,
  attestations: z.array(z.object({ attester: z.string(), publicKey: hex, signature: hex })),
  signature: hex,
  /** This node's first-seen time. */
  firstSeenAt: z.number(),
  lateness: latenessSchema,
});
export type CommitmentView = z.infer<typeof commitmentViewSchema>;

/** POST /v1/commitments (201): the signed commitment, and the salted run records to keep for disclosure. */
export const submittedCommitmentSchema = commitmentViewSchema
  .omit({ firstSeenAt: true, lateness: true })
  .extend({
    runs: z
      .array(
        z.object({
          id: z.string(),
          salt: hex,
          flop: z.string(),
          params: z.string(),
          datasetTokens: z.string(),
          acceleratorHours: z.string(),
        }),
      )
      .optional(),
  });
export type SubmittedCommitment = z.infer<typeof submittedCommitmentSchema>;

/** Signed evidence (POST /v1/evidence answer; GET /v1/evidence items add firstSeenAt). */
export const evidenceViewSchema = z.looseObject({
  hash: hex,
  /** The breach it proves (docs/protocol.md "Breach identity"). */
  breach: hex,
  networkId: hex,
  reporter: z.string(),
  issuedAt: z.number(),
  evidence: z.looseObject({ kind: z.string() }),
  signature: hex,
  firstSeenAt: z.number().optional(),
});
export type EvidenceView = z.infer<typeof evidenceViewSchema>;

/** GET /v1/certificates items: exactly the JSON `pausenet verify` reads, plus the first-seen time. */
export const certificateViewSchema = z.object({
  hash: hex,
  networkId: hex,
  height: z.number(),
  target: pauseState,
  step,
  /** statementBytes of (networkId, height, target, step, resolves): what the group signature covers. */
  statement: hex,
  signature: hex,
  signers: z.array(z.string()),
  /** Breach ids a step down resolves; empty for a step up. */
  resolves: z.array(hex),
  firstSeenAt: z.number(),
});
export type CertificateView = z.infer<typeof certificateViewSchema>;

export const hookStatusSchema = z.object({
  height: z.number(),
  action: z.enum(['halt', 'reduce', 'resume']),
  hook: z.string(),
  status: z.enum(['ok', 'failed', 'pending']),
  attempts: z.number(),
  lastError: z.string().nullable(),
  /** Start-up re-asserts that ran this hook again after it was ok (docs/protocol.md "Re-assert on start"). */
  reasserts: z.number(),
});
export type HookStatus = z.infer<typeof hookStatusSchema>;

export const pendingVotesSchema = z.object({
  height: z.number(),
  target: pauseState,
  step,
  /** Breach ids the statement resolves (a step down). */
  resolves: z.array(hex),
  voters: z.array(z.string()),
  needed: z.number(),
});

export const approvalStatusSchema = z.object({
  height: z.number(),
  target: pauseState,
  step,
  approved: z.boolean(),
  breaches: z.array(hex),
});

/** An open breach (docs/protocol.md "Breach identity"): proven by stored evidence, not yet resolved. */
export const openBreachSchema = z.object({
  id: hex,
  kind: z.string(),
  /** The accused lab (report: the subject). */
  lab: z.string(),
  epoch: z.number(),
  /** Hash of the first evidence that proved it. */
  evidence: hex,
  firstSeenAt: z.number(),
  /** The certificate first applied while it was open (the step up that acted on it), else null. */
  actedOnHeight: z.number().nullable(),
});

/** GET /v1/status (also each `event: status` of GET /v1/events). */
export const statusBodySchema = z.object({
  networkId: hex,
  role: z.enum(['member', 'observer']),
  self: z.string().nullable(),
  peerId: z.string(),
  peers: z.array(z.object({ peerId: z.string(), lab: z.string().nullable() })),
  state: pauseState,
  height: z.number(),
  since: z.number().nullable(),
  threshold: z.number(),
  /** Readiness (GET /v1/health): false until the start-up re-assert of the hooks completed. */
  ready: z.boolean(),
  readyReason: z.string().nullable(),
  labs: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      connected: z.boolean(),
      lastCommitment: commitmentViewSchema.nullable(),
    }),
  ),
  pendingVotes: z.array(pendingVotesSchema),
  approvals: z.array(approvalStatusSchema),
  breaches: z.object({ open: z.array(openBreachSchema), openCount: z.number(), resolvedCount: z.number() }),
  hooks: z.array(hookStatusSchema),
});
export type StatusBody = z.infer<typeof statusBodySchema>;

/** GET /v1/health: 200 when ready, else 503 with the reason. */
export const healthBodySchema = z.object({
  ready: z.boolean(),
  reason: z.string().nullable(),
  state: pauseState,
  height: z.number(),
});
export type HealthBody = z.infer<typeof healthBodySchema>;

export const approvedBreachSchema = z.object({
  id: hex,
  /** null when this node has not seen evidence for it. */
  kind: z.string().nullable(),
  lab: z.string().nullable(),
  epoch: z.number().nullable(),
  evidence: hex.nullable(),
  status: z.enum(['open', 'resolved', 'unknown']),
});
export type ApprovedBreachView = z.infer<typeof approvedBreachSchema>;

/** POST /v1/approve (200; a refusal is HTTP 409 with its code). */
export const approveResultSchema = z.object({
  /** This member's vote for the transition is signed (now or before). */
  signed: z.boolean(),
  reason: z.string().optional(),
  refused: z.string().optional(),
  height: z.number(),
  target: pauseState,
  /** PAUSED: the breaches approved; RUNNING: the breaches the resume resolves. */
  breaches: z.array(approvedBreachSchema),
  source: z.enum(['explicit', 'pending-vote', 'open-breaches']),
  voters: z.array(z.string()).optional(),
  /** RUNNING: open breaches this resume leaves open (a new pause follows by policy). */
  leftOpen: z.number().optional(),
  dryRun: z.boolean().optional(),
});
export type ApproveResultBody = z.infer<typeof approveResultSchema>;
