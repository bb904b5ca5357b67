import { chmod, copyFile, readFile } from 'node:fs/promises';
import {
  KeystoreError,
  type MemberSecrets,
  type OpenedMemberKeystore,
  openMemberKeystore,
  type ScryptParams,
  sealMemberKeystore,
} from '@pausenet/crypto';
import { CliError, toCliError } from '../errors.js';
import { writeFileAtomic } from './files.js';

/** Cheap scrypt cost for throwaway devnet keystores only (never for real keys). */
export const DEVNET_SCRYPT: ScryptParams = { n: 2 ** 12, r: 8, p: 1 };

/** Seal `secrets` with `passphrase` (the member keystore layout of @pausenet/crypto) and write the file (0600, atomic). */
export async function writeKeystore(
  file: string,
  secrets: MemberSecrets,
  passphrase: string,
  scrypt?: ScryptParams,
): Promise<void> {
  const json = sealMemberKeystore(secrets, passphrase, scrypt ? { scrypt } : {});
  await writeFileAtomic(file, `${JSON.stringify(json, null, 2)}\n`, 0o600);
}

/** Read and decrypt a keystore file; wrong passphrase / tampering / foreign content become one-line CliErrors. */
export async function openKeystore(file: string, passphrase: string): Promise<OpenedMemberKeystore> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError('KEYSTORE', `keystore not found or unreadable: ${file}; run \`pausenet init\` first`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError('KEYSTORE', `keystore ${file} is not JSON; restore it from backup`);
  }
  try {
    return openMemberKeystore(json, passphrase);
  } catch (err) {
    if (err instanceof KeystoreError && err.code === 'BAD_SECRETS')
      throw new CliError(
        'KEYSTORE',
        `keystore ${file} decrypted to something that is not a pausenet member secret (${err.message}); restore it from backup`,
      );
    throw toCliError(err);
  }
}

/** Read and decrypt a keystore file (secrets only). */
export async function readKeystore(file: string, passphrase: string): Promise<MemberSecrets> {
  return (await openKeystore(file, passphrase)).secrets;
}

/** Copy a keystore aside as `<file>.before-dkg-<time>` (0600) before it is rewritten; returns the copy's path. */
export async function keepOldKeystore(file: string, now: number): Promise<string> {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  const dest = `${file}.before-dkg-${stamp}`;
  await copyFile(file, dest);
  await chmod(dest, 0o600);
  return dest;
}
