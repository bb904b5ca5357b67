import { readFileSync } from 'node:fs';
import { decryptKeystore, ed25519PublicKey, KeystoreError } from '@pausenet/crypto';
import { bytesEqual, fromHexOrNull, type Genesis, toHex } from '@pausenet/protocol';
import type { SelfIdentity } from './agreement/types.js';
import { ConfigError } from './errors.js';

/**
 * Plaintext layout inside the encrypted keystore (BRIEF "Keystore secret layout", shared with the CLI):
 * UTF-8 JSON `{"version":1,"lab":"lab-a","index":1,"identitySecretKey":hex32,"blsShare":hex32|null}`.
 */
export interface KeystoreSecrets {
  version: 1;
  lab: string;
  index: number;
  identitySecretKey: string;
  blsShare: string | null;
}

/** Decoded member secrets. */
export interface MemberSecrets {
  lab: string;
  index: number;
  identitySecretKey: Uint8Array;
  blsShare: Uint8Array | null;
}

/** Serialise member secrets to the bytes the keystore encrypts. */
export function encodeKeystoreSecrets(s: MemberSecrets): Uint8Array {
  const json: KeystoreSecrets = {
    version: 1,
    lab: s.lab,
    index: s.index,
    identitySecretKey: toHex(s.identitySecretKey),
    blsShare: s.blsShare ? toHex(s.blsShare) : null,
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

function bad(msg: string): ConfigError {
  return new ConfigError('KEYSTORE_UNAVAILABLE', msg, 'keystore');
}

/** Parse decrypted keystore bytes. */
export function decodeKeystoreSecrets(bytes: Uint8Array): MemberSecrets {
  let j: Partial<Record<keyof KeystoreSecrets, unknown>>;
  try {
    j = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Record<keyof KeystoreSecrets, unknown>>;
  } catch {
    throw bad(
      'keystore plaintext is not the expected JSON {version, lab, index, identitySecretKey, blsShare}',
    );
  }
  if (j.version !== 1)
    throw bad(`keystore secret layout version ${String(j.version)} is not supported (expected 1)`);
  if (typeof j.lab !== 'string') throw bad('keystore secrets lack "lab"');
  const sk = typeof j.identitySecretKey === 'string' ? fromHexOrNull(j.identitySecretKey) : null;
  if (sk?.length !== 32) throw bad('keystore identitySecretKey must be 32 bytes hex');
  let bls: Uint8Array | null = null;
  if (j.blsShare !== null && j.blsShare !== undefined) {
    bls = typeof j.blsShare === 'string' ? fromHexOrNull(j.blsShare) : null;
    if (bls?.length !== 32) throw bad('keystore blsShare must be 32 bytes hex or null');
  }
  if (typeof j.index !== 'number' || !Number.isInteger(j.index) || j.index < 1)
    throw bad('keystore index must be a positive integer');
  return { lab: j.lab, index: j.index, identitySecretKey: sk, blsShare: bls };
}

export interface KeystoreSource {
  file: string;
  passphraseEnv?: string | undefined;
  passphraseFile?: string | undefined;
}

/** Default env var holding the keystore passphrase. */
export const DEFAULT_PASSPHRASE_ENV = 'PAUSENET_PASSPHRASE';

/**
 * The passphrase from `keystore.passphraseFile`, else from the env var `keystore.passphraseEnv`. Read from
 * the process environment, the variable is deleted at once: every child process (exec hooks, `scontrol`)
 * would otherwise inherit it (docs/hooks.md "Environment").
 */
function readPassphrase(src: KeystoreSource, env: NodeJS.ProcessEnv): string {
  if (src.passphraseFile) {
    try {
      return readFileSync(src.passphraseFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError(
        'KEYSTORE_UNAVAILABLE',
        `cannot read keystore.passphraseFile ${src.passphraseFile}: ${(err as Error).message}`,
        'keystore.passphraseFile',
      );
    }
  }
  const name = src.passphraseEnv ?? DEFAULT_PASSPHRASE_ENV;
  const v = env[name];
  if (v === undefined) {
    throw new ConfigError(
      'KEYSTORE_UNAVAILABLE',
      `keystore passphrase: environment variable ${name} is not set; set it, or set keystore.passphraseFile`,
      'keystore.passphraseEnv',
    );
  }
  if (env === process.env) delete process.env[name];
  return v;
}

/** Decrypt the member keystore and match it to its genesis member (by Ed25519 public key). */
export function loadSelfIdentity(
  src: KeystoreSource,
  genesis: Genesis,
  env: NodeJS.ProcessEnv = process.env,
  /** The passphrase itself (typed at a prompt by the CLI): never put into any environment. */
  passphrase?: string,
): SelfIdentity {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(src.file, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      'KEYSTORE_UNAVAILABLE',
      `cannot read keystore ${src.file}: ${(err as Error).message}; members need the keystore written by \`pausenet init\``,
      'keystore.file',
    );
  }
  let plain: Uint8Array;
  try {
    plain = decryptKeystore(json, passphrase ?? readPassphrase(src, env));
  } catch (err) {
    if (err instanceof KeystoreError) {
      throw new ConfigError(
        'KEYSTORE_UNAVAILABLE',
        `keystore ${src.file}: ${err.code}: ${err.message}`,
        'keystore',
      );
    }
    throw err;
  }
  const s = decodeKeystoreSecrets(plain);
  const pk = ed25519PublicKey(s.identitySecretKey);
  const member = genesis.members.find((m) => bytesEqual(m.publicKey, pk));
  if (!member) {
    throw new ConfigError(
      'KEYSTORE_UNAVAILABLE',
      `keystore ${src.file} holds key ${toHex(pk)} which is not a member of genesis "${genesis.name}"; use this lab's keystore or run as observer`,
      'keystore',
    );
  }
  if (member.index !== s.index || member.id !== s.lab) {
    throw new ConfigError(
      'KEYSTORE_UNAVAILABLE',
      `keystore says ${s.lab} (index ${s.index}) but its key belongs to genesis member ${member.id} (index ${member.index})`,
      'keystore',
    );
  }
  return {
    lab: member.id,
    index: member.index,
    identitySecretKey: s.identitySecretKey,
    blsShare: s.blsShare,
  };
}
