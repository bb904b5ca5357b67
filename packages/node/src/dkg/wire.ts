import { createHash } from 'node:crypto';
import { ed25519Sign, ed25519Verify } from '@pausenet/crypto';

/**
 * DKG ceremony wire format (docs/protocol.md "DKG ceremony"). Every gossip message and every
 * req/resp item is one envelope: a kind byte then the payload.
 *   0x01 bundle  : the crypto package's encodeDkgBundle bytes (signed by the dealer inside)
 *   0x02 finish  : u16 index | transcriptHash(32) | groupPublicKey(48) | ed25519 sig(64)
 * The finish attestation lets members check they all computed the identical result before they
 * write it into genesis.
 */
export const ENVELOPE_BUNDLE = 0x01;
export const ENVELOPE_FINISH = 0x02;
/** Bytes of a finish envelope. */
export const FINISH_LEN = 1 + 2 + 32 + 48 + 64;
const FINISH_DOMAIN = new TextEncoder().encode('pausenet/dkg-finish/v1');

export interface FinishAttestation {
  index: number;
  transcriptHash: Uint8Array;
  groupPublicKey: Uint8Array;
  signature: Uint8Array;
}

/** Gossip topic and req/resp protocol of one ceremony. */
export function ceremonyNames(ceremonyIdHex: string): { topic: string; protocol: string } {
  return {
    topic: `/pausenet/${ceremonyIdHex}/dkg/1`,
    protocol: `/pausenet/${ceremonyIdHex}/dkg-bundles/1`,
  };
}

/** Wrap crypto bundle bytes. */
export function bundleEnvelope(bundleBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bundleBytes.length + 1);
  out[0] = ENVELOPE_BUNDLE;
  out.set(bundleBytes, 1);
  return out;
}

function finishSigningBytes(
  ceremonyId: Uint8Array,
  index: number,
  th: Uint8Array,
  gpk: Uint8Array,
): Uint8Array {
  const idx = new Uint8Array([index >> 8, index & 0xff]);
  return Buffer.concat([FINISH_DOMAIN, ceremonyId, idx, th, gpk]);
}

/** Sign and encode this member's finish attestation. */
export function encodeFinish(
  ceremonyId: Uint8Array,
  index: number,
  transcriptHash: Uint8Array,
  groupPublicKey: Uint8Array,
  identitySecretKey: Uint8Array,
): Uint8Array {
  const sig = ed25519Sign(
    identitySecretKey,
    finishSigningBytes(ceremonyId, index, transcriptHash, groupPublicKey),
  );
  const out = new Uint8Array(FINISH_LEN);
  out[0] = ENVELOPE_FINISH;
  out[1] = index >> 8;
  out[2] = index & 0xff;
  out.set(transcriptHash, 3);
  out.set(groupPublicKey, 35);
  out.set(sig, 83);
  return out;
}

/** Decode and verify a finish attestation against the member public keys (by index); null if invalid. */
export function decodeFinish(
  bytes: Uint8Array,
  ceremonyId: Uint8Array,
  publicKeyOf: (index: number) => Uint8Array | undefined,
): FinishAttestation | null {
  if (bytes.length !== FINISH_LEN || bytes[0] !== ENVELOPE_FINISH) return null;
  const index = (bytes[1]! << 8) | bytes[2]!;
  const transcriptHash = bytes.slice(3, 35);
  const groupPublicKey = bytes.slice(35, 83);
  const signature = bytes.slice(83);
  const pk = publicKeyOf(index);
  if (!pk) return null;
  if (!ed25519Verify(pk, finishSigningBytes(ceremonyId, index, transcriptHash, groupPublicKey), signature))
    return null;
  return { index, transcriptHash, groupPublicKey, signature };
}

/** Content id of an envelope (dedup key). */
export function envelopeId(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
