import { toHex } from '../bytes.js';
import { ProtocolError } from '../errors.js';
import type {
  Certificate,
  Commitment,
  EvidenceBody,
  Genesis,
  Receipt,
  ReleaseCertificate,
  ReleasePayload,
  ReleaseVote,
  RunRecord,
  SignedCommitment,
  SignedEvidence,
  SignedReceipt,
  SignedReleaseVote,
  SignedVote,
  Vote,
} from '../types.js';
import { decodeCanonical, encodeCanonical } from './cbor.js';
import { MAX_BYTES } from './limits.js';
import {
  certificateField,
  commitmentField,
  evidenceBodyField,
  genesisField,
  receiptField,
  releaseCertificateField,
  releasePayloadField,
  releaseVoteField,
  runRecordField,
  signedCommitmentField,
  signedEvidenceField,
  signedReceiptField,
  signedReleaseVoteField,
  signedVoteField,
  voteField,
} from './messages.js';

/** Semantic rules of a genesis beyond field types (G-rules in docs/protocol.md). Throws INVALID_GENESIS. */
export function checkGenesis(g: Genesis): void {
  const bad = (path: string, msg: string) => new ProtocolError('INVALID_GENESIS', msg, path);
  const n = g.members.length;
  const ids = new Set<string>();
  const keys = new Set<string>();
  g.members.forEach((m, i) => {
    if (m.index !== i + 1)
      throw bad(`members[${i}].index`, `members must be listed by index 1..n; expected ${i + 1}`);
    if (ids.has(m.id)) throw bad(`members[${i}].id`, `duplicate member id ${m.id}`);
    ids.add(m.id);
    const k = toHex(m.publicKey);
    if (keys.has(k)) throw bad(`members[${i}].publicKey`, 'duplicate member public key');
    keys.add(k);
  });
  if (g.threshold <= Math.floor(n / 2) || g.threshold > n)
    throw bad('threshold', `threshold ${g.threshold} must satisfy n/2 < t <= n (n=${n})`);
  const auto = new Set(g.policy.autoVote);
  if (auto.size !== g.policy.autoVote.length) throw bad('policy.autoVote', 'duplicate kind');
  const appr = new Set(g.policy.approvalRequired);
  if (appr.size !== g.policy.approvalRequired.length) throw bad('policy.approvalRequired', 'duplicate kind');
  for (const k of appr)
    if (auto.has(k))
      throw bad('policy.approvalRequired', `${k} is also in autoVote: a kind is either automatic or judged`);
  g.policy.auditors.forEach((a, i) => {
    if (ids.has(a.id))
      throw bad(`policy.auditors[${i}].id`, `auditor id ${a.id} collides with a member or auditor id`);
    ids.add(a.id);
  });
  // G_PLEDGE: a pledge depends on other members, each named once.
  const memberIds = new Set(g.members.map((m) => m.id));
  g.members.forEach((m, i) => {
    const deps = m.pledge?.dependsOn;
    if (deps === undefined || deps === 'all') return;
    const seen = new Set<string>();
    deps.forEach((d, j) => {
      const at = `members[${i}].pledge.dependsOn[${j}]`;
      if (!memberIds.has(d)) throw bad(at, `${d} is not a member id (a pledge depends on members)`);
      if (d === m.id) throw bad(at, `a lab's pledge cannot depend on itself (${d})`);
      if (seen.has(d)) throw bad(at, `duplicate lab ${d}`);
      seen.add(d);
    });
  });
  // G_LIMITS: PAUSED is at least as strict as REDUCED (a looser PAUSED limit is a configuration mistake).
  const reduced = g.policy.limits?.REDUCED;
  const paused = g.policy.limits?.PAUSED;
  if (reduced && paused)
    for (const k of ['trainingFlop', 'largestRunGrowthBps', 'acceleratorHoursBps'] as const) {
      const r = reduced[k];
      const p = paused[k];
      if (r !== undefined && p !== undefined && p > r)
        throw bad(
          `policy.limits.PAUSED.${k}`,
          `${String(p)} is looser than REDUCED's ${String(r)}: PAUSED limits must be at most REDUCED's (omit the field to inherit REDUCED's)`,
        );
    }
  if (g.dkg && g.dkg.publicShares.length !== n)
    throw bad(
      'dkg.publicShares',
      `expected ${n} public shares (one per member), got ${g.dkg.publicShares.length}`,
    );
}

/** Canonical CBOR of a genesis (validated first). */
export function encodeGenesis(g: Genesis): Uint8Array {
  checkGenesis(g);
  return encodeCanonical(genesisField, g, 'genesis', MAX_BYTES.genesis);
}

/** Decode and validate a genesis (strict canonical CBOR). */
export function decodeGenesis(b: Uint8Array): Genesis {
  const g = decodeCanonical(genesisField, b, 'genesis', MAX_BYTES.genesis);
  checkGenesis(g);
  return g;
}

/** Canonical CBOR of the unsigned commitment (what the lab signs). */
export function encodeCommitment(c: Commitment): Uint8Array {
  return encodeCanonical(commitmentField, c, 'commitment', MAX_BYTES.signedCommitment);
}

/** Decode an unsigned commitment. */
export function decodeCommitment(b: Uint8Array): Commitment {
  return decodeCanonical(commitmentField, b, 'commitment', MAX_BYTES.signedCommitment);
}

/** Canonical CBOR of a signed commitment (gossip payload). */
export function encodeSignedCommitment(sc: SignedCommitment): Uint8Array {
  return encodeCanonical(signedCommitmentField, sc, 'signed commitment', MAX_BYTES.signedCommitment);
}

/** Decode a signed commitment from untrusted bytes. */
export function decodeSignedCommitment(b: Uint8Array): SignedCommitment {
  return decodeCanonical(signedCommitmentField, b, 'signed commitment', MAX_BYTES.signedCommitment);
}

/** Canonical CBOR of the evidence body (what the reporter signs). */
export function encodeEvidenceBody(e: EvidenceBody): Uint8Array {
  return encodeCanonical(evidenceBodyField, e, 'evidence body', MAX_BYTES.signedEvidence);
}

/** Canonical CBOR of signed evidence (gossip payload). */
export function encodeSignedEvidence(se: SignedEvidence): Uint8Array {
  return encodeCanonical(signedEvidenceField, se, 'signed evidence', MAX_BYTES.signedEvidence);
}

/** Decode signed evidence from untrusted bytes. */
export function decodeSignedEvidence(b: Uint8Array): SignedEvidence {
  return decodeCanonical(signedEvidenceField, b, 'signed evidence', MAX_BYTES.signedEvidence);
}

/** Canonical CBOR of the unsigned vote (what the voter signs with Ed25519). */
export function encodeVote(v: Vote): Uint8Array {
  return encodeCanonical(voteField, v, 'vote', MAX_BYTES.signedVote);
}

/** Canonical CBOR of a signed vote (gossip payload). */
export function encodeSignedVote(sv: SignedVote): Uint8Array {
  return encodeCanonical(signedVoteField, sv, 'signed vote', MAX_BYTES.signedVote);
}

/** Decode a signed vote from untrusted bytes. */
export function decodeSignedVote(b: Uint8Array): SignedVote {
  return decodeCanonical(signedVoteField, b, 'signed vote', MAX_BYTES.signedVote);
}

/** Canonical CBOR of a certificate. */
export function encodeCertificate(c: Certificate): Uint8Array {
  return encodeCanonical(certificateField, c, 'certificate', MAX_BYTES.certificate);
}

/** Decode a certificate from untrusted bytes. */
export function decodeCertificate(b: Uint8Array): Certificate {
  return decodeCanonical(certificateField, b, 'certificate', MAX_BYTES.certificate);
}

/** Canonical CBOR of the unsigned receipt (what the lab signs). */
export function encodeReceipt(r: Receipt): Uint8Array {
  return encodeCanonical(receiptField, r, 'receipt', MAX_BYTES.signedReceipt);
}

/** Canonical CBOR of a signed receipt (gossip payload). */
export function encodeSignedReceipt(sr: SignedReceipt): Uint8Array {
  return encodeCanonical(signedReceiptField, sr, 'signed receipt', MAX_BYTES.signedReceipt);
}

/** Decode a signed receipt from untrusted bytes. */
export function decodeSignedReceipt(b: Uint8Array): SignedReceipt {
  return decodeCanonical(signedReceiptField, b, 'signed receipt', MAX_BYTES.signedReceipt);
}

/** Canonical CBOR of a release payload {released, breaches} (hashed into the release statement). */
export function encodeReleasePayload(p: ReleasePayload): Uint8Array {
  return encodeCanonical(releasePayloadField, p, 'release payload', MAX_BYTES.releaseCertificate);
}

/** Canonical CBOR of the unsigned release vote (what the voter signs with Ed25519). */
export function encodeReleaseVote(v: ReleaseVote): Uint8Array {
  return encodeCanonical(releaseVoteField, v, 'release vote', MAX_BYTES.signedReleaseVote);
}

/** Canonical CBOR of a signed release vote (gossip payload). */
export function encodeSignedReleaseVote(sv: SignedReleaseVote): Uint8Array {
  return encodeCanonical(signedReleaseVoteField, sv, 'signed release vote', MAX_BYTES.signedReleaseVote);
}

/** Decode a signed release vote from untrusted bytes. */
export function decodeSignedReleaseVote(b: Uint8Array): SignedReleaseVote {
  return decodeCanonical(signedReleaseVoteField, b, 'signed release vote', MAX_BYTES.signedReleaseVote);
}

/** Canonical CBOR of a release certificate. */
export function encodeReleaseCertificate(c: ReleaseCertificate): Uint8Array {
  return encodeCanonical(releaseCertificateField, c, 'release certificate', MAX_BYTES.releaseCertificate);
}

/** Decode a release certificate from untrusted bytes. */
export function decodeReleaseCertificate(b: Uint8Array): ReleaseCertificate {
  return decodeCanonical(releaseCertificateField, b, 'release certificate', MAX_BYTES.releaseCertificate);
}

/** Canonical CBOR of a private run record (Merkle leaf preimage). */
export function encodeRunRecord(r: RunRecord): Uint8Array {
  return encodeCanonical(runRecordField, r, 'run record', MAX_BYTES.runRecord);
}

/** Decode a disclosed run record. */
export function decodeRunRecord(b: Uint8Array): RunRecord {
  return decodeCanonical(runRecordField, b, 'run record', MAX_BYTES.runRecord);
}
