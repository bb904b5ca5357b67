import {
  type Certificate,
  decodeCertificate,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedVote,
  encodeCertificate,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedVote,
  MAX_BYTES,
  type SignedCommitment,
  type SignedEvidence,
  type SignedVote,
} from '@pausenet/protocol';

/** The four message kinds that flow through the one ingest path. */
export type MessageKind = 'commitment' | 'evidence' | 'vote' | 'certificate';

export interface MessageOf {
  commitment: SignedCommitment;
  evidence: SignedEvidence;
  vote: SignedVote;
  certificate: Certificate;
}
export type AnyMessage = MessageOf[MessageKind];

/** Where a message came from: a gossip peer, a sync response, or this node itself (API/agreement). */
export type MessageSource = 'gossip' | 'sync' | 'local';

/** Maximum encoded size of each kind (docs/protocol.md "Wire format"). */
export const MAX_SIZE: Record<MessageKind, number> = {
  commitment: MAX_BYTES.signedCommitment,
  evidence: MAX_BYTES.signedEvidence,
  vote: MAX_BYTES.signedVote,
  certificate: MAX_BYTES.certificate,
};

declare const validatedBrand: unique symbol;

/**
 * A message that passed its protocol rules exactly once, on the ingest path (src/ingest.ts is the only
 * place that makes one). The agreement takes only these, so it checks no signature again.
 */
export interface Validated<K extends MessageKind = MessageKind> {
  readonly kind: K;
  readonly msg: MessageOf[K];
  /** Canonical encoding (what was stored and what is gossiped). */
  readonly bytes: Uint8Array;
  readonly hash: Uint8Array;
  readonly source: MessageSource;
  /**
   * True: durably stored. False: a validly signed commitment that forks its lab's stored chain (an occupied
   * seq or a second commitment for an epoch): never stored, handed on so that equivocation is detected.
   */
  readonly stored: boolean;
  readonly [validatedBrand]: true;
}

/** The one constructor of Validated (ingest only). */
export function validated<K extends MessageKind>(v: Omit<Validated<K>, typeof validatedBrand>): Validated<K> {
  return v as Validated<K>;
}

/** Canonical encoding of a message of `kind`. */
export function encodeMessage<K extends MessageKind>(kind: K, msg: MessageOf[K]): Uint8Array {
  switch (kind) {
    case 'commitment':
      return encodeSignedCommitment(msg as MessageOf['commitment']);
    case 'evidence':
      return encodeSignedEvidence(msg as MessageOf['evidence']);
    case 'vote':
      return encodeSignedVote(msg as MessageOf['vote']);
    default:
      return encodeCertificate(msg as MessageOf['certificate']);
  }
}

/** Decode a message of `kind`; throws ProtocolError on anything but its canonical encoding. */
export function decodeMessage<K extends MessageKind>(kind: K, bytes: Uint8Array): MessageOf[K] {
  switch (kind) {
    case 'commitment':
      return decodeSignedCommitment(bytes) as MessageOf[K];
    case 'evidence':
      return decodeSignedEvidence(bytes) as MessageOf[K];
    case 'vote':
      return decodeSignedVote(bytes) as MessageOf[K];
    default:
      return decodeCertificate(bytes) as MessageOf[K];
  }
}
