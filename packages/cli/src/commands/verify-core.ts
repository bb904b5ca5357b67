import {
  certificateFromJson,
  certificateHash,
  type Genesis,
  networkIdOf,
  ProtocolError,
  statementBytes,
  statementOf,
  toHex,
  validateCertificate,
} from '@pausenet/protocol';

export interface VerifyOutcome {
  valid: boolean;
  reason: string;
  height?: number;
  target?: string;
  signers?: string[];
}

/**
 * Check a certificate JSON object (a GET /v1/certificates element) against a genesis, offline.
 * The rules are the protocol's own (validateCertificate, docs/protocol.md K_*): one pairing check.
 */
export function verifyCertificateJson(json: unknown, genesis: Genesis): VerifyOutcome {
  const bad = (reason: string): VerifyOutcome => ({ valid: false, reason });
  if (!genesis.dkg)
    return bad('genesis has no DKG result (no group key to verify against); use the post-DKG genesis');
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return bad('certificate file must hold one JSON object (an element of GET /v1/certificates)');
  // `hash` and `statement` are derived; check the certificate itself first, then that they match it.
  // (Node-local fields such as `firstSeenAt` are dropped by certificateFromJson.)
  const { hash, statement, ...body } = json as Record<string, unknown>;
  const networkId = networkIdOf(genesis);
  let cert: ReturnType<typeof certificateFromJson>;
  try {
    cert = certificateFromJson({ networkId: toHex(networkId), ...body });
  } catch (e) {
    if (e instanceof ProtocolError) return bad(`malformed certificate: ${e.message}`);
    throw e;
  }
  const v = validateCertificate(cert, { genesis, networkId });
  if (!v.ok) return bad(`${v.detail} [${v.code}]`);
  if (statement !== undefined && statement !== toHex(statementBytes(statementOf(cert))))
    return bad(
      '"statement" is not the statement bytes for this network, height, target and resolved breaches',
    );
  if (hash !== undefined && hash !== toHex(certificateHash(cert)))
    return bad('"hash" is not the id of this certificate');
  const n = genesis.members.length;
  return {
    valid: true,
    reason: `height ${cert.height} -> ${cert.target}${cert.target === 'RUNNING' ? ` resolving ${cert.resolves.length} breach(es)` : ''}, signed by ${cert.signers.join(', ')} (${cert.signers.length} of ${n}, threshold ${genesis.threshold})`,
    height: cert.height,
    target: cert.target,
    signers: cert.signers,
  };
}

/**
 * Check a whole certificate chain (the GET /v1/certificates array, as the dashboard downloads it):
 * every element valid and the heights exactly 1..n, so the chain ends in a well-defined state.
 */
export function verifyCertificateChainJson(json: unknown[], genesis: Genesis): VerifyOutcome {
  if (json.length === 0) return { valid: false, reason: 'the certificate chain is empty' };
  const sorted = [...json].sort(
    (a, b) => Number((a as { height?: unknown }).height) - Number((b as { height?: unknown }).height),
  );
  let last: VerifyOutcome | undefined;
  for (const [i, c] of sorted.entries()) {
    const r = verifyCertificateJson(c, genesis);
    if (!r.valid) return { ...r, reason: `certificate #${i + 1}: ${r.reason}` };
    if (r.height !== i + 1)
      return {
        valid: false,
        reason: `the chain must hold heights 1..${sorted.length}; height ${i + 1} is missing`,
      };
    last = r;
  }
  const end = last as VerifyOutcome;
  return {
    ...end,
    reason: `chain of ${sorted.length} certificate(s) valid; ends ${end.target} at height ${end.height}`,
  };
}
