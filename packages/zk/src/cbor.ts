import { decode, encode, rfc8949EncodeOptions } from 'cborg';
import { ZkError } from './errors.js';

/**
 * Deterministic CBOR (RFC 8949 §4.2.1) for this package's own encodings, under the protocol's rules
 * (docs/protocol.md "Encoding"): definite lengths, shortest integers, sorted text keys, no floats,
 * no tags, no undefined/null, no duplicate keys; decoding re-encodes and compares (NON_CANONICAL).
 */

export function encodeCbor(value: unknown): Uint8Array {
  return encode(value, rfc8949EncodeOptions);
}

/** Strict decode of at most `maxBytes` bytes (OVERSIZED before parsing, MALFORMED, NON_CANONICAL). */
export function decodeCbor(bytes: Uint8Array, what: string, maxBytes: number): unknown {
  if (!(bytes instanceof Uint8Array)) throw new ZkError('MALFORMED', `${what} must be bytes`);
  if (bytes.length > maxBytes)
    throw new ZkError('OVERSIZED', `${what} is ${bytes.length} bytes > ${maxBytes}`);
  let value: unknown;
  try {
    value = decode(bytes, {
      strict: true,
      allowIndefinite: false,
      allowUndefined: false,
      allowInfinity: false,
      allowNaN: false,
      allowBigInt: false,
      rejectDuplicateMapKeys: true,
      useMaps: false,
      tags: [],
    });
  } catch (e) {
    throw new ZkError('MALFORMED', `${what}: ${(e as Error)?.message ?? String(e)}`);
  }
  if (hasFloatOrNull(value)) throw new ZkError('MALFORMED', `${what}: floats and null are not allowed`);
  let again: Uint8Array;
  try {
    again = encodeCbor(value);
  } catch (e) {
    throw new ZkError('MALFORMED', `${what}: ${(e as Error).message}`);
  }
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i]))
    throw new ZkError('NON_CANONICAL', `${what} is not in canonical form`);
  return value;
}

function hasFloatOrNull(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'number') return !Number.isSafeInteger(v);
  if (v instanceof Uint8Array || typeof v === 'string' || typeof v === 'boolean') return false;
  if (Array.isArray(v)) return v.some(hasFloatOrNull);
  if (typeof v === 'object') return Object.values(v as object).some(hasFloatOrNull);
  return true;
}

/** A map with exactly these keys (no unknown, none missing). */
export function expectMap(v: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array)
    throw new ZkError('MALFORMED', `${what} must be a map`);
  const got = Object.keys(v);
  for (const k of got) if (!keys.includes(k)) throw new ZkError('MALFORMED', `unknown field`, `${what}.${k}`);
  for (const k of keys) if (!got.includes(k)) throw new ZkError('MALFORMED', `missing field`, `${what}.${k}`);
  return v as Record<string, unknown>;
}

export function expectBytes(v: unknown, length: number | null, path: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new ZkError('MALFORMED', 'expected a byte string', path);
  if (length !== null && v.length !== length)
    throw new ZkError('MALFORMED', `expected ${length} bytes, got ${v.length}`, path);
  return v;
}
