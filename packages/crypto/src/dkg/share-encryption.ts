import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes, fromHex, u32, utf8 } from '../bytes.js';

/**
 * Per-recipient share encryption: ephemeral X25519 (one per deal) against the recipient's X25519
 * key derived from its Ed25519 identity via the birational map (as libsodium's
 * crypto_sign_ed25519_pk_to_curve25519), HKDF-SHA256, AES-256-GCM. Each (deal, recipient) gets a
 * unique key, so a fixed zero nonce is safe.
 */

const X25519_PKCS8 = fromHex('302e020100300506032b656e04220420');
const X25519_SPKI = fromHex('302a300506032b656e032100');
const INFO = utf8('pausenet/dkg/v1/share');
const NONCE = new Uint8Array(12);

/** X25519 private key object from raw 32 bytes (hold it for many decryptions). */
export const x25519PrivateKeyObject = (sk: Uint8Array): KeyObject =>
  createPrivateKey({ key: Buffer.concat([X25519_PKCS8, sk]), format: 'der', type: 'pkcs8' });
/** X25519 public key object from raw 32 bytes. */
export const x25519PublicKeyObject = (pk: Uint8Array): KeyObject =>
  createPublicKey({ key: Buffer.concat([X25519_SPKI, pk]), format: 'der', type: 'spki' });

/** X25519 public key of an Ed25519 identity public key. */
export function x25519PublicFromEd25519(edPublicKey: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomery(edPublicKey);
}

/** X25519 secret key of an Ed25519 seed. */
export function x25519SecretFromEd25519(edSecretKey: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomerySecret(edSecretKey);
}

export interface EphemeralKey {
  secretKey: KeyObject;
  publicKey: Uint8Array;
}

export function newEphemeralKey(): EphemeralKey {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { secretKey: privateKey, publicKey: new Uint8Array(der.subarray(der.length - 32)) };
}

interface ShareContext {
  sessionId: Uint8Array;
  dealer: number;
  recipient: number;
  ephemeralPublic: Uint8Array;
  recipientPublic: Uint8Array;
}

function shareKey(shared: Buffer, ctx: ShareContext): Buffer {
  const info = concatBytes(
    INFO,
    u32(ctx.dealer),
    u32(ctx.recipient),
    ctx.ephemeralPublic,
    ctx.recipientPublic,
  );
  return Buffer.from(hkdfSync('sha256', shared, ctx.sessionId, info, 32));
}

const aad = (ctx: ShareContext): Uint8Array =>
  concatBytes(ctx.sessionId, u32(ctx.dealer), u32(ctx.recipient));

/** Encrypt a 32-byte share to `recipientX25519`. */
export function encryptShare(
  share: Uint8Array,
  eph: EphemeralKey,
  recipient: { index: number; x25519: Uint8Array; keyObject: KeyObject },
  sessionId: Uint8Array,
  dealer: number,
): Uint8Array {
  const ctx = {
    sessionId,
    dealer,
    recipient: recipient.index,
    ephemeralPublic: eph.publicKey,
    recipientPublic: recipient.x25519,
  };
  const shared = diffieHellman({ privateKey: eph.secretKey, publicKey: recipient.keyObject });
  const cipher = createCipheriv('aes-256-gcm', shareKey(shared, ctx), NONCE);
  cipher.setAAD(aad(ctx));
  const ct = Buffer.concat([cipher.update(share), cipher.final(), cipher.getAuthTag()]);
  return new Uint8Array(ct);
}

/** Decrypt a share; null if the ciphertext does not authenticate (or the ephemeral key is bad). */
export function decryptShare(
  ciphertext: Uint8Array,
  ephemeralPublic: Uint8Array,
  mySecretX25519: KeyObject,
  myPublicX25519: Uint8Array,
  sessionId: Uint8Array,
  dealer: number,
  recipient: number,
): Uint8Array | null {
  if (ciphertext.length !== 48 || ephemeralPublic.length !== 32) return null;
  try {
    const ctx = { sessionId, dealer, recipient, ephemeralPublic, recipientPublic: myPublicX25519 };
    const shared = diffieHellman({
      privateKey: mySecretX25519,
      publicKey: x25519PublicKeyObject(ephemeralPublic),
    });
    const decipher = createDecipheriv('aes-256-gcm', shareKey(shared, ctx), NONCE);
    decipher.setAAD(aad(ctx));
    decipher.setAuthTag(ciphertext.subarray(32));
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext.subarray(0, 32)), decipher.final()]));
  } catch {
    return null;
  }
}
