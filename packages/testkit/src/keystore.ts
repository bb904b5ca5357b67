import { type ScryptParams, sealMemberKeystore } from '@pausenet/crypto';
import type { TestNet } from './genesis.js';
import { shareOf } from './genesis.js';
import type { TestLab } from './labs.js';

/** Passphrase of every test keystore, and the variable the node reads it from. */
export const TEST_PASSPHRASE = 'correct horse battery staple';
export const TEST_PASSPHRASE_ENV = 'PAUSENET_TEST_PASSPHRASE';
/** Cheap scrypt for test keystores only (real ones use the crypto package default). */
export const TEST_SCRYPT: ScryptParams = { n: 2 ** 10, r: 8, p: 1 };

/** The member keystore JSON of `lab` (identity key + dealt share when there is one), as the CLI writes it. */
export function testKeystoreJson(net: TestNet, lab: TestLab, passphrase = TEST_PASSPHRASE): string {
  const blsShare = net.dealt ? shareOf(net, lab) : null;
  const json = sealMemberKeystore(
    { lab: lab.id, index: lab.index, identitySecretKey: lab.secretKey, blsShare },
    passphrase,
    { scrypt: TEST_SCRYPT },
  );
  return JSON.stringify(json);
}
