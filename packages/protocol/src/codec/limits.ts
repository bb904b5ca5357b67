/** Size limits (bytes of canonical CBOR) and field bounds; docs/protocol.md "Encoding" lists them. */
export const MAX_BYTES = {
  genesis: 262_144,
  signedCommitment: 8_192,
  signedEvidence: 20_480,
  signedVote: 4_096,
  certificate: 8_192,
  runRecord: 1_024,
} as const;

export const LIMITS = {
  members: 64,
  peerIdsPerMember: 8,
  addrsPerMember: 8,
  auditors: 32,
  attestations: 4,
  voteEvidenceRefs: 16,
  /** Breach ids a PAUSED vote cites. */
  voteBreaches: 16,
  /** Breach ids one resume (vote or certificate) resolves. */
  resolves: 64,
  /** Bignum byte length cap (2^256-1): far above any physical quantity. */
  bigintBytes: 32,
  nameBytes: 128,
  summaryBytes: 1_024,
  peerIdBytes: 128,
  addrBytes: 256,
  utilizationBps: 10_000,
  /** Genesis revisions (amendments count from 2; the statement encodes the revision as u32be). */
  revision: 0xffff_ffff,
} as const;

/** Protocol version (Genesis.version, domain tags `pausenet/v2/...`). */
export const PROTOCOL_VERSION = 2;

/** Defaults of the judged-evidence admission policy fields (docs/protocol.md "Evidence floods"). */
export const DEFAULT_JUDGED_QUOTA_PER_EPOCH = 8;
export const DEFAULT_JUDGED_MAX_AGE_EPOCHS = 30;

/** Member, auditor and reporter ids. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
