import {
  decode as cborDecode,
  encode as cborEncode,
  rfc8949EncodeOptions,
  Tagged,
  Tokenizer,
  Type,
} from 'cborg';
import { bytesEqual } from '../bytes.js';
import { ProtocolError } from '../errors.js';
import type { Field } from './schema.js';

/**
 * Deterministic CBOR (RFC 8949 §4.2.1 core deterministic encoding) on top of cborg.
 * Decoding is strict and then re-encodes: any byte difference is NON_CANONICAL.
 */

const TAGS: ((control: () => unknown) => unknown)[] = [];
// Tag 2 (unsigned bignum) is the only tag on the wire.
TAGS[2] = (decode) => new Tagged(2, decode());

class NoFloatTokenizer extends Tokenizer {
  override next() {
    const token = super.next();
    // No field of the protocol is a float: reject any major-7 float (incl. NaN/Infinity) up front.
    if (token.type === Type.float) throw new ProtocolError('WRONG_TYPE', 'floats are not allowed');
    return token;
  }
}

/** Encode a value produced by a Field writer. */
export function encodeCanonical<T>(field: Field<T>, value: T, what: string, maxSize: number): Uint8Array {
  const raw = field.write(value, '');
  let out: Uint8Array;
  try {
    out = cborEncode(raw, rfc8949EncodeOptions);
  } catch (e) {
    throw new ProtocolError('MALFORMED', `cannot encode ${what}: ${(e as Error).message}`);
  }
  if (out.length > maxSize)
    throw new ProtocolError('OVERSIZED', `${what} is ${out.length} bytes > ${maxSize}`);
  return out;
}

/** Decode untrusted bytes into T: size limit, strict CBOR, schema, canonical re-encoding. Throws only ProtocolError. */
export function decodeCanonical<T>(field: Field<T>, bytes: Uint8Array, what: string, maxSize: number): T {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError('WRONG_TYPE', `${what} must be a Uint8Array`);
  if (bytes.length > maxSize)
    throw new ProtocolError('OVERSIZED', `${what} is ${bytes.length} bytes > ${maxSize}`);
  let raw: unknown;
  try {
    const options = {
      strict: true,
      allowIndefinite: false,
      allowUndefined: false,
      allowInfinity: false,
      allowNaN: false,
      allowBigInt: true,
      rejectDuplicateMapKeys: true,
      useMaps: false,
      tags: TAGS,
    };
    // The tokenizer lets NaN and ±Infinity through as float tokens so that NoFloatTokenizer refuses every
    // float alike (WRONG_TYPE, docs/protocol.md "Encoding"); cborg would otherwise throw its own error.
    const tokenizer = new NoFloatTokenizer(bytes, { ...options, allowNaN: true, allowInfinity: true });
    raw = cborDecode(bytes, { ...options, tokenizer } as never);
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError('MALFORMED', `${what}: ${(e as Error)?.message ?? String(e)}`);
  }
  let value: T;
  let again: Uint8Array;
  try {
    value = field.read(raw, '');
    again = encodeCanonical(field, value, what, Number.POSITIVE_INFINITY);
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError('MALFORMED', `${what}: ${(e as Error)?.message ?? String(e)}`);
  }
  if (!bytesEqual(again, bytes)) throw new ProtocolError('NON_CANONICAL', `${what} is not in canonical form`);
  return value;
}
