/**
 * @packageDocumentation The node's local HTTP API shapes (docs/node.md "HTTP API") as zod schemas: the one
 * definition the node, the CLI, the dashboard and the hooks share. Depends on zod and the protocol's JSON
 * readers only (no I/O); importable on its own as `@pausenet/protocol/api`.
 */

export type { ApiBodyProblem } from './body.js';
export { parseApiBody } from './body.js';
export type { ApproveRequestBody, CommitmentRequestBody, EvidenceRequestBody } from './requests.js';
export {
  APPROVE_REQUEST_CODES,
  approveRequestSchema,
  COMMITMENT_REQUEST_CODES,
  COMMITMENTS_QUERY_CODES,
  commitmentRequestSchema,
  commitmentsQuerySchema,
  EVIDENCE_REQUEST_CODES,
  evidenceRequestSchema,
  runRecordRequestSchema,
} from './requests.js';
export type {
  ApiErrorBody,
  ApprovedBreachView,
  ApproveResultBody,
  CertificateView,
  CommitmentView,
  EvidenceView,
  HealthBody,
  HookStatus,
  MetricsView,
  StatusBody,
  SubmittedCommitment,
} from './responses.js';
export {
  apiErrorBodySchema,
  approvalStatusSchema,
  approvedBreachSchema,
  approveResultSchema,
  certificateViewSchema,
  commitmentViewSchema,
  evidenceViewSchema,
  healthBodySchema,
  hookStatusSchema,
  latenessSchema,
  metricsJsonSchema,
  openBreachSchema,
  pendingVotesSchema,
  statusBodySchema,
  submittedCommitmentSchema,
} from './responses.js';
