import { sha256 } from '@noble/hashes/sha2.js';
import { ed25519Sign, ed25519Verify } from '@pausenet/crypto';
import { decodeCbor, encodeCbor, expectBytes, expectMap } from '../cbor.js';
import { ZkError } from '../errors.js';
import type { SetupContribution } from './types.js';

/** Largest contribution message: a 2^16 .ptau or a .zkey of that size fits. */
export const MAX_SETUP_MESSAGE_BYTES = 64 * 1024 * 1024;

const DOMAIN = new TextEncoder().encode('pausenet/zk/v1/setup\0');
const KEYS = ['data', 'index', 'phase', 'prev', 'sessionId', 'signature', 'type'] as const;

/**
 * Signed bytes: domain ‖ sessionId(32) ‖ u8 kind ‖ u16be index ‖ prev(32) ‖ SHA-256(data), kind =
 * the phase (1, 2) for a contribution and 3 for a prepared phase-1 file.
 */
export function setupSigningBytes(c: Omit<SetupContribution, 'signature'>): Uint8Array {
  const out = new Uint8Array(DOMAIN.length + 32 + 1 + 2 + 32 + 32);
  let o = 0;
  out.set(DOMAIN, o);
  o += DOMAIN.length;
  out.set(c.sessionId, o);
  o += 32;
  out[o++] = c.type === 'prepared' ? 3 : c.phase;
  out[o++] = c.index >> 8;
  out[o++] = c.index & 0xff;
  out.set(c.prev, o);
  out.set(sha256(c.data), o + 32);
  return out;
}

export function signContribution(
  c: Omit<SetupContribution, 'signature'>,
  secretKey: Uint8Array,
): SetupContribution {
  return { ...c, signature: ed25519Sign(secretKey, setupSigningBytes(c)) };
}

export function verifyContributionSignature(c: SetupContribution, publicKey: Uint8Array): boolean {
  try {
    return ed25519Verify(publicKey, setupSigningBytes(c), c.signature);
  } catch {
    return false;
  }
}

export function encodeSetupContribution(c: SetupContribution): Uint8Array {
  return encodeCbor({
    data: c.data,
    index: c.index,
    phase: c.phase,
    prev: c.prev,
    sessionId: c.sessionId,
    signature: c.signature,
    type: c.type,
  });
}

/** Decode untrusted bytes (OVERSIZED before parsing, MALFORMED, NON_CANONICAL). */
export function decodeSetupContribution(bytes: Uint8Array): SetupContribution {
  const m = expectMap(decodeCbor(bytes, 'setup contribution', MAX_SETUP_MESSAGE_BYTES), KEYS, 'contribution');
  const type = m['type'];
  if (type !== 'contribution' && type !== 'prepared')
    throw new ZkError('MALFORMED', 'unknown message type', 'contribution.type');
  const phase = m['phase'];
  if (phase !== 1 && phase !== 2)
    throw new ZkError('MALFORMED', 'phase must be 1 or 2', 'contribution.phase');
  if (type === 'prepared' && phase !== 1)
    throw new ZkError('MALFORMED', 'a prepared file belongs to phase 1', 'contribution.phase');
  const index = m['index'];
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 1 || index > 0xffff)
    throw new ZkError('MALFORMED', 'index must be 1..65535', 'contribution.index');
  return {
    type,
    sessionId: expectBytes(m['sessionId'], 32, 'contribution.sessionId'),
    phase,
    index,
    prev: expectBytes(m['prev'], 32, 'contribution.prev'),
    data: expectBytes(m['data'], null, 'contribution.data'),
    signature: expectBytes(m['signature'], 64, 'contribution.signature'),
  };
}
