import { breachIdOf } from './breach.js';
import { bytesEqual, fromHexOrNull, sha256, toHex } from './bytes.js';
import { checkGenesis, encodeSignedReleaseVote } from './codec/codec.js';
import {
  certificateField,
  genesisField,
  metricsField,
  releaseCertificateField,
  runRecordField,
  signedCommitmentField,
  signedEvidenceField,
  signedReceiptField,
  signedReleaseVoteField,
  signedVoteField,
} from './codec/messages.js';
import type { Field } from './codec/schema.js';
import { ProtocolError } from './errors.js';
import {
  certificateHash,
  evidenceHash,
  hashSignedCommitment,
  receiptHash,
  releaseCertificateHash,
  releaseStatementBytes,
  statementBytes,
  statementOf,
  voteHash,
} from './signing.js';
import type {
  Certificate,
  Genesis,
  Level,
  Metrics,
  ReleaseCertificate,
  RunRecord,
  SignedCommitment,
  SignedEvidence,
  SignedReceipt,
  SignedReleaseVote,
  SignedVote,
  Step,
} from './types.js';

/** JSON views for APIs: bytes -> lowercase hex, bigint -> decimal string; `fromJson` validates like decode. */

export interface MetricsJson {
  trainingFlop: string;
  largestRunFlop: string;
  maxParams: string;
  datasetTokens: string;
  acceleratorHours: string;
  utilizationBps: number;
}

export interface CommitmentJson {
  /** hashSignedCommitment, hex. */
  hash: string;
  networkId: string;
  lab: string;
  epoch: number;
  seq: number;
  prev: string;
  issuedAt: number;
  height: number;
  level: Level;
  metrics: MetricsJson;
  runsRoot: string;
  attestations: { attester: string; publicKey: string; signature: string }[];
  signature: string;
}

export interface CertificateJson {
  hash: string;
  networkId: string;
  height: number;
  target: Level;
  step: Step;
  /** statementBytes of (networkId, height, target, step, resolves), hex: what the group signature covers. */
  statement: string;
  signature: string;
  signers: string[];
  /** Breach ids (hex) a step down resolves; empty for a step up. */
  resolves: string[];
  /** Genesis revision of `signers` (absent = revision 1). */
  revision?: number;
}

/** A signed receipt, flattened, with its hash. */
export interface ReceiptJson {
  /** receiptHash, hex. */
  hash: string;
  networkId: string;
  lab: string;
  height: number;
  target: Level;
  certificateHash: string;
  hooksDoneAt: number;
  hooks: { name: string; outcome: 'ok' | 'failed'; attempts: number }[];
  schedulerDigest: string;
  issuedAt: number;
  signature: string;
}

/**
 * Node-local metadata the API adds to message views (first-seen time, lateness judgement, the old
 * `storedAt` name): not part of any signed message, stripped before parsing.
 */
const LOCAL_KEYS = ['firstSeenAt', 'storedAt', 'lateness'];

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError('MALFORMED', (e as Error)?.message ?? String(e));
  }
}

function from<T>(field: Field<T>, json: unknown): T {
  return wrap(() => field.readJson(json, ''));
}

/** Strip a computed key (hash/statement) from a JSON object before schema reading, checking it if present. */
function withoutComputed(
  json: unknown,
  keys: string[],
): { rest: unknown; computed: Record<string, unknown> } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { rest: json, computed: {} };
  const rest: Record<string, unknown> = { ...(json as Record<string, unknown>) };
  const computed: Record<string, unknown> = {};
  for (const k of keys) {
    if (Object.hasOwn(rest, k)) computed[k] = rest[k];
    delete rest[k];
  }
  return { rest, computed };
}

function checkHash(computed: Record<string, unknown>, key: string, actual: Uint8Array): void {
  const v = computed[key];
  if (v === undefined) return;
  const b = typeof v === 'string' ? fromHexOrNull(v) : null;
  if (!b || !bytesEqual(b, actual))
    throw new ProtocolError('MALFORMED', `${key} does not match the content`, key);
}

/** Genesis as JSON (GET /v1/genesis). */
export function genesisToJson(g: Genesis): unknown {
  return genesisField.writeJson(g, '');
}

/** Genesis from its JSON view (validated like decodeGenesis). */
export function genesisFromJson(json: unknown): Genesis {
  const g = from(genesisField, json);
  checkGenesis(g);
  return g;
}

/** Metrics as JSON (decimal strings). */
export function metricsToJson(m: Metrics): MetricsJson {
  return metricsField.writeJson(m, '') as MetricsJson;
}

/** Metrics from JSON (e.g. POST /v1/commitments body); errors name the field. */
export function metricsFromJson(json: unknown): Metrics {
  return from(metricsField, json);
}

/** A signed commitment as CommitmentJson (flattened, with its hash). */
export function commitmentToJson(sc: SignedCommitment): CommitmentJson {
  const j = signedCommitmentField.writeJson(sc, '') as {
    commitment: Omit<CommitmentJson, 'hash' | 'signature'>;
    signature: string;
  };
  return { hash: toHex(hashSignedCommitment(sc)), ...j.commitment, signature: j.signature };
}

/** Parse CommitmentJson back (a present `hash` must match). */
export function commitmentFromJson(json: unknown): SignedCommitment {
  const { rest, computed } = withoutComputed(json, ['hash', ...LOCAL_KEYS]);
  if (typeof rest !== 'object' || rest === null || Array.isArray(rest))
    throw new ProtocolError('WRONG_TYPE', 'expected a CommitmentJson object');
  const { signature, ...commitment } = rest as Record<string, unknown>;
  const sc = from(signedCommitmentField, { commitment, signature });
  checkHash(
    computed,
    'hash',
    wrap(() => hashSignedCommitment(sc)),
  );
  return sc;
}

/** Signed evidence as JSON, with its hash (the reference votes carry) and the id of the breach it proves. */
export function evidenceToJson(
  se: SignedEvidence,
): Record<string, unknown> & { hash: string; breach: string } {
  return {
    hash: toHex(evidenceHash(se)),
    breach: toHex(breachIdOf(se.evidence)),
    ...(signedEvidenceField.writeJson(se, '') as Record<string, unknown>),
  };
}

/** Parse evidence JSON back (present `hash` and `breach` must match). */
export function evidenceFromJson(json: unknown): SignedEvidence {
  const { rest, computed } = withoutComputed(json, ['hash', 'breach', ...LOCAL_KEYS]);
  const se = from(signedEvidenceField, rest);
  checkHash(
    computed,
    'hash',
    wrap(() => evidenceHash(se)),
  );
  checkHash(
    computed,
    'breach',
    wrap(() => breachIdOf(se.evidence)),
  );
  return se;
}

/** Signed vote as JSON, with its hash. */
export function voteToJson(sv: SignedVote): Record<string, unknown> & { hash: string } {
  return { hash: toHex(voteHash(sv)), ...(signedVoteField.writeJson(sv, '') as Record<string, unknown>) };
}

/** Parse vote JSON back (a present `hash` must match). */
export function voteFromJson(json: unknown): SignedVote {
  const { rest, computed } = withoutComputed(json, ['hash', ...LOCAL_KEYS]);
  const sv = from(signedVoteField, rest);
  checkHash(
    computed,
    'hash',
    wrap(() => voteHash(sv)),
  );
  return sv;
}

/** Certificate as CertificateJson (GET /v1/certificates), including the signed statement bytes. */
export function certificateToJson(cert: Certificate): CertificateJson {
  const j = certificateField.writeJson(cert, '') as Omit<CertificateJson, 'hash' | 'statement'>;
  return {
    hash: toHex(certificateHash(cert)),
    ...j,
    statement: toHex(statementBytes(statementOf(cert))),
  };
}

/** Parse CertificateJson back (present `hash`/`statement` must match). */
export function certificateFromJson(json: unknown): Certificate {
  const { rest, computed } = withoutComputed(json, ['hash', 'statement', ...LOCAL_KEYS]);
  const cert = from(certificateField, rest);
  checkHash(
    computed,
    'hash',
    wrap(() => certificateHash(cert)),
  );
  checkHash(
    computed,
    'statement',
    wrap(() => statementBytes(statementOf(cert))),
  );
  return cert;
}

/** A signed receipt as ReceiptJson (flattened, with its hash). */
export function receiptToJson(sr: SignedReceipt): ReceiptJson {
  const j = signedReceiptField.writeJson(sr, '') as {
    receipt: Omit<ReceiptJson, 'hash' | 'signature'>;
    signature: string;
  };
  return { hash: toHex(receiptHash(sr)), ...j.receipt, signature: j.signature };
}

/** Parse ReceiptJson back (a present `hash` must match). */
export function receiptFromJson(json: unknown): SignedReceipt {
  const { rest, computed } = withoutComputed(json, ['hash', ...LOCAL_KEYS]);
  if (typeof rest !== 'object' || rest === null || Array.isArray(rest))
    throw new ProtocolError('WRONG_TYPE', 'expected a ReceiptJson object');
  const { signature, ...receipt } = rest as Record<string, unknown>;
  const sr = from(signedReceiptField, { receipt, signature });
  checkHash(
    computed,
    'hash',
    wrap(() => receiptHash(sr)),
  );
  return sr;
}

/** A signed release vote as JSON, with its hash. */
export function releaseVoteToJson(sv: SignedReleaseVote): Record<string, unknown> & { hash: string } {
  return {
    hash: toHex(sha256(encodeSignedReleaseVote(sv))),
    ...(signedReleaseVoteField.writeJson(sv, '') as Record<string, unknown>),
  };
}

/** Parse release vote JSON back (a present `hash` must match). */
export function releaseVoteFromJson(json: unknown): SignedReleaseVote {
  const { rest, computed } = withoutComputed(json, ['hash', ...LOCAL_KEYS]);
  const sv = from(signedReleaseVoteField, rest);
  checkHash(
    computed,
    'hash',
    wrap(() => sha256(encodeSignedReleaseVote(sv))),
  );
  return sv;
}

/** A release certificate as JSON, with its hash and the signed release statement (hex). */
export function releaseCertificateToJson(
  c: ReleaseCertificate,
): Record<string, unknown> & { hash: string; statement: string } {
  return {
    hash: toHex(releaseCertificateHash(c)),
    ...(releaseCertificateField.writeJson(c, '') as Record<string, unknown>),
    statement: toHex(releaseStatementBytes(c)),
  };
}

/** Parse release certificate JSON back (present `hash`/`statement` must match). */
export function releaseCertificateFromJson(json: unknown): ReleaseCertificate {
  const { rest, computed } = withoutComputed(json, ['hash', 'statement', ...LOCAL_KEYS]);
  const c = from(releaseCertificateField, rest);
  checkHash(
    computed,
    'hash',
    wrap(() => releaseCertificateHash(c)),
  );
  checkHash(
    computed,
    'statement',
    wrap(() => releaseStatementBytes(c)),
  );
  return c;
}

/** Run record as JSON (for disclosure to an auditor). */
export function runRecordToJson(r: RunRecord): Record<string, unknown> {
  return runRecordField.writeJson(r, '') as Record<string, unknown>;
}

/** Run record from JSON. */
export function runRecordFromJson(json: unknown): RunRecord {
  return from(runRecordField, json);
}

/** Generic JSON view of any protocol value: Uint8Array -> hex, bigint -> decimal string (recursively). */
export function toJsonValue(x: unknown): unknown {
  if (x instanceof Uint8Array) return toHex(x);
  if (typeof x === 'bigint') return x.toString(10);
  if (Array.isArray(x)) return x.map(toJsonValue);
  if (typeof x === 'object' && x !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (v !== undefined) out[k] = toJsonValue(v);
    return out;
  }
  return x;
}
