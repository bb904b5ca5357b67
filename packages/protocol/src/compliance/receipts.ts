import { bytesEqual, toHex } from '../bytes.js';
import { receiptDeadlineOf } from '../level.js';
import { certificateHash, receiptHash } from '../signing.js';
import type { Certificate, Genesis, LabId, SignedReceipt } from '../types.js';

/**
 * A lab's confirmation of one certificate on one node (docs/protocol.md "Receipts"):
 * `confirmed` (its newest receipt reports every hook ok), `failing` (its newest receipt reports a failed
 * hook), `pending` (no receipt yet, within policy.receiptDeadlineMs of this node applying the certificate),
 * `not-confirmed` (no receipt after that).
 */
export type ConfirmationStatus = 'confirmed' | 'failing' | 'pending' | 'not-confirmed';

export interface Confirmation {
  lab: LabId;
  status: ConfirmationStatus;
  /** The first receipt of the lab for this certificate reached this node after the deadline. */
  late: boolean;
  /** The newest receipt (hash hex), its issuedAt and the hooks it reports failed. */
  receipt: string | null;
  issuedAt: number | null;
  failed: string[];
}

export interface ConfirmationInput {
  genesis: Genesis;
  certificate: Certificate;
  /** When this node applied the certificate (its own clock). */
  appliedAt: number;
  now: number;
  /** Validated receipts held (any labs, any certificates), with this node's first-seen time when known. */
  receipts: readonly { receipt: SignedReceipt; firstSeenAt?: number }[];
}

/** Each member's confirmation status for `certificate`, in member order. Pure: time comes in as `now`. */
export function receiptConfirmations(input: ConfirmationInput): Confirmation[] {
  const hash = certificateHash(input.certificate);
  const deadline = input.appliedAt + receiptDeadlineOf(input.genesis.policy);
  return input.genesis.members.map((m) => {
    const mine = input.receipts.filter(
      (x) => x.receipt.receipt.lab === m.id && bytesEqual(x.receipt.receipt.certificateHash, hash),
    );
    let newest: SignedReceipt | null = null;
    let firstSeen: number | null = null;
    for (const x of mine) {
      if (newest === null || x.receipt.receipt.issuedAt > newest.receipt.issuedAt) newest = x.receipt;
      if (x.firstSeenAt !== undefined && (firstSeen === null || x.firstSeenAt < firstSeen))
        firstSeen = x.firstSeenAt;
    }
    if (newest === null)
      return {
        lab: m.id,
        status: input.now > deadline ? 'not-confirmed' : 'pending',
        late: false,
        receipt: null,
        issuedAt: null,
        failed: [],
      };
    const failed = newest.receipt.hooks.filter((h) => h.outcome !== 'ok').map((h) => h.name);
    return {
      lab: m.id,
      status: failed.length === 0 ? 'confirmed' : 'failing',
      late: firstSeen !== null && firstSeen > deadline,
      receipt: toHex(receiptHash(newest)),
      issuedAt: newest.receipt.issuedAt,
      failed,
    };
  });
}
