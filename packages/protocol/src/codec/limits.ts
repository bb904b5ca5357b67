/** Size limits (bytes of canonical CBOR) and field bounds; docs/protocol.md "Encoding" lists them. */
export const MAX_BYTES = {
  genesis: 262_144,
  signedCommitment: 8_192,
  /** A pause-violation holds a certificate, an acknowledgment and up to 2 + baselineEpochs commitments (worst case ~100 KB). */
  signedEvidence: 131_072,
  signedVote: 4_096,
  certificate: 8_192,
  signedReceipt: 8_192,
  signedReleaseVote: 8_192,
  releaseCertificate: 8_192,
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
  /** Basis-point fractions (acceleratorHoursBps). */
  bps: 10_000,
  /** largestRunGrowthBps: at most +1000 %. */
  growthBps: 100_000,
  /** policy.baselineEpochs (k). */
  baselineEpochs: 8,
  /** Hooks one receipt reports, their name length and attempt count. */
  receiptHooks: 32,
  hookNameBytes: 128,
  hookAttempts: 1_000_000,
  /** Receipts stored per (lab, certificate): a failed hook that later succeeded sends a newer one. */
  receiptsPerCertificate: 8,
  /** Breach ids one release certificate cites. */
  releaseBreaches: 64,
  /** Genesis revisions (amendments count from 2; the statement encodes the revision as u32be). */
  revision: 0xffff_ffff,
} as const;

/** Defaults of optional policy fields (docs/protocol.md "Messages"). */
export const DEFAULT_BASELINE_EPOCHS = 3;
export const DEFAULT_RECEIPT_DEADLINE_MS = 600_000;

/** Protocol version (Genesis.version, domain tags `pausenet/v2/...`). */
export const PROTOCOL_VERSION = 2;

/** Defaults of the judged-evidence admission policy fields (docs/protocol.md "Evidence floods"). */
export const DEFAULT_JUDGED_QUOTA_PER_EPOCH = 8;
export const DEFAULT_JUDGED_MAX_AGE_EPOCHS = 30;

/** Member, auditor and reporter ids. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
