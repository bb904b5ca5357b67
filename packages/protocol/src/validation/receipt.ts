import { ed25519Verify } from '@pausenet/crypto';
import { bytesEqual } from '../bytes.js';
import { encodeReceipt, encodeSignedReceipt } from '../codec/codec.js';
import { LIMITS } from '../codec/limits.js';
import { certificateHash, receiptHash, signingBytes } from '../signing.js';
import type { Certificate, Genesis, SignedReceipt, Validation } from '../types.js';
import { type BaseContext, guard, ignore, memberById, OK, reject, skewOf } from './result.js';

export interface ReceiptContext extends BaseContext {
  /**
   * The certificate the receipt names, looked up by `certificateHash` in the caller's store: null when
   * none is held (R_UNKNOWN_CERTIFICATE), undefined to skip the certificate rules.
   */
  certificate?: Certificate | null;
  /** Receipts already stored for (lab, certificate): how many, and the newest one's hash and issuedAt. */
  stored?: { count: number; newest?: { hash: Uint8Array; issuedAt: number } };
}

/**
 * Time- and store-independent rules of a signed receipt (R_SIZE, R_NETWORK, R_MEMBER, R_HOOKS, R_SIGNATURE):
 * what evidence embedding it relies on.
 */
export function validateReceiptIntrinsic(
  sr: SignedReceipt,
  genesis: Genesis,
  networkId: Uint8Array,
): Validation {
  return guard('R_SIZE', () => {
    const pre = preSignature(sr, genesis, networkId);
    if (!pre.ok) return pre;
    return signature(sr, genesis);
  });
}

function preSignature(sr: SignedReceipt, genesis: Genesis, networkId: Uint8Array): Validation {
  // [REJECT] R_SIZE: must encode canonically within MAX_BYTES.signedReceipt.
  encodeSignedReceipt(sr);
  const r = sr.receipt;
  // [REJECT] R_NETWORK: networkId is this network's id.
  if (!bytesEqual(r.networkId, networkId)) return reject('R_NETWORK', 'receipt is for another network');
  // [REJECT] R_MEMBER: lab is a genesis member (observers and auditors apply no hooks of a lab).
  if (!memberById(genesis, r.lab)) return reject('R_MEMBER', `lab ${r.lab} is not a member`);
  // [REJECT] R_HOOKS: hook names distinct; an `ok` hook ran at least once; hooksDoneAt <= issuedAt.
  const names = new Set<string>();
  for (const h of r.hooks) {
    if (names.has(h.name)) return reject('R_HOOKS', `hook ${h.name} is listed twice`);
    names.add(h.name);
    if (h.outcome === 'ok' && h.attempts === 0)
      return reject('R_HOOKS', `hook ${h.name} is ok after 0 attempts`);
  }
  if (r.hooksDoneAt > r.issuedAt)
    return reject('R_HOOKS', `hooksDoneAt ${r.hooksDoneAt} is after issuedAt ${r.issuedAt}`);
  return OK;
}

function signature(sr: SignedReceipt, genesis: Genesis): Validation {
  const r = sr.receipt;
  const member = memberById(genesis, r.lab);
  // [REJECT] R_SIGNATURE: Ed25519 by the named lab's key: a lab receipts only for itself.
  if (
    !member ||
    !ed25519Verify(member.publicKey, signingBytes('receipt', r.networkId, encodeReceipt(r)), sr.signature)
  )
    return reject(
      'R_SIGNATURE',
      `not signed by ${r.lab} (a receipt is signed by the lab it reports on, never by another lab)`,
    );
  return OK;
}

/** All receipt rules for gossip/API/sync ingestion (docs/protocol.md "Validation rules", R_*). */
export function validateReceipt(sr: SignedReceipt, ctx: ReceiptContext): Validation {
  return guard('R_SIZE', () => {
    const pre = preSignature(sr, ctx.genesis, ctx.networkId);
    if (!pre.ok) return pre;
    const r = sr.receipt;
    // [IGNORE] R_FROM_FUTURE: issuedAt <= now + skew.
    if (r.issuedAt > ctx.now + skewOf(ctx))
      return ignore('R_FROM_FUTURE', `issuedAt ${r.issuedAt} is ahead of now ${ctx.now}`);
    const st = ctx.stored;
    if (st !== undefined) {
      // [IGNORE] R_DUPLICATE: the same receipt is stored.
      if (st.newest !== undefined && bytesEqual(st.newest.hash, receiptHash(sr)))
        return ignore('R_DUPLICATE', 'receipt already stored');
      // [IGNORE] R_SUPERSEDED: a receipt of this lab for this certificate with a later or equal issuedAt is stored.
      if (st.newest !== undefined && r.issuedAt <= st.newest.issuedAt)
        return ignore(
          'R_SUPERSEDED',
          `a receipt issued at ${st.newest.issuedAt} is stored for this lab and certificate (only newer ones are kept)`,
        );
      // [IGNORE] R_QUOTA: at most LIMITS.receiptsPerCertificate per (lab, certificate).
      if (st.count >= LIMITS.receiptsPerCertificate)
        return ignore(
          'R_QUOTA',
          `${st.count} receipts of ${r.lab} for this certificate are stored (limit ${LIMITS.receiptsPerCertificate})`,
        );
    }
    if (ctx.certificate !== undefined) {
      // [IGNORE] R_UNKNOWN_CERTIFICATE: the named certificate is held (a receipt may overtake it: sync first).
      if (ctx.certificate === null)
        return ignore(
          'R_UNKNOWN_CERTIFICATE',
          'no certificate with this hash is held: sync certificates first',
        );
      // [REJECT] R_CERTIFICATE: height and target are the named certificate's.
      const cert = ctx.certificate;
      if (!bytesEqual(certificateHash(cert), r.certificateHash))
        return reject('R_CERTIFICATE', 'the given certificate is not the one the receipt names');
      if (cert.height !== r.height || cert.target !== r.target)
        return reject(
          'R_CERTIFICATE',
          `receipt says height ${r.height} ${r.target}, the certificate is height ${cert.height} ${cert.target}`,
        );
    }
    return signature(sr, ctx.genesis);
  });
}
