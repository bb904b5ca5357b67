import { bytesEqual, fromHexOrNull, toHex } from '../bytes.js';
import { ProtocolError } from '../errors.js';
import {
  type CertificateJson,
  type CommitmentJson,
  certificateFromJson,
  certificateToJson,
  commitmentFromJson,
  commitmentToJson,
  type ReceiptJson,
  receiptFromJson,
  receiptToJson,
} from '../json.js';
import { compareHeightLevel } from '../level.js';
import { certificateHash, hashSignedCommitment, networkIdOf } from '../signing.js';
import type { Certificate, Genesis, LabId, SignedCommitment, SignedReceipt } from '../types.js';
import { validateCertificate } from '../validation/certificate.js';
import { validateCommitmentIntrinsic } from '../validation/commitment.js';
import { validateReceiptIntrinsic } from '../validation/receipt.js';
import { type BlsVerifyFn, memberById } from '../validation/result.js';
import { type ComplianceRecord, complianceRecord } from './record.js';

/**
 * Compliance bundle (docs/protocol.md "Compliance bundle"): what a third party needs, with the genesis, to
 * check a lab's compliance record offline (`pausenet verify --compliance`). Every item is signed: the
 * certificates by the group, the commitments and receipts by the lab.
 */
export interface ComplianceBundle {
  networkId: Uint8Array;
  lab: LabId;
  /** Certificates, ascending (height, level). */
  certificates: Certificate[];
  /** A consecutive part of the lab's chain, ascending seq. */
  commitments: SignedCommitment[];
  /** The lab's receipts, each for a certificate in the bundle. */
  receipts: SignedReceipt[];
}

/** The JSON file: the message JSON views of docs/protocol.md. */
export interface ComplianceBundleJson {
  format: typeof BUNDLE_FORMAT;
  networkId: string;
  lab: string;
  certificates: CertificateJson[];
  commitments: CommitmentJson[];
  receipts: ReceiptJson[];
}

export const BUNDLE_FORMAT = 'pausenet-compliance/1';

/** Bounds of a bundle file (OUT_OF_RANGE when parsing): far above a year of hourly epochs. */
export const BUNDLE_LIMITS = { certificates: 4_096, commitments: 100_000, receipts: 32_768 } as const;

export function complianceBundleToJson(b: ComplianceBundle): ComplianceBundleJson {
  return {
    format: BUNDLE_FORMAT,
    networkId: toHex(b.networkId),
    lab: b.lab,
    certificates: b.certificates.map(certificateToJson),
    commitments: b.commitments.map(commitmentToJson),
    receipts: b.receipts.map(receiptToJson),
  };
}

/** Parse a bundle file; throws ProtocolError naming the item (`commitments[3].metrics…`). */
export function complianceBundleFromJson(json: unknown): ComplianceBundle {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ProtocolError('WRONG_TYPE', 'a compliance bundle is a JSON object');
  const j = json as Record<string, unknown>;
  if (j['format'] !== BUNDLE_FORMAT)
    throw new ProtocolError('OUT_OF_RANGE', `format must be "${BUNDLE_FORMAT}"`, 'format');
  for (const k of Object.keys(j))
    if (!['format', 'networkId', 'lab', 'certificates', 'commitments', 'receipts'].includes(k))
      throw new ProtocolError('UNKNOWN_FIELD', `unknown field ${JSON.stringify(k)}`);
  const list = <T>(key: keyof typeof BUNDLE_LIMITS, parse: (x: unknown) => T): T[] => {
    const v = j[key];
    if (!Array.isArray(v)) throw new ProtocolError('WRONG_TYPE', 'expected an array', key);
    if (v.length > BUNDLE_LIMITS[key])
      throw new ProtocolError('OUT_OF_RANGE', `${v.length} items > ${BUNDLE_LIMITS[key]}`, key);
    return v.map((x, i) => {
      try {
        return parse(x);
      } catch (e) {
        if (e instanceof ProtocolError)
          throw new ProtocolError(e.code, e.message, `${key}[${i}]${e.path ? `.${e.path}` : ''}`);
        throw e;
      }
    });
  };
  const networkId = typeof j['networkId'] === 'string' ? fromHexOrNull(j['networkId']) : null;
  if (networkId === null || networkId.length !== 32 || toHex(networkId) !== j['networkId'])
    throw new ProtocolError('WRONG_TYPE', '64 lowercase hex characters', 'networkId');
  if (typeof j['lab'] !== 'string') throw new ProtocolError('WRONG_TYPE', 'a lab id', 'lab');
  return {
    networkId,
    lab: j['lab'],
    certificates: list('certificates', certificateFromJson),
    commitments: list('commitments', commitmentFromJson),
    receipts: list('receipts', receiptFromJson),
  };
}

/** A problem found in a bundle: the rule (B_*), the item, what is wrong. */
export interface BundleProblem {
  code: string;
  item: string;
  detail: string;
}

export interface BundleVerdict {
  /** Every item verifies: the record below is derived from verified data only. */
  ok: boolean;
  problems: BundleProblem[];
  /** The lab's compliance record, or null when an item does not verify. */
  record: ComplianceRecord | null;
}

/**
 * Verify a compliance bundle against the genesis, offline (rules B_* in docs/protocol.md), then derive the
 * lab's record from it. Every problem is listed (not only the first).
 */
export function verifyComplianceBundle(
  b: ComplianceBundle,
  genesis: Genesis,
  opts: { blsVerify?: BlsVerifyFn } = {},
): BundleVerdict {
  const problems: BundleProblem[] = [];
  const bad = (code: string, item: string, detail: string) => problems.push({ code, item, detail });
  const networkId = networkIdOf(genesis);
  // B_NETWORK: the bundle is for this genesis.
  if (!bytesEqual(b.networkId, networkId)) {
    bad('B_NETWORK', 'networkId', 'the bundle is for another network than this genesis');
    return { ok: false, problems, record: null };
  }
  // B_LAB: the lab is a member.
  if (!memberById(genesis, b.lab)) {
    bad('B_LAB', 'lab', `${b.lab} is not a member of this network`);
    return { ok: false, problems, record: null };
  }
  // B_CERTIFICATE: every certificate passes K_* (group signature), ascending (height, level), distinct.
  const hashes = new Set<string>();
  b.certificates.forEach((c, i) => {
    const v = validateCertificate(c, {
      genesis,
      networkId,
      ...(opts.blsVerify ? { blsVerify: opts.blsVerify } : {}),
    });
    if (!v.ok) bad('B_CERTIFICATE', `certificates[${i}]`, `${v.code}: ${v.detail}`);
    const h = toHex(certificateHash(c));
    if (hashes.has(h)) bad('B_CERTIFICATE', `certificates[${i}]`, 'listed twice');
    hashes.add(h);
    const p = b.certificates[i - 1];
    if (
      p !== undefined &&
      compareHeightLevel({ height: p.height, level: p.target }, { height: c.height, level: c.target }) >= 0
    )
      bad('B_CERTIFICATE', `certificates[${i}]`, 'not in ascending (height, level) order');
  });
  // B_COMMITMENT: every commitment is the lab's, passes the intrinsic C_* rules, and the list is a
  // consecutive part of its chain (seq + 1, prev links, epochs and (height, level) not decreasing).
  b.commitments.forEach((sc, i) => {
    const c = sc.commitment;
    if (c.lab !== b.lab) bad('B_COMMITMENT', `commitments[${i}]`, `a commitment of ${c.lab}, not ${b.lab}`);
    const v = validateCommitmentIntrinsic(sc, genesis, networkId);
    if (!v.ok) bad('B_COMMITMENT', `commitments[${i}]`, `${v.code}: ${v.detail}`);
    const p = b.commitments[i - 1];
    if (p === undefined) return;
    if (c.seq !== p.commitment.seq + 1 || !bytesEqual(c.prev, hashSignedCommitment(p)))
      bad('B_CHAIN', `commitments[${i}]`, `seq ${c.seq} does not link to the commitment before it`);
    if (c.epoch <= p.commitment.epoch)
      bad('B_CHAIN', `commitments[${i}]`, 'epochs must increase (C_EPOCH_ORDER)');
    if (compareHeightLevel(c, p.commitment) < 0)
      bad('B_CHAIN', `commitments[${i}]`, '(height, level) went back (C_HEIGHT_ORDER)');
  });
  // B_RECEIPT: every receipt is the lab's, passes the intrinsic R_* rules and names a bundled certificate.
  const byHash = new Map(b.certificates.map((c) => [toHex(certificateHash(c)), c]));
  b.receipts.forEach((sr, i) => {
    const r = sr.receipt;
    if (r.lab !== b.lab) bad('B_RECEIPT', `receipts[${i}]`, `a receipt of ${r.lab}, not ${b.lab}`);
    const v = validateReceiptIntrinsic(sr, genesis, networkId);
    if (!v.ok) bad('B_RECEIPT', `receipts[${i}]`, `${v.code}: ${v.detail}`);
    const k = byHash.get(toHex(r.certificateHash));
    if (k === undefined) bad('B_RECEIPT', `receipts[${i}]`, 'names a certificate that is not in the bundle');
    else if (k.height !== r.height || k.target !== r.target)
      bad('B_RECEIPT', `receipts[${i}]`, 'height/target differ from the certificate it names');
  });
  if (problems.length > 0) return { ok: false, problems, record: null };
  return {
    ok: true,
    problems,
    record: complianceRecord({
      genesis,
      lab: b.lab,
      commitments: b.commitments,
      certificates: b.certificates,
      receipts: b.receipts,
    }),
  };
}
