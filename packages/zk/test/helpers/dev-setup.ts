import { readFileSync } from 'node:fs';
import type { VerificationKeyJson } from '../../src/index.js';

/**
 * The INSECURE development setup (scripts/dev-setup.mjs: public beacons only, anyone can forge
 * proofs under it). Tests and docs/vectors use it; a network uses its ceremony's key.
 */
export const devZkey = (): Uint8Array =>
  new Uint8Array(readFileSync(new URL('../fixtures/dev-insecure.zkey', import.meta.url)));
export const devVkey = (): VerificationKeyJson =>
  JSON.parse(readFileSync(new URL('../fixtures/dev-insecure.vkey.json', import.meta.url), 'utf8'));
