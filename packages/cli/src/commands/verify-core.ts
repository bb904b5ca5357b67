import {
  AmendmentChainError,
  certificateFromJson,
  certificateHash,
  certifiedAmendmentFromJson,
  chainEnd,
  chainProblem,
  type Genesis,
  type Level,
  networkIdOf,
  orderChain,
  ProtocolError,
  type RevisionChain,
  type Step,
  statementBytes,
  statementOf,
  toHex,
  validateCertificate,
  validateCertificateInChain,
  verifyAmendmentChain,
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
 * With `chain` (the verified amendments from this genesis), the signers are checked against the revision
 * the certificate names (validateCertificateInChain); the group key is the same for every revision.
 */
export function verifyCertificateJson(json: unknown, genesis: Genesis, chain?: RevisionChain): VerifyOutcome {
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
  const v = chain
    ? validateCertificateInChain(cert, { chain })
    : validateCertificate(cert, { genesis, networkId });
  if (!v.ok) return bad(`${v.detail} [${v.code}]`);
  if (statement !== undefined && statement !== toHex(statementBytes(statementOf(cert))))
    return bad(
      '"statement" is not the statement bytes for this network, height, target and resolved breaches',
    );
  if (hash !== undefined && hash !== toHex(certificateHash(cert)))
    return bad('"hash" is not the id of this certificate');
  const revision = cert.revision ?? 1;
  const signedUnder = chain?.get(revision)?.genesis ?? genesis;
  const n = signedUnder.members.length;
  return {
    valid: true,
    reason: `height ${cert.height} -> ${cert.target}${cert.step === 'down' ? ` (step down) resolving ${cert.resolves.length} breach(es)` : ''}, signed by ${cert.signers.join(', ')} (${cert.signers.length} of ${n}, threshold ${signedUnder.threshold}${revision > 1 ? `, revision ${revision}` : ''})`,
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
export function verifyCertificateChainJson(
  json: unknown[],
  genesis: Genesis,
  chain?: RevisionChain,
): VerifyOutcome {
  if (json.length === 0) return { valid: false, reason: 'the certificate chain is empty' };
  const links: { height: number; target: Level; step: Step; outcome: VerifyOutcome }[] = [];
  for (const [i, c] of json.entries()) {
    const r = verifyCertificateJson(c, genesis, chain);
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

export interface AmendmentsOutcome {
  valid: boolean;
  reason: string;
  /** The verified chain (when valid). */
  chain?: RevisionChain;
  /** The head revision's number, effective epoch, members and threshold (when valid). */
  revision?: number;
  effectiveEpoch?: number;
  members?: string[];
  threshold?: number;
}

/**
 * Check a network's chain of certified amendments (a JSON array of certified amendments in their JSON
 * view, revision 2 first) from its original genesis, offline: docs/protocol.md "Verifying a chain of
 * amendments" (verifyAmendmentChain: order, links, A_* rules, signers and threshold of the previous
 * revision, one group signature each under the unchanged group key).
 */
export function verifyAmendmentsJson(json: unknown, original: Genesis): AmendmentsOutcome {
  const bad = (reason: string): AmendmentsOutcome => ({ valid: false, reason });
  if (!Array.isArray(json))
    return bad('the amendments file must hold a JSON array of certified amendments, revision 2 first');
  const parsed = [];
  for (const [i, a] of json.entries()) {
    try {
      parsed.push(certifiedAmendmentFromJson(a));
    } catch (e) {
      if (e instanceof ProtocolError)
        return bad(`amendment #${i + 1} of the file is malformed: ${e.message}`);
      throw e;
    }
  }
  let chain: RevisionChain;
  try {
    chain = verifyAmendmentChain(original, parsed);
  } catch (e) {
    if (e instanceof AmendmentChainError)
      return bad(
        `amendment #${e.position + 1} of the file (revision ${e.revision}): ${e.detail} [${e.code}]`,
      );
    throw e;
  }
  const head = chain.head;
  const members = head.genesis.members.map((m) => m.id);
  return {
    valid: true,
    reason:
      parsed.length === 0
        ? 'no amendments: revision 1 (the original genesis) is in effect'
        : `chain of ${parsed.length} amendment(s) valid from the original genesis, same group key; revision ${head.revision} from epoch ${head.effectiveEpoch}: members ${members.join(', ')}, threshold ${head.genesis.threshold}`,
    chain,
    revision: head.revision,
    effectiveEpoch: head.effectiveEpoch,
    members,
    threshold: head.genesis.threshold,
  };
}
