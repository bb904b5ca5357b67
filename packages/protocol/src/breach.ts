import { fromHexOrNull, sha256, utf8 } from './bytes.js';
import { encodeCanonical } from './codec/cbor.js';
import { breachKeyField } from './codec/messages.js';
import type { BreachKey, Evidence } from './types.js';

/**
 * Breach identity (docs/protocol.md "Breach identity"): a breach is what the evidence proves, not the
 * message that reported it. Re-signed evidence (a fresh issuedAt), or the same breach filed by another
 * member, has the same id. Pure.
 */

/** Domain tag of breach ids (NUL-terminated like the signing tags). */
export const BREACH_TAG = 'pausenet/v2/breach\0';

/**
 * The key of the breach `e` proves: cap-exceeded {lab, epoch, cap}; equivocation {lab, min epoch}; missed
 * {lab, epoch}; report {subject, epoch, digest}; pause-violation {lab, epoch, height of the certificate}.
 */
export function breachKeyOf(e: Evidence): BreachKey {
  switch (e.kind) {
    case 'cap-exceeded':
      return {
        kind: 'cap-exceeded',
        lab: e.commitment.commitment.lab,
        epoch: e.commitment.commitment.epoch,
        cap: e.cap,
      };
    case 'equivocation':
      // Two commitments of one lab with the same epoch or the same seq: the breach is the lab at the
      // earlier of the two epochs, whichever pair of its commitments shows it.
      return {
        kind: 'equivocation',
        lab: e.a.commitment.lab,
        epoch: Math.min(e.a.commitment.epoch, e.b.commitment.epoch),
      };
    case 'missed':
      return { kind: 'missed', lab: e.lab, epoch: e.epoch };
    case 'report':
      return { kind: 'report', subject: e.subject, epoch: e.epoch, digest: e.digest };
    case 'pause-violation':
      // One breach per lab, epoch and certified height, whichever acknowledgment or baseline proves it.
      return {
        kind: 'pause-violation',
        lab: e.commitment.commitment.lab,
        epoch: e.commitment.commitment.epoch,
        height: e.certificate.height,
      };
  }
}

/** Canonical CBOR of a breach key. */
export function encodeBreachKey(k: BreachKey): Uint8Array {
  return encodeCanonical(breachKeyField, k, 'breach key', 1_024);
}

/** SHA-256(BREACH_TAG ‖ canonical CBOR of the breach key). */
export function breachIdOfKey(k: BreachKey): Uint8Array {
  return sha256(utf8(BREACH_TAG), encodeBreachKey(k));
}

/** The id of the breach that evidence `e` proves. */
export function breachIdOf(e: Evidence): Uint8Array {
  return breachIdOfKey(breachKeyOf(e));
}

/** The lab a breach is about (the accused), and its epoch. */
export function breachSubject(k: BreachKey): { lab: string; epoch: number } {
  return { lab: k.kind === 'report' ? k.subject : k.lab, epoch: k.epoch };
}

/** Breach ids given as hex (API, CLI) -> bytes; null when one is not 64 lowercase hex characters. */
export function breachIdsFromHex(ids: readonly unknown[]): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  for (const h of ids) {
    const b = typeof h === 'string' && /^[0-9a-f]{64}$/.test(h) ? fromHexOrNull(h) : null;
    if (b === null) return null;
    out.push(b);
  }
  return out;
}
