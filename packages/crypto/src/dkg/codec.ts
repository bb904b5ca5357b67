import { decode, encode } from 'cborg';
import { concatBytes, equalBytes, utf8 } from '../bytes.js';
import { ed25519Sign, ed25519Verify } from '../ed25519.js';
import { DkgError } from '../errors.js';
import type { DkgBundle, UnsignedDkgBundle } from './types.js';

/**
 * Canonical CBOR (RFC 8949 §4.2.1 core deterministic encoding via cborg: sorted map keys,
 * minimal integers, definite lengths) of DKG bundles. Decoding is strict and re-encodes to
 * prove canonicality; every failure is a DkgError.
 */

/** Upper bound on an encoded bundle (a deal for 256 recipients is ~25 KiB). */
export const MAX_DKG_BUNDLE_BYTES = 1 << 20;
const SIGNING_DOMAIN = utf8('pausenet/dkg/v1/bundle\0');

const DECODE_OPTIONS = {
  strict: true,
  rejectDuplicateMapKeys: true,
  allowUndefined: false,
  allowIndefinite: false,
  allowBigInt: false,
  allowNaN: false,
  allowInfinity: false,
} as const;

type Obj = Record<string, unknown>;

function fail(message: string): never {
  throw new DkgError('MALFORMED', message);
}

function obj(v: unknown, path: string, keys: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array)
    fail(`${path}: expected map`);
  const o = v as Obj;
  const have = Object.keys(o).sort();
  const want = [...keys].sort();
  if (have.length !== want.length || have.some((k, i) => k !== want[i]))
    fail(`${path}: expected keys [${want.join(',')}], got [${have.join(',')}]`);
  return o;
}

function bytes(v: unknown, path: string, length?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) fail(`${path}: expected bytes`);
  if (length !== undefined && v.length !== length) fail(`${path}: expected ${length} bytes, got ${v.length}`);
  return v;
}

function index(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v >= 2 ** 32)
    fail(`${path}: expected index >= 1`);
  return v;
}

function list(v: unknown, path: string, max = 1 << 16): unknown[] {
  if (!Array.isArray(v)) fail(`${path}: expected array`);
  if (v.length > max) fail(`${path}: too many entries`);
  return v;
}

function fromWire(v: unknown): DkgBundle {
  if (typeof v !== 'object' || v === null || !('type' in v)) fail('bundle: expected map with a type');
  const type = (v as Obj)['type'];
  switch (type) {
    case 'deal': {
      const o = obj(v, 'deal', [
        'type',
        'sessionId',
        'dealer',
        'commitments',
        'ephemeralKey',
        'shares',
        'signature',
      ]);
      return {
        type,
        sessionId: bytes(o['sessionId'], 'deal.sessionId'),
        dealer: index(o['dealer'], 'deal.dealer'),
        commitments: list(o['commitments'], 'deal.commitments').map((c, i) =>
          bytes(c, `deal.commitments[${i}]`, 48),
        ),
        ephemeralKey: bytes(o['ephemeralKey'], 'deal.ephemeralKey', 32),
        shares: list(o['shares'], 'deal.shares').map((s, i) => {
          const e = obj(s, `deal.shares[${i}]`, ['to', 'ciphertext']);
          return {
            to: index(e['to'], `deal.shares[${i}].to`),
            ciphertext: bytes(e['ciphertext'], `deal.shares[${i}].ciphertext`),
          };
        }),
        signature: bytes(o['signature'], 'deal.signature', 64),
      };
    }
    case 'response': {
      const o = obj(v, 'response', ['type', 'sessionId', 'from', 'complaints', 'signature']);
      return {
        type,
        sessionId: bytes(o['sessionId'], 'response.sessionId'),
        from: index(o['from'], 'response.from'),
        complaints: list(o['complaints'], 'response.complaints').map((c, i) =>
          index(c, `response.complaints[${i}]`),
        ),
        signature: bytes(o['signature'], 'response.signature', 64),
      };
    }
    case 'justification': {
      const o = obj(v, 'justification', ['type', 'sessionId', 'dealer', 'shares', 'signature']);
      return {
        type,
        sessionId: bytes(o['sessionId'], 'justification.sessionId'),
        dealer: index(o['dealer'], 'justification.dealer'),
        shares: list(o['shares'], 'justification.shares').map((s, i) => {
          const e = obj(s, `justification.shares[${i}]`, ['to', 'share']);
          return {
            to: index(e['to'], `justification.shares[${i}].to`),
            share: bytes(e['share'], `justification.shares[${i}].share`, 32),
          };
        }),
        signature: bytes(o['signature'], 'justification.signature', 64),
      };
    }
    default:
      fail(`bundle: unknown type ${String(type)}`);
  }
}

/** Canonical CBOR of a bundle. */
export function encodeDkgBundle(bundle: DkgBundle): Uint8Array {
  return encode(bundle);
}

/** Decode a bundle; throws DkgError('MALFORMED' | 'NON_CANONICAL' | 'OVERSIZED'). Does not check the signature. */
export function decodeDkgBundle(data: Uint8Array): DkgBundle {
  if (!(data instanceof Uint8Array)) throw new DkgError('MALFORMED', 'expected bytes');
  if (data.length > MAX_DKG_BUNDLE_BYTES)
    throw new DkgError('OVERSIZED', `bundle is ${data.length} bytes, limit ${MAX_DKG_BUNDLE_BYTES}`);
  let raw: unknown;
  try {
    raw = decode(data, DECODE_OPTIONS);
  } catch (e) {
    throw new DkgError('MALFORMED', `invalid CBOR: ${(e as Error).message}`);
  }
  const bundle = fromWire(raw);
  if (!equalBytes(encodeDkgBundle(bundle), data))
    throw new DkgError('NON_CANONICAL', 'bundle is not canonically encoded');
  return bundle;
}

/** The exact bytes a dealer/recipient signs: domain tag || canonical CBOR of the bundle without its signature. */
export function dkgBundleSigningBytes(bundle: UnsignedDkgBundle | DkgBundle): Uint8Array {
  const { signature: _omit, ...body } = bundle as DkgBundle;
  return concatBytes(SIGNING_DOMAIN, encode(body));
}

/** Attach the sender's Ed25519 signature to a bundle. */
export function signDkgBundle<B extends UnsignedDkgBundle>(
  bundle: B,
  ed25519SecretKey: Uint8Array,
): B & { signature: Uint8Array } {
  return { ...bundle, signature: ed25519Sign(ed25519SecretKey, dkgBundleSigningBytes(bundle)) };
}

/** Check a bundle's signature against the sender's Ed25519 public key. */
export function verifyDkgBundleSignature(bundle: DkgBundle, ed25519PublicKey: Uint8Array): boolean {
  return ed25519Verify(ed25519PublicKey, dkgBundleSigningBytes(bundle), bundle.signature);
}
