import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { ed25519Generate, type ScryptParams } from '@pausenet/crypto';
import { toHex } from '@pausenet/protocol';
import { stringify } from 'yaml';
import { CliError } from '../errors.js';
import { writeKeystore } from '../io/keystore.js';

/** Public facts about a member, printed for the genesis file. */
export interface MemberInfo {
  id: string;
  name: string;
  index: number;
  publicKey: string;
  peerIds: string[];
  addrs: string[];
}

export interface InitMemberOptions {
  dataDir: string;
  lab: string;
  index: number;
  name?: string;
  passphrase: string;
  /** Reachable listen multiaddrs WITHOUT /p2p (the peer id is appended). */
  addrs?: string[];
  force?: boolean;
  scrypt?: ScryptParams;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Create (or load) the libp2p node key of a data dir and return its peer id. Same file format as the
 * node's loadOrCreateNodeKey (protobuf private key, 0600); done here to keep `init` free of libp2p.
 */
export async function ensureNodeKey(dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'node-key');
  if (await exists(file)) {
    try {
      return peerIdFromPrivateKey(privateKeyFromProtobuf(new Uint8Array(await readFile(file)))).toString();
    } catch {
      throw new CliError('DATA_DIR', `node key ${file} is unreadable; restore it from backup or delete it`);
    }
  }
  const key = await generateKeyPair('Ed25519');
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 });
  await rename(tmp, file);
  return peerIdFromPrivateKey(key).toString();
}

/** `pausenet init` for a member: identity key into an encrypted keystore + node key; returns the genesis entry. */
export async function initMember(o: InitMemberOptions): Promise<MemberInfo> {
  if (!/^[a-z0-9-]{1,32}$/.test(o.lab))
    throw new CliError('USAGE', `--lab must be 1-32 chars of a-z, 0-9, "-" (e.g. lab-a), got "${o.lab}"`);
  const file = join(o.dataDir, 'keystore.json');
  if (!o.force && (await exists(file)))
    throw new CliError(
      'USAGE',
      `keystore already exists: ${file}; refusing to overwrite a key (pass --force only if it is not in any genesis)`,
    );
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const kp = ed25519Generate();
  await writeKeystore(
    file,
    { lab: o.lab, index: o.index, identitySecretKey: kp.secretKey, blsShare: null },
    o.passphrase,
    o.scrypt,
  );
  const peerId = await ensureNodeKey(o.dataDir);
  return {
    id: o.lab,
    name: o.name ?? o.lab,
    index: o.index,
    publicKey: toHex(kp.publicKey),
    peerIds: [peerId],
    addrs: (o.addrs ?? []).map((a) => `${a.replace(/\/$/, '')}/p2p/${peerId}`),
  };
}

/** The YAML snippet a member sends to whoever assembles genesis (one list entry under `members:`). */
export function memberSnippet(info: MemberInfo): string {
  return stringify([info], { lineWidth: 0 });
}
