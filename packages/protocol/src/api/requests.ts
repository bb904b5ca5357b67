import { z } from 'zod';
import { breachIdsFromHex } from '../breach.js';
import { ProtocolError } from '../errors.js';
import { metricsFromJson } from '../json.js';

/*
 * Request bodies and queries of the node's local HTTP API (docs/node.md "HTTP API"), once, as zod schemas:
 * the node checks bodies with them (a bad body is HTTP 400 with the code below), the CLI, the dashboard and
 * the Slurm metering hook build their requests from the same types. Bytes are lowercase hex, bigints
 * decimal strings, times unix ms.
 */

const nonNegativeInt = (field: string) =>
  z
    .number({ error: `${field} must be a non-negative integer` })
    .int({ error: `${field} must be a non-negative integer` })
    .min(0, { error: `${field} must be a non-negative integer` });

const decimal = (field: string) =>
  z.string({ error: `${field} must be a decimal string (bigints travel as strings)` });

/**
 * The metrics of a commitment: the shape here, the ranges by the protocol's own JSON reader (the same rules
 * as the wire format).
 */
const metricsBody = z
  .strictObject(
    {
      trainingFlop: decimal('metrics.trainingFlop'),
      largestRunFlop: decimal('metrics.largestRunFlop'),
      maxParams: decimal('metrics.maxParams'),
      datasetTokens: decimal('metrics.datasetTokens'),
      acceleratorHours: decimal('metrics.acceleratorHours'),
      utilizationBps: z.number({
        error: 'metrics.utilizationBps must be an integer 0..10000 (basis points)',
      }),
    },
    {
      error:
        'metrics must be an object {trainingFlop, largestRunFlop, maxParams, datasetTokens, acceleratorHours} of decimal strings and utilizationBps 0..10000',
    },
  )
  .transform((v, ctx) => {
    try {
      return metricsFromJson(v);
    } catch (err) {
      const at = err instanceof ProtocolError && err.path ? `metrics.${err.path}` : 'metrics';
      ctx.addIssue({ code: 'custom', path: [], message: `${at}: ${(err as Error).message}` });
      return z.NEVER;
    }
  });

/** A run record as submitted: without `salt`, the node adds 32 random bytes (returned to the submitter). */
export const runRecordRequestSchema = z.object(
  {
    id: z.string({ error: 'id must be a text string (the run id)' }),
    flop: decimal('flop'),
    params: decimal('params'),
    datasetTokens: decimal('datasetTokens'),
    acceleratorHours: decimal('acceleratorHours'),
    salt: z.string({ error: 'salt must be 64 hex characters, or left out' }).optional(),
  },
  { error: 'each run must be an object {id, flop, params, datasetTokens, acceleratorHours}' },
);

/** POST /v1/commitments. */
export const commitmentRequestSchema = z.object(
  {
    metrics: metricsBody,
    runs: z.array(runRecordRequestSchema, { error: 'runs must be an array of run records' }).optional(),
    /** Defaults to the epoch of now. */
    epoch: nonNegativeInt('epoch').optional(),
  },
  { error: 'body must be a JSON object {metrics, runs?, epoch?}' },
);
export type CommitmentRequestBody = z.input<typeof commitmentRequestSchema>;
/** Error code of each field of a bad POST /v1/commitments body. */
export const COMMITMENT_REQUEST_CODES = {
  '': 'BAD_REQUEST',
  metrics: 'BAD_METRICS',
  runs: 'BAD_RUNS',
  epoch: 'BAD_EPOCH',
};

/** POST /v1/evidence: judged evidence filed by an operator (cap-exceeded and equivocation are automatic). */
export const evidenceRequestSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({
      kind: z.literal('missed'),
      lab: z.string({ error: 'missed evidence needs "lab" (the lab that did not commit)' }),
      epoch: nonNegativeInt('epoch'),
    }),
    z.object({
      kind: z.literal('report'),
      subject: z.string({ error: 'report evidence needs "subject" (the lab it is about)' }),
      epoch: nonNegativeInt('epoch'),
      digest: z
        .string({ error: 'report evidence needs "digest" (hex of the report document)' })
        .regex(/^([0-9a-fA-F]{2})*$/, { error: 'digest must be hex (of the report document)' }),
      summary: z.string({ error: 'report evidence needs "summary" (one line)' }),
    }),
  ],
  { error: 'kind must be "report" or "missed" (cap-exceeded and equivocation are filed automatically)' },
);
export type EvidenceRequestBody = z.input<typeof evidenceRequestSchema>;
export const EVIDENCE_REQUEST_CODES = { '': 'BAD_EVIDENCE' };

/** POST /v1/approve (docs/protocol.md "Approvals"). */
export const approveRequestSchema = z.object(
  {
    height: z
      .number({ error: 'height must be a positive integer (the open height: pausenet status)' })
      .int({ error: 'height must be a positive integer (the open height: pausenet status)' })
      .min(1, { error: 'height must be a positive integer (the open height: pausenet status)' }),
    target: z.enum(['PAUSED', 'RUNNING'], { error: 'target must be "PAUSED" or "RUNNING"' }),
    /** PAUSED: the judged breach ids approved; RUNNING: the ids the resume resolves. Default: see the spec. */
    breaches: z
      .array(z.string({ error: 'each breach id must be a string of 64 lowercase hex characters' }), {
        error:
          'breaches must be a list of breach ids (64 lowercase hex characters each; pausenet status lists them)',
      })
      .transform((ids, ctx) => {
        const parsed = breachIdsFromHex(ids);
        if (parsed === null) {
          ctx.addIssue({
            code: 'custom',
            message:
              'breaches must be a list of breach ids (64 lowercase hex characters each; pausenet status lists them)',
          });
          return z.NEVER;
        }
        return parsed;
      })
      .optional(),
    force: z.boolean({ error: 'force must be true or false' }).optional(),
    dryRun: z.boolean({ error: 'dryRun must be true or false' }).optional(),
  },
  { error: 'body must be a JSON object {height, target, breaches?, force?, dryRun?}' },
);
export type ApproveRequestBody = z.input<typeof approveRequestSchema>;
export const APPROVE_REQUEST_CODES = { '': 'BAD_APPROVAL' };

const queryInt = (field: string) =>
  z
    .string()
    .regex(/^\d+$/, { error: `${field} must be a non-negative integer` })
    .transform((s) => Number(s))
    .refine((n) => Number.isSafeInteger(n), { error: `${field} must be a non-negative integer` })
    .optional();

/** GET /v1/commitments?lab=&from=&to= (from/to: epochs, inclusive). */
export const commitmentsQuerySchema = z.object({
  lab: z.string().min(1).optional(),
  from: queryInt('from'),
  to: queryInt('to'),
});
export const COMMITMENTS_QUERY_CODES = { '': 'BAD_QUERY' };
