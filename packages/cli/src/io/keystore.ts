import { chmod, copyFile, readFile } from 'node:fs/promises';
import { decryptKeystore, encryptKeystore, type ScryptParams } from '@pausenet/crypto';
import { CliError, toCliError } from '../errors.js';
import { writeFileAtomic } from './files.js';

/** The secret JSON inside keystore.json (brief: "Keystore secret layout"). */
export interface KeystoreSecrets {
  version: 1;
  lab: string;
  index: number;
  /** hex, 32-byte Ed25519 seed */
  identitySecretKey: string;
  /** hex, 32-byte BLS share; null until `pausenet dkg` */
  blsShare: string | null;
}

/** Cheap scrypt cost for throwaway devnet keystores only (never for real keys). */
export const DEVNET_SCRYPT: ScryptParams = { n: 2 ** 12, r: 8, p: 1 };

/** Encrypt `secrets` with `passphrase` and write the keystore file (mode 0600, atomic). */
export async function writeKeystore(
  file: string,
  secrets: KeystoreSecrets,
  passphrase: string,
  scrypt?: ScryptParams,
): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(secrets));
  const json = encryptKeystore(bytes, passphrase, scrypt ? { scrypt } : {});
  await writeFileAtomic(file, `${JSON.stringify(json, null, 2)}\n`, 0o600);
}

/** A decrypted keystore plus the scrypt cost it was written with (kept when rewriting it). */
export interface OpenedKeystore {
  secrets: KeystoreSecrets;
  scrypt: ScryptParams;
}

/** Read and decrypt a keystore file; wrong passphrase / tampering become one-line CliErrors. */
export async function openKeystore(file: string, passphrase: string): Promise<OpenedKeystore> {
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
  let plain: Uint8Array;
  try {
    plain = decryptKeystore(json, passphrase);
  } catch (err) {
    throw toCliError(err);
  }
  let s: KeystoreSecrets;
  try {
    s = JSON.parse(new TextDecoder().decode(plain)) as KeystoreSecrets;
  } catch {
    throw new CliError('KEYSTORE', `keystore ${file} decrypted to something that is not a pausenet secret`);
  }
  if (s.version !== 1 || typeof s.lab !== 'string' || typeof s.identitySecretKey !== 'string')
    throw new CliError(
      'KEYSTORE',
      `keystore ${file} holds an unknown secret layout (version ${String(s.version)})`,
    );
  const p = (json as { kdf?: { params?: { n?: number; r?: number; p?: number } } }).kdf?.params ?? {};
  return { secrets: s, scrypt: { n: p.n ?? 2 ** 17, r: p.r ?? 8, p: p.p ?? 1 } };
}

/** Read and decrypt a keystore file (secrets only). */
export async function readKeystore(file: string, passphrase: string): Promise<KeystoreSecrets> {
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
