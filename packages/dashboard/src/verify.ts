/**
 * In-browser certificate verification. Trusts nothing from the node except what it checks: the
 * group public key comes from genesis (GET /v1/genesis, dkg.groupPublicKey) and the BLS signature
 * is checked over the certificate's statement bytes with the standard ciphersuite
 * BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_ (min-pk: public key in G1, signature in G2).
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import {
  chainProblem,
  fromHex,
  orderChain,
  statementBytes,
  stepAllows,
  toHex,
} from '@pausenet/protocol/browser';
import type { CertificateJson, GenesisJson } from './api.js';

/** Domain separation tag of the proof-of-possession ciphersuite (docs/protocol.md, BLS). */
export const BLS_POP_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';

export type VerifyCode =
  | 'NO_GROUP_KEY'
  | 'BAD_HEX'
  | 'BAD_LENGTH'
  | 'BAD_POINT'
  | 'BAD_SIGNATURE'
  | 'BAD_STATEMENT';

export type VerifyResult = { ok: true } | { ok: false; code: VerifyCode; detail: string };

/** Check one BLS signature (96 B G2) over `message` under a 48 B G1 public key. Never throws. */
export function verifyBls(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): VerifyResult {
  if (publicKey.length !== 48) {
    return { ok: false, code: 'BAD_LENGTH', detail: `group key is ${publicKey.length} bytes, expected 48` };
  }
  if (signature.length !== 96) {
    return { ok: false, code: 'BAD_LENGTH', detail: `signature is ${signature.length} bytes, expected 96` };
  }
  const sigs = bls12_381.longSignatures;
  let pk: ReturnType<typeof sigs.getPublicKey>;
  let sig: ReturnType<typeof sigs.Signature.fromBytes>;
  try {
    pk = bls12_381.G1.Point.fromBytes(publicKey);
    pk.assertValidity();
    // KeyValidate (RFC draft-irtf-cfrg-bls-signature §2.5): the identity is not a valid key.
    if (pk.is0()) return { ok: false, code: 'BAD_POINT', detail: 'group key is the identity point' };
    sig = sigs.Signature.fromBytes(signature);
    sig.assertValidity();
  } catch (err) {
    return { ok: false, code: 'BAD_POINT', detail: `not a valid curve point: ${(err as Error).message}` };
  }
  try {
    const ok = sigs.verify(sig, sigs.hash(message, BLS_POP_DST), pk);
    return ok ? { ok: true } : { ok: false, code: 'BAD_SIGNATURE', detail: 'pairing check failed' };
  } catch (err) {
    return { ok: false, code: 'BAD_SIGNATURE', detail: (err as Error).message };
  }
}

/** Verify a certificate element of GET /v1/certificates against the group key hex from genesis. */
export function verifyCertificate(
  groupPublicKeyHex: string | undefined,
  cert: CertificateJson,
): VerifyResult {
  if (!groupPublicKeyHex) {
    return { ok: false, code: 'NO_GROUP_KEY', detail: 'genesis has no DKG result (no group public key)' };
  }
  let pk: Uint8Array;
  let msg: Uint8Array;
  let sig: Uint8Array;
  try {
    pk = fromHex(groupPublicKeyHex);
    msg = fromHex(cert.statement);
    sig = fromHex(cert.signature);
  } catch (err) {
    return { ok: false, code: 'BAD_HEX', detail: (err as Error).message };
  }
  return verifyBls(pk, msg, sig);
}

/** A structural problem with the certificate chain that is visible without any cryptography. */
export interface ChainIssue {
  height: number;
  detail: string;
}

/**
 * What the page can check of a certificate chain without cryptography: each certificate's step can name its
 * level and it names at least `threshold` distinct signers, all genesis members; and the chain's structure
 * (docs/protocol.md "Verifying a chain": heights 1..n without gaps, at most one step down per height and
 * below the level certified before, steps up in strictly increasing levels), its first problem as
 * @pausenet/protocol's chainProblem finds it.
 */
export function checkChain(certs: CertificateJson[], genesis: GenesisJson | null): ChainIssue[] {
  const issues: ChainIssue[] = [];
  const memberIds = new Set((genesis?.members ?? []).map((m) => m.id));
  for (const c of orderChain(certs)) {
    if (!stepAllows(c.step, c.target))
      issues.push({ height: c.height, detail: `a step ${c.step} cannot move to ${c.target}` });
    const distinct = new Set(c.signers);
    if (distinct.size !== c.signers.length) issues.push({ height: c.height, detail: 'duplicate signer' });
    if (genesis) {
      if (distinct.size < genesis.threshold) {
        issues.push({
          height: c.height,
          detail: `${distinct.size} signers, threshold is ${genesis.threshold}`,
        });
      }
      for (const s of distinct) {
        if (!memberIds.has(s)) issues.push({ height: c.height, detail: `signer ${s} is not a member` });
      }
    }
  }
  const structure = certs.length > 0 ? chainProblem(certs) : null;
  if (structure) issues.push({ height: structure.height, detail: structure.detail });
  return issues;
}

/** Does the certificate's statement say "network `networkIdHex` moves to `target` at `height`"? */
export function checkStatement(networkIdHex: string, cert: CertificateJson): VerifyResult {
  let nid: Uint8Array;
  try {
    nid = fromHex(networkIdHex);
  } catch (err) {
    return { ok: false, code: 'BAD_HEX', detail: (err as Error).message };
  }
  if (nid.length !== 32) return { ok: false, code: 'BAD_LENGTH', detail: 'network id is not 32 bytes' };
  if (!Number.isSafeInteger(cert.height) || cert.height < 1) {
    return { ok: false, code: 'BAD_STATEMENT', detail: `bad height ${cert.height}` };
  }
  let expected: string;
  try {
    const resolves = (cert.resolves ?? []).map((h) => fromHex(h));
    const { height, target, step } = cert;
    expected = toHex(statementBytes({ networkId: nid, height, target, step, resolves }));
  } catch (err) {
    return { ok: false, code: 'BAD_STATEMENT', detail: (err as Error).message };
  }
  if (expected !== cert.statement.toLowerCase()) {
    const what = cert.step === 'down' ? ` resolving ${(cert.resolves ?? []).length} breach(es)` : '';
    return {
      ok: false,
      code: 'BAD_STATEMENT',
      detail: `statement does not say "height ${cert.height} → ${cert.target}${what}" for network ${networkIdHex.slice(0, 8)}…`,
    };
  }
  return { ok: true };
}

/** Full browser-side check: the statement names this network/height/target and the group signed it. */
export function verifyCertificateFull(
  groupPublicKeyHex: string | undefined,
  networkIdHex: string,
  cert: CertificateJson,
): VerifyResult {
  const st = checkStatement(networkIdHex, cert);
  if (!st.ok) return st;
  return verifyCertificate(groupPublicKeyHex, cert);
}
