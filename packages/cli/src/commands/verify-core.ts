import { blsVerify } from '@pausenet/crypto';
import { type Genesis, networkIdOf, statementBytes } from '@pausenet/protocol';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function unhex(v: unknown, bytes: number): Uint8Array | null {
  if (typeof v !== 'string' || !/^[0-9a-f]*$/i.test(v) || v.length !== bytes * 2) return null;
  return new Uint8Array(Buffer.from(v, 'hex'));
}

export interface VerifyOutcome {
  valid: boolean;
  reason: string;
  height?: number;
  target?: string;
  signers?: string[];
}

/** Check a certificate JSON object against a genesis (offline): statement, signers, threshold, one BLS pairing check. */
export function verifyCertificateJson(cert: unknown, genesis: Genesis): VerifyOutcome {
  const bad = (reason: string): VerifyOutcome => ({ valid: false, reason });
  if (!genesis.dkg)
    return bad('genesis has no DKG result (no group key to verify against); use the post-DKG genesis');
  if (typeof cert !== 'object' || cert === null) return bad('certificate file must hold a JSON object');
  const c = cert as Record<string, unknown>;
  const height = c.height;
  if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 1)
    return bad(`"height" must be an integer >= 1, got ${JSON.stringify(height)}`);
  const target = c.target;
  if (target !== 'PAUSED' && target !== 'RUNNING')
    return bad(`"target" must be "PAUSED" or "RUNNING", got ${JSON.stringify(target)}`);
  const expectedTarget = height % 2 === 1 ? 'PAUSED' : 'RUNNING';
  if (target !== expectedTarget)
    return bad(
      `height ${height} can only flip to ${expectedTarget} (odd heights pause, even heights resume), got ${target}`,
    );
  const networkId = networkIdOf(genesis);
  if (c.networkId !== undefined && c.networkId !== hex(networkId))
    return bad(
      `certificate is for network ${String(c.networkId).slice(0, 16)}…, this genesis is ${hex(networkId).slice(0, 16)}…`,
    );
  const statement = statementBytes(networkId, height, target);
  if (c.statement !== undefined && c.statement !== hex(statement))
    return bad('"statement" does not equal the statement bytes for this network, height and target');
  const signature = unhex(c.signature, 96);
  if (!signature) return bad('"signature" must be 96 bytes of hex (a compressed G2 point)');
  const signers = c.signers;
  if (!Array.isArray(signers) || signers.some((s) => typeof s !== 'string'))
    return bad('"signers" must be an array of lab ids');
  const ids = new Set(genesis.members.map((m) => m.id));
  const unknown = signers.filter((s) => !ids.has(s as string));
  if (unknown.length) return bad(`signers not in genesis: ${unknown.join(', ')}`);
  if (new Set(signers).size !== signers.length) return bad('duplicate signer ids');
  if (signers.length < genesis.threshold)
    return bad(`only ${signers.length} signers, threshold is ${genesis.threshold}`);
  if (!blsVerify(genesis.dkg.groupPublicKey, statement, signature))
    return bad('the BLS signature does not verify under the group public key of this genesis');
  return {
    valid: true,
    reason: `height ${height} -> ${target}, signed by ${signers.join(', ')} (${signers.length} of ${genesis.members.length}, threshold ${genesis.threshold})`,
    height,
    target,
    signers: signers as string[],
  };
}
