import {
  certificateToJson,
  commitmentToJson,
  decodeCertificate,
  decodeSignedEvidence,
  type Evidence,
  evidenceToJson,
  fromHexOrNull,
  type Genesis,
  genesisToJson,
  signEvidence,
  type Validation,
} from '@pausenet/protocol';
import {
  APPROVE_REQUEST_CODES,
  approveRequestSchema,
  EVIDENCE_REQUEST_CODES,
  type EvidenceView,
  evidenceRequestSchema,
  parseApiBody,
} from '@pausenet/protocol/api';
import type { z } from 'zod';
import type { Agreement } from '../agreement/agreement.js';
import type { SelfIdentity } from '../agreement/types.js';
import { buildCommitment, parseCommitmentRequest, runsToJson } from '../commit.js';
import { ApiError } from '../errors.js';
import type { IngestOutcome } from '../ingest.js';
import type { MessageKind, MessageOf } from '../message.js';
import type { NodeStore } from '../store/repositories.js';
import type { ApiBackend } from './server.js';
import type { NodeViews } from './views.js';

export interface ApiHandlerDeps {
  genesis: Genesis;
  networkId: Uint8Array;
  self: SelfIdentity | null;
  store: NodeStore;
  agreement: Agreement;
  views: NodeViews;
  now: () => number;
  /** The local door: ingest (validate once, store, apply), then gossip. */
  publish: <K extends MessageKind>(kind: K, msg: MessageOf[K]) => Promise<Validation>;
  /** The local door for a commitment: ingest synchronously now (no two submissions take one seq), gossip later. */
  ingestOwn: (kind: 'commitment', msg: MessageOf['commitment']) => IngestOutcome & { bytes: Uint8Array };
  gossip: (kind: MessageKind, bytes: Uint8Array) => void;
  onChange: (fn: () => void) => () => void;
}

/** A request body checked against its API schema, or HTTP 400 with the code naming the field and the fix. */
function body<S extends z.ZodType>(schema: S, input: unknown, codes: Record<string, string>): z.output<S> {
  const r = parseApiBody(schema, input, codes);
  if (!r.ok) throw new ApiError(400, r.code, r.message);
  return r.value;
}

/** The HTTP API's handlers (docs/node.md "HTTP API"): bodies checked by the shared zod schemas. */
export function createApiHandlers(d: ApiHandlerDeps): ApiBackend {
  const requireMember = (): SelfIdentity => {
    if (!d.self)
      throw new ApiError(
        403,
        'OBSERVER_READ_ONLY',
        'this node runs as an observer: it has no signing key and accepts no writes',
      );
    return d.self;
  };

  return {
    status: () => d.views.status(),
    health: () => d.views.health(),
    genesis: () => genesisToJson(d.genesis) as Record<string, unknown>,

    /** Sign, chain, store and publish this lab's next commitment. */
    submitCommitment: async (raw) => {
      const self = requireMember();
      const request = parseCommitmentRequest(raw);
      const sc = buildCommitment({
        genesis: d.genesis,
        networkId: d.networkId,
        self,
        head: d.store.commitments.last(self.lab),
        request,
        now: d.now(),
        // This node's applied state when it signs (Commitment.height/level, docs/protocol.md "Compliance").
        applied: { height: d.agreement.height, level: d.agreement.level },
      });
      // Build, sign and ingest run synchronously: concurrent submissions cannot take the same seq.
      const out = d.ingestOwn('commitment', sc);
      if (!out.validation.ok)
        throw new ApiError(422, out.validation.code, `commitment not accepted: ${out.validation.detail}`);
      d.gossip('commitment', out.bytes);
      return {
        ...commitmentToJson(sc),
        ...(request.runs.length > 0 ? { runs: runsToJson(request.runs) } : {}),
      };
    },

    listCommitments: (q) => {
      if (q.lab && !d.genesis.members.some((m) => m.id === q.lab))
        throw new ApiError(404, 'UNKNOWN_LAB', `no member "${q.lab}" in genesis`);
      const labs = q.lab ? [q.lab] : d.genesis.members.map((m) => m.id);
      return labs.flatMap((lab) =>
        d.store.commitments
          .byEpoch(lab, q.from ?? 0, q.to ?? Number.MAX_SAFE_INTEGER, 10_000)
          .map((r) => d.views.commitment(r)),
      );
    },

    /** File judged evidence (missed, report) signed by this member. */
    submitEvidence: async (raw) => {
      const self = requireMember();
      const b = body(evidenceRequestSchema, raw, EVIDENCE_REQUEST_CODES);
      let evidence: Evidence;
      if (b.kind === 'missed') {
        // Judged on first-seen time: a commitment this node saw in time refutes `missed`; a late one (first
        // seen after deadline + grace, e.g. back-dated and planted via sync) does not.
        const row = d.store.commitments.byEpoch(b.lab, b.epoch, b.epoch, 1)[0];
        if (row !== undefined && d.views.latenessOf(row) === 'on-time')
          throw new ApiError(
            422,
            'NOT_MISSED',
            `${b.lab} committed for epoch ${b.epoch} in time (first seen here ${new Date(row.receivedAt).toISOString()}); nothing is missed`,
          );
        evidence = { kind: 'missed', lab: b.lab, epoch: b.epoch };
      } else {
        evidence = {
          kind: 'report',
          subject: b.subject,
          epoch: b.epoch,
          digest: fromHexOrNull(b.digest) as Uint8Array,
          summary: b.summary,
        };
      }
      const se = signEvidence(
        { networkId: d.networkId, evidence, reporter: self.lab, issuedAt: d.now() },
        self.identitySecretKey,
      );
      const v = await d.publish('evidence', se);
      if (!v.ok) throw new ApiError(422, v.code, `evidence not accepted: ${v.detail}`);
      return evidenceToJson(se) as EvidenceView;
    },

    listEvidence: () =>
      d.store.evidence
        .list(10_000)
        .map(
          (r) =>
            ({ ...evidenceToJson(decodeSignedEvidence(r.bytes)), firstSeenAt: r.receivedAt }) as EvidenceView,
        ),

    /** Operator approval (docs/protocol.md "Approvals"); a refusal is HTTP 409 with its code. */
    approve: async (raw) => {
      requireMember();
      const b = body(approveRequestSchema, raw, APPROVE_REQUEST_CODES);
      const r = await d.agreement.approve(b.height, b.target, {
        ...(b.breaches ? { breaches: b.breaches } : {}),
        ...(b.force === true ? { force: true } : {}),
        ...(b.dryRun === true ? { dryRun: true } : {}),
      });
      if (r.refused !== undefined) throw new ApiError(409, r.refused, r.reason ?? r.refused);
      return r;
    },

    listCertificates: () =>
      d.store.certificates
        .range(1, Number.MAX_SAFE_INTEGER, 10_000)
        .map((r) => ({ ...certificateToJson(decodeCertificate(r.bytes)), firstSeenAt: r.receivedAt })),

    onChange: (fn) => d.onChange(fn),
  };
}
