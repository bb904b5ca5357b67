import { readFileSync } from 'node:fs';
import { ed25519PublicKey, KeystoreError, type MemberSecrets, openMemberKeystore } from '@pausenet/crypto';
import { bytesEqual, type Genesis, toHex } from '@pausenet/protocol';
import type { SelfIdentity } from './agreement/types.js';
import { ConfigError } from './errors.js';

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
  // The one member keystore layout (docs/protocol.md "Keystore"), the one `pausenet init` and `dkg` write.
  let s: MemberSecrets;
  try {
    s = openMemberKeystore(json, passphrase ?? readPassphrase(src, env)).secrets;
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
