import {
  type Certificate,
  certificateFromJson,
  certificateHash,
  type Genesis,
  levelRank,
  networkIdOf,
  receiptFromJson,
  type SignedReceipt,
  toHex,
  validateReceipt,
} from '@pausenet/protocol';

/** One lab's receipt for one certificate in the devnet's --json summary. */
export interface DevnetReceipt {
  lab: string;
  height: number;
  target: 'RUNNING' | 'REDUCED' | 'PAUSED';
  /** The receipt passed the protocol's receipt validation and reports every hook ok. */
  ok: boolean;
}

/**
 * The newest receipt per (lab, certificate) of a node's GET /v1/receipts, each checked again with the
 * protocol's receipt validation (docs/protocol.md "Receipts", R_*: member, hooks, the certificate it
 * names, the lab's own Ed25519 signature) against the certificates of GET /v1/certificates. The node
 * validated them on ingest; a receipt that fails here is reported as a problem.
 */
export function checkReceipts(input: {
  genesis: Genesis;
  receipts: unknown[];
  certificates: unknown[];
  now: number;
}): { receipts: DevnetReceipt[]; problems: string[] } {
  const networkId = networkIdOf(input.genesis);
  const problems: string[] = [];
  const certs = new Map<string, Certificate>();
  for (const c of input.certificates) {
    const cert = certificateFromJson(c);
    certs.set(toHex(certificateHash(cert)), cert);
  }
  const newest = new Map<string, { sr: SignedReceipt; ok: boolean }>();
  for (const json of input.receipts) {
    let sr: SignedReceipt;
    try {
      sr = receiptFromJson(json);
    } catch (err) {
      problems.push(`a receipt from GET /v1/receipts does not parse: ${(err as Error).message}`);
      continue;
    }
    const r = sr.receipt;
    const v = validateReceipt(sr, {
      genesis: input.genesis,
      networkId,
      now: input.now,
      certificate: certs.get(toHex(r.certificateHash)) ?? null,
    });
    if (!v.ok) problems.push(`receipt of ${r.lab} for height ${r.height} ${r.target}: ${v.code} ${v.detail}`);
    const key = `${r.lab}/${toHex(r.certificateHash)}`;
    const prev = newest.get(key);
    if (!prev || prev.sr.receipt.issuedAt < r.issuedAt)
      newest.set(key, { sr, ok: v.ok && r.hooks.every((h) => h.outcome === 'ok') });
  }
  const receipts = [...newest.values()]
    .map(({ sr, ok }) => ({ lab: sr.receipt.lab, height: sr.receipt.height, target: sr.receipt.target, ok }))
    .sort(
      (a, b) =>
        a.height - b.height || levelRank(a.target) - levelRank(b.target) || a.lab.localeCompare(b.lab),
    );
  return { receipts, problems };
}
