/** @packageDocumentation Pure cryptography for pausenet: Ed25519 identities, threshold BLS, DKG, keystore. */

export type { Ed25519KeyPair } from './ed25519.js';
export { ed25519Generate, ed25519PublicKey, ed25519Sign, ed25519Verify } from './ed25519.js';
