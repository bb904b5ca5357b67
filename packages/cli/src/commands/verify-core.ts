import {
  certificateFromJson,
  certificateHash,
  chainEnd,
  chainProblem,
  type Genesis,
  type Level,
  networkIdOf,
  orderChain,
  ProtocolError,
  type Step,
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
  step?: Step;
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
    reason: `height ${cert.height} -> ${cert.target}${cert.step === 'down' ? ` (step down) resolving ${cert.resolves.length} breach(es)` : ''}, signed by ${cert.signers.join(', ')} (${cert.signers.length} of ${n}, threshold ${genesis.threshold})`,
    height: cert.height,
    target: cert.target,
    step: cert.step,
    signers: cert.signers,
  };
}

/**
 * Check a whole certificate chain (the GET /v1/certificates array, as the dashboard downloads it), in
 * any order: every element valid on its own (K_* without K_STALE/K_FUTURE), then the chain's structure
 * (docs/protocol.md "Verifying a chain": heights 1..n, within a height the step down first and steps up
 * in strictly increasing levels, a step down below the level certified at the height before).
 */
export function verifyCertificateChainJson(json: unknown[], genesis: Genesis): VerifyOutcome {
  if (json.length === 0) return { valid: false, reason: 'the certificate chain is empty' };
  const links: { height: number; target: Level; step: Step; outcome: VerifyOutcome }[] = [];
  for (const [i, c] of json.entries()) {
    const r = verifyCertificateJson(c, genesis);
    if (!r.valid) return { ...r, reason: `certificate #${i + 1} of the file: ${r.reason}` };
    links.push({ height: r.height!, target: r.target as Level, step: r.step!, outcome: r });
  }
  const problem = chainProblem(links);
  if (problem) return { valid: false, reason: `${problem.detail} [${problem.code}]` };
  const end = chainEnd(links)!;
  const last = orderChain(links).at(-1)!.outcome;
  return {
    ...last,
    reason: `chain of ${links.length} certificate(s) valid; ends ${end.level} at height ${end.height}`,
  };
}
