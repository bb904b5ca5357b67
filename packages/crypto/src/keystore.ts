import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';
import { fromHex, toHex } from './bytes.js';
import { KeystoreError } from './errors.js';

/**
 * Encrypted keystore (EIP-2335-like, versioned JSON): scrypt -> 64-byte key; bytes 0..31 are the
 * AES-256-GCM key, SHA-256 of bytes 32..63 is a passphrase checksum, so a wrong passphrase
 * (checksum mismatch) is told apart from a tampered file (GCM tag mismatch). The header (version,
 * description, kdf params) is GCM additional data. Pure: the caller writes the file (mode 0600).
 */

export const KEYSTORE_VERSION = 1;

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  n: number;
  r: number;
  p: number;
}

export interface KeystoreJson {
  version: 1;
  format: 'pausenet-keystore';
  description: string;
  kdf: { function: 'scrypt'; params: ScryptParams & { dklen: 64; salt: string } };
  checksum: { function: 'sha256'; message: string };
  cipher: { function: 'aes-256-gcm'; params: { iv: string }; message: string; tag: string };
}

export interface KeystoreOptions {
  /** scrypt cost; default n=2^17, r=8, p=1 (~0.4 s, 128 MiB here). Tests may pass cheaper params. */
  scrypt?: ScryptParams;
  description?: string;
}

/** Default scrypt cost (EIP-2335 uses n=2^18; 2^17 keeps decrypt well under 1 s on a small VM). */
export const DEFAULT_SCRYPT: ScryptParams = { n: 2 ** 17, r: 8, p: 1 };

function normalize(passphrase: string): Buffer {
  if (typeof passphrase !== 'string') throw new KeystoreError('MALFORMED', 'passphrase must be a string');
  // As EIP-2335: NFKD, then drop C0/C1 control codes and DEL.
  const cleaned = passphrase.normalize('NFKD').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  return Buffer.from(cleaned, 'utf8');
}

function checkScrypt(p: ScryptParams): void {
  const { n, r, p: par } = p;
  const ok =
    Number.isSafeInteger(n) &&
    n >= 2 ** 4 &&
    n <= 2 ** 22 &&
    (n & (n - 1)) === 0 &&
    Number.isSafeInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    Number.isSafeInteger(par) &&
    par >= 1 &&
    par <= 16;
  if (!ok) throw new KeystoreError('MALFORMED', `unsupported scrypt params n=${n} r=${r} p=${par}`);
}

function deriveKey(passphrase: string, salt: Uint8Array, p: ScryptParams): Buffer {
  return scryptSync(normalize(passphrase), salt, 64, {
    N: p.n,
    r: p.r,
    p: p.p,
    maxmem: 256 * p.n * p.r + (1 << 24),
  });
}

function headerAad(k: Pick<KeystoreJson, 'version' | 'format' | 'description' | 'kdf'>): Buffer {
  const { n, r, p, dklen, salt } = k.kdf.params;
  return Buffer.from(
    JSON.stringify([k.version, k.format, k.description, k.kdf.function, n, r, p, dklen, salt]),
    'utf8',
  );
}

const checksumOf = (dk: Buffer): string => createHash('sha256').update(dk.subarray(32, 64)).digest('hex');

/** Encrypt `secrets` under `passphrase`; returns the keystore as a plain JSON-able object. */
export function encryptKeystore(
  secrets: Uint8Array,
  passphrase: string,
  opts: KeystoreOptions = {},
): KeystoreJson {
  if (!(secrets instanceof Uint8Array)) throw new KeystoreError('MALFORMED', 'secrets must be bytes');
  const params = opts.scrypt ?? DEFAULT_SCRYPT;
  checkScrypt(params);
  const salt = randomBytes(32);
  const iv = randomBytes(12);
  const dk = deriveKey(passphrase, salt, params);
  const header = {
    version: 1 as const,
    format: 'pausenet-keystore' as const,
    description: opts.description ?? '',
    kdf: {
      function: 'scrypt' as const,
      params: { n: params.n, r: params.r, p: params.p, dklen: 64 as const, salt: toHex(salt) },
    },
  };
  const cipher = createCipheriv('aes-256-gcm', dk.subarray(0, 32), iv);
  cipher.setAAD(headerAad(header));
  const message = Buffer.concat([cipher.update(secrets), cipher.final()]);
  return {
    ...header,
    checksum: { function: 'sha256', message: checksumOf(dk) },
    cipher: {
      function: 'aes-256-gcm',
      params: { iv: toHex(iv) },
      message: toHex(message),
      tag: toHex(cipher.getAuthTag()),
    },
  };
}

function field<T>(ok: boolean, value: T, what: string): T {
  if (!ok) throw new KeystoreError('MALFORMED', `keystore field ${what} is missing or invalid`);
  return value;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isHex = (v: unknown, bytes?: number): v is string =>
  typeof v === 'string' && /^([0-9a-f]{2})*$/.test(v) && (bytes === undefined || v.length === bytes * 2);

/** Decrypt a keystore object (e.g. JSON.parse of the file); throws KeystoreError with a clear code. */
export function decryptKeystore(json: unknown, passphrase: string): Uint8Array {
  if (!isObj(json)) throw new KeystoreError('MALFORMED', 'keystore must be a JSON object');
  if (json['version'] !== KEYSTORE_VERSION)
    throw new KeystoreError(
      'UNSUPPORTED_VERSION',
      `keystore version ${String(json['version'])} is not supported (expected 1)`,
    );
  field(json['format'] === 'pausenet-keystore', 0, 'format');
  const description = field(
    typeof json['description'] === 'string',
    json['description'] as string,
    'description',
  );
  const kdf = field(
    isObj(json['kdf']) && json['kdf']['function'] === 'scrypt',
    json['kdf'] as Record<string, unknown>,
    'kdf',
  );
  const kp = field(isObj(kdf['params']), kdf['params'] as Record<string, unknown>, 'kdf.params');
  const salt = field(
    isHex(kp['salt']) && (kp['salt'] as string).length >= 32,
    kp['salt'] as string,
    'kdf.params.salt',
  );
  field(kp['dklen'] === 64, 0, 'kdf.params.dklen');
  const params = { n: kp['n'] as number, r: kp['r'] as number, p: kp['p'] as number };
  checkScrypt(params);
  const checksum = field(
    isObj(json['checksum']) &&
      json['checksum']['function'] === 'sha256' &&
      isHex(json['checksum']['message'], 32),
    (json['checksum'] as Record<string, string>)?.['message'] as string,
    'checksum',
  );
  const c = field(
    isObj(json['cipher']) && json['cipher']['function'] === 'aes-256-gcm',
    json['cipher'] as Record<string, unknown>,
    'cipher',
  );
  const iv = field(
    isObj(c['params']) && isHex(c['params']['iv'], 12),
    (c['params'] as Record<string, string>)?.['iv'] as string,
    'cipher.params.iv',
  );
  const message = field(isHex(c['message']), c['message'] as string, 'cipher.message');
  const tag = field(isHex(c['tag'], 16), c['tag'] as string, 'cipher.tag');

  const dk = deriveKey(passphrase, fromHex(salt), params);
  if (!timingSafeEqual(fromHex(checksumOf(dk)), fromHex(checksum)))
    throw new KeystoreError('WRONG_PASSPHRASE', 'wrong passphrase (or the kdf parameters were altered)');
  const header = {
    version: 1 as const,
    format: 'pausenet-keystore' as const,
    description,
    kdf: { function: 'scrypt' as const, params: { ...params, dklen: 64 as const, salt } },
  };
  try {
    const decipher = createDecipheriv('aes-256-gcm', dk.subarray(0, 32), fromHex(iv));
    decipher.setAAD(headerAad(header));
    decipher.setAuthTag(fromHex(tag));
    return new Uint8Array(Buffer.concat([decipher.update(fromHex(message)), decipher.final()]));
  } catch {
    throw new KeystoreError('TAMPERED', 'keystore ciphertext, tag or header was modified');
  }
}
