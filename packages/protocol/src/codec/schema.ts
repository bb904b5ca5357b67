import { Tagged } from 'cborg';
import { bigintToBytes, bytesToBigint, fromHexOrNull, toHex, utf8 } from '../bytes.js';
import { ProtocolError } from '../errors.js';

/**
 * Field codecs: one description per field drives CBOR (canonical) and JSON (API) views alike.
 * `read*` validate untrusted input and throw ProtocolError naming the field path.
 */
export interface Field<T> {
  /** CBOR-decoded JS value -> T. */
  read(v: unknown, path: string): T;
  /** T -> value that cborg encodes canonically (validates too). */
  write(x: T, path: string): unknown;
  /** JSON value (hex bytes, decimal bigints) -> T. */
  readJson(v: unknown, path: string): T;
  /** T -> JSON value. */
  writeJson(x: T, path: string): unknown;
  /** Optional struct member: omitted from the map when undefined. */
  readonly optional?: boolean;
}

const UINT64_MAX = (1n << 64n) - 1n;

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  if (v instanceof Tagged) return `tag(${v.tag})`;
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

function wrongType(path: string, expected: string, v: unknown): ProtocolError {
  return new ProtocolError('WRONG_TYPE', `expected ${expected}, got ${describe(v)}`, path);
}

/** Unsigned safe integer (CBOR major type 0; never a float). */
export function uint(opts: { min?: number; max?: number } = {}): Field<number> {
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const check = (v: unknown, path: string): number => {
    if (typeof v === 'bigint') throw new ProtocolError('OUT_OF_RANGE', `integer above 2^53-1`, path);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(path, 'unsigned integer', v);
    if (v < min || v > max) throw new ProtocolError('OUT_OF_RANGE', `${v} not in [${min}, ${max}]`, path);
    return v;
  };
  return { read: check, write: check, readJson: check, writeJson: check };
}

/**
 * Non-negative bigint: CBOR uint when < 2^64, else tag 2 (unsigned bignum) with minimal big-endian bytes
 * (RFC 8949 §3.4.3 preferred serialisation). JSON: decimal string.
 */
export function big(opts: { maxBytes: number }): Field<bigint> {
  const limit = (1n << BigInt(opts.maxBytes * 8)) - 1n;
  const check = (v: bigint, path: string): bigint => {
    if (typeof v !== 'bigint') throw wrongType(path, 'bigint', v);
    if (v < 0n || v > limit)
      throw new ProtocolError('OUT_OF_RANGE', `${v} not in [0, 2^${opts.maxBytes * 8}-1]`, path);
    return v;
  };
  return {
    read(v, path) {
      if (typeof v === 'number') {
        if (!Number.isInteger(v)) throw wrongType(path, 'unsigned integer', v);
        return check(BigInt(v), path);
      }
      if (typeof v === 'bigint') return check(v, path);
      if (v instanceof Tagged && v.tag === 2 && v.value instanceof Uint8Array) {
        if (v.value.length > opts.maxBytes) throw new ProtocolError('OUT_OF_RANGE', 'bignum too large', path);
        return check(bytesToBigint(v.value), path);
      }
      throw wrongType(path, 'unsigned integer or tag-2 bignum', v);
    },
    write(x, path) {
      check(x, path);
      return x <= UINT64_MAX ? x : new Tagged(2, bigintToBytes(x));
    },
    readJson(v, path) {
      if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v) || v.length > opts.maxBytes * 3)
        throw wrongType(path, 'decimal string without leading zeros', v);
      return check(BigInt(v), path);
    },
    writeJson(x, path) {
      return check(x, path).toString(10);
    },
  };
}

/** Byte string of an exact length or a maximum length. JSON: lowercase hex. */
export function bytes(opts: { len: number } | { max: number }): Field<Uint8Array> {
  const check = (v: unknown, path: string): Uint8Array => {
    if (!(v instanceof Uint8Array)) throw wrongType(path, 'byte string', v);
    if ('len' in opts ? v.length !== opts.len : v.length > opts.max)
      throw new ProtocolError(
        'OUT_OF_RANGE',
        'len' in opts ? `expected ${opts.len} bytes, got ${v.length}` : `${v.length} bytes > max ${opts.max}`,
        path,
      );
    return v;
  };
  return {
    // Copy: decoded values never alias the input buffer and are plain Uint8Array (not Buffer).
    read: (v, path) => new Uint8Array(check(v, path)),
    write: check,
    readJson(v, path) {
      const b = typeof v === 'string' ? fromHexOrNull(v) : null;
      if (!b) throw wrongType(path, 'hex string', v);
      return check(b, path);
    },
    writeJson: (x, path) => toHex(check(x, path)),
  };
}

/** UTF-8 text with a byte-length limit and optional pattern. */
export function text(opts: { maxBytes: number; minBytes?: number; pattern?: RegExp }): Field<string> {
  const check = (v: unknown, path: string): string => {
    if (typeof v !== 'string') throw wrongType(path, 'text string', v);
    // Lone UTF-16 surrogates cannot round-trip through UTF-8.
    if (/\p{Cs}/u.test(v)) throw new ProtocolError('OUT_OF_RANGE', 'text contains a lone surrogate', path);
    const n = utf8(v).length;
    if (n > opts.maxBytes || n < (opts.minBytes ?? 0))
      throw new ProtocolError(
        'OUT_OF_RANGE',
        `text of ${n} bytes not in [${opts.minBytes ?? 0}, ${opts.maxBytes}]`,
        path,
      );
    if (opts.pattern && !opts.pattern.test(v))
      throw new ProtocolError('OUT_OF_RANGE', `${JSON.stringify(v)} does not match ${opts.pattern}`, path);
    return v;
  };
  return { read: check, write: check, readJson: check, writeJson: check };
}

/** One of a fixed set of strings (enums travel as small text strings). */
export function oneOf<T extends string>(values: readonly T[]): Field<T> {
  const check = (v: unknown, path: string): T => {
    if (typeof v !== 'string') throw wrongType(path, `one of ${values.join('|')}`, v);
    if (!(values as readonly string[]).includes(v))
      throw new ProtocolError('OUT_OF_RANGE', `${JSON.stringify(v)} not one of ${values.join('|')}`, path);
    return v as T;
  };
  return { read: check, write: check, readJson: check, writeJson: check };
}

/** CBOR true/false. */
export function bool(): Field<boolean> {
  const check = (v: unknown, path: string): boolean => {
    if (typeof v !== 'boolean') throw wrongType(path, 'boolean', v);
    return v;
  };
  return { read: check, write: check, readJson: check, writeJson: check };
}

/** Definite-length array with a maximum item count. */
export function list<T>(item: Field<T>, opts: { max: number; min?: number }): Field<T[]> {
  const arr = (v: unknown, path: string): unknown[] => {
    if (!Array.isArray(v)) throw wrongType(path, 'array', v);
    if (v.length > opts.max || v.length < (opts.min ?? 0))
      throw new ProtocolError(
        'OUT_OF_RANGE',
        `${v.length} items not in [${opts.min ?? 0}, ${opts.max}]`,
        path,
      );
    return v;
  };
  return {
    read: (v, path) => arr(v, path).map((x, i) => item.read(x, `${path}[${i}]`)),
    write: (x, path) => arr(x, path).map((y, i) => item.write(y as T, `${path}[${i}]`)),
    readJson: (v, path) => arr(v, path).map((x, i) => item.readJson(x, `${path}[${i}]`)),
    writeJson: (x, path) => arr(x, path).map((y, i) => item.writeJson(y as T, `${path}[${i}]`)),
  };
}

/** Marks a struct member optional: absent key <-> undefined (null is never used). */
export function optional<T>(f: Field<T>): Field<T | undefined> {
  return {
    optional: true,
    read: (v, p) => f.read(v, p),
    write: (x, p) => f.write(x as T, p),
    readJson: (v, p) => f.readJson(v, p),
    writeJson: (x, p) => f.writeJson(x as T, p),
  };
}

export type Spec<T> = { [K in keyof T]-?: Field<T[K]> };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Tagged)
  );
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Map with a fixed set of text keys: unknown keys and missing required keys are rejected. */
export function struct<T>(spec: Spec<T>): Field<T> {
  const keys = Object.keys(spec) as (keyof T & string)[];
  const allowed = new Set<string>(keys);
  const readWith = (v: unknown, path: string, json: boolean): T => {
    if (!isPlainObject(v)) throw wrongType(path, 'map', v);
    for (const k of Object.keys(v))
      if (!allowed.has(k))
        throw new ProtocolError('UNKNOWN_FIELD', `unknown field ${JSON.stringify(k)}`, path);
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const f = spec[k] as Field<unknown>;
      if (!Object.hasOwn(v, k) || (json && v[k] === undefined)) {
        if (f.optional) continue;
        throw new ProtocolError('MISSING_FIELD', `missing field ${JSON.stringify(k)}`, path);
      }
      out[k] = json ? f.readJson(v[k], join(path, k)) : f.read(v[k], join(path, k));
    }
    return out as T;
  };
  const writeWith = (x: T, path: string, json: boolean): Record<string, unknown> => {
    if (!isPlainObject(x)) throw wrongType(path, 'object', x);
    for (const k of Object.keys(x))
      if (!allowed.has(k) && (x as Record<string, unknown>)[k] !== undefined)
        throw new ProtocolError('UNKNOWN_FIELD', `unknown field ${JSON.stringify(k)}`, path);
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const f = spec[k] as Field<unknown>;
      const val = (x as Record<string, unknown>)[k];
      if (val === undefined) {
        if (f.optional) continue;
        throw new ProtocolError('MISSING_FIELD', `missing field ${JSON.stringify(k)}`, path);
      }
      out[k] = json ? f.writeJson(val, join(path, k)) : f.write(val, join(path, k));
    }
    return out;
  };
  return {
    read: (v, p) => readWith(v, p, false),
    readJson: (v, p) => readWith(v, p, true),
    write: (x, p) => writeWith(x, p, false),
    writeJson: (x, p) => writeWith(x, p, true),
  };
}

/** Tagged union on a text `kind` key; each variant is a struct that includes `kind`. */
export function variants<T extends { kind: string }>(
  byKind: { [K in T['kind']]: Field<Extract<T, { kind: K }>> },
): Field<T> {
  const table = byKind as unknown as Record<string, Field<T>>;
  const pick = (v: unknown, path: string): Field<T> => {
    if (!isPlainObject(v)) throw wrongType(path, 'map', v);
    const kind = v['kind'];
    if (typeof kind !== 'string' || !Object.hasOwn(table, kind))
      throw new ProtocolError(
        'OUT_OF_RANGE',
        `kind ${JSON.stringify(kind)} not one of ${Object.keys(table).join('|')}`,
        path,
      );
    return table[kind] as Field<T>;
  };
  return {
    read: (v, p) => pick(v, p).read(v, p),
    write: (x, p) => pick(x, p).write(x, p),
    readJson: (v, p) => pick(v, p).readJson(v, p),
    writeJson: (x, p) => pick(x, p).writeJson(x, p),
  };
}

/** Literal string value (used for `kind` discriminants). */
export function literal<T extends string>(value: T): Field<T> {
  return oneOf([value]);
}
