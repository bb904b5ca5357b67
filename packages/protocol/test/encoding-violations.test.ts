import { readFileSync } from 'node:fs';
import { decode as cborDecode, encode as cborEncode, rfc8949EncodeOptions, Tagged } from 'cborg';
import { describe, expect, it } from 'vitest';
import { fromHexOrNull, toHex } from '../src/bytes.js';
import { decodeSignedCommitment, decodeSignedEvidence } from '../src/codec/codec.js';
import { ProtocolError } from '../src/errors.js';

/**
 * docs/protocol.md "Encoding violations and their codes", row by row: each case splices the table's CBOR
 * item into a valid vector message in place of the named field and decodes it. The spec's table and this
 * one must list the same ids with the same codes.
 */
const SPEC = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const VECTORS = JSON.parse(
  readFileSync(new URL('../../../docs/vectors/protocol-v2.json', import.meta.url), 'utf8'),
);

const hex = (h: string): Uint8Array => {
  const b = fromHexOrNull(h.replace(/\s+/g, ''));
  if (!b) throw new Error(`bad hex ${h}`);
  return b;
};
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
};

const commitmentBytes = hex(
  (VECTORS.commitments as { json: { metrics: { trainingFlop: string } }; canonical: string }[]).find(
    (c) => BigInt(c.json.metrics.trainingFlop) > 2n ** 64n,
  )!.canonical,
);
const reportBytes = hex(
  (VECTORS.evidence as { name: string; canonical: string }[]).find((e) => e.name === 'report')!.canonical,
);

type Raw = Record<string, unknown>;
const TAGS: ((decode: () => unknown) => unknown)[] = [];
TAGS[2] = (decode) => new Tagged(2, decode());
const rawOf = (b: Uint8Array): Raw => cborDecode(b, { tags: TAGS, useMaps: false }) as Raw;
const enc = (v: unknown): Uint8Array => cborEncode(v, rfc8949EncodeOptions);

/** A unique text the splice finds in the encoding and replaces with the raw item. */
const MARK = 'zz-splice-mark-zz';
const MARK_BYTES = enc(MARK);

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** `base` with the field at `path` (dotted, [i] for array items) replaced by the raw CBOR `item`. */
function splice(base: Uint8Array, set: (o: Raw) => void, item: Uint8Array): Uint8Array {
  const o = rawOf(base);
  set(o);
  const b = enc(o);
  const i = indexOf(b, MARK_BYTES);
  if (i < 0) throw new Error('mark not found');
  return cat(b.subarray(0, i), item, b.subarray(i + MARK_BYTES.length));
}

function mutate(base: Uint8Array, change: (o: Raw) => void): Uint8Array {
  const o = rawOf(base);
  change(o);
  return enc(o);
}

const c = (o: Raw) => o['commitment'] as Raw;
const m = (o: Raw) => c(o)['metrics'] as Raw;
const attestation = (attester: unknown) => ({
  attester,
  publicKey: new Uint8Array(32),
  signature: new Uint8Array(64),
});
const at = (field: string) => (o: Raw) => {
  c(o)[field] = MARK;
};
const metric = (field: string) => (o: Raw) => {
  m(o)[field] = MARK;
};
const attester = (o: Raw) => {
  c(o)['attestations'] = [attestation(MARK)];
};
const inCommitment = (set: (o: Raw) => void, item: string) => splice(commitmentBytes, set, hex(item));

/** A top-level map of `entries` (already encoded key/value pairs), as raw bytes. */
function topMap(entries: Uint8Array[]): Uint8Array {
  return cat(new Uint8Array([0xa0 + entries.length]), ...entries);
}
const entry = (key: string, value: unknown) => enc({ [key]: value }).subarray(1);

const CASES: Record<string, { bytes: () => Uint8Array; code: string; decode?: (b: Uint8Array) => unknown }> =
  {
    X01: { bytes: () => new Uint8Array(8193), code: 'OVERSIZED' },
    X02: { bytes: () => cat(commitmentBytes, hex('00')), code: 'MALFORMED' },
    X03: { bytes: () => commitmentBytes.subarray(0, commitmentBytes.length - 1), code: 'MALFORMED' },
    X04: { bytes: () => inCommitment(at('epoch'), '18 00'), code: 'MALFORMED' },
    X05: { bytes: () => inCommitment(at('epoch'), '20'), code: 'OUT_OF_RANGE' },
    X06: { bytes: () => inCommitment(metric('maxParams'), '20'), code: 'OUT_OF_RANGE' },
    X07: { bytes: () => inCommitment(at('epoch'), '1b 0020000000000000'), code: 'OUT_OF_RANGE' },
    X08: { bytes: () => inCommitment(at('epoch'), 'f9 3c00'), code: 'WRONG_TYPE' },
    X09: { bytes: () => inCommitment(at('epoch'), 'f9 7e00'), code: 'WRONG_TYPE' },
    X10: { bytes: () => inCommitment(at('epoch'), 'f9 7c00'), code: 'WRONG_TYPE' },
    X11: { bytes: () => inCommitment(at('epoch'), 'f5'), code: 'WRONG_TYPE' },
    X12: { bytes: () => inCommitment(at('epoch'), 'f6'), code: 'WRONG_TYPE' },
    X13: { bytes: () => inCommitment(at('epoch'), 'f7'), code: 'MALFORMED' },
    X14: { bytes: () => inCommitment(at('epoch'), 'f0'), code: 'MALFORMED' },
    X15: { bytes: () => inCommitment(at('lab'), '7f 65 6c61622d61 ff'), code: 'MALFORMED' },
    X16: { bytes: () => inCommitment(at('issuedAt'), 'c1 1a 5a000000'), code: 'MALFORMED' },
    X17: { bytes: () => inCommitment(metric('maxParams'), 'c3 41 01'), code: 'MALFORMED' },
    X18: { bytes: () => inCommitment(metric('maxParams'), 'c2 41 01'), code: 'NON_CANONICAL' },
    X19: {
      // the vector's trainingFlop (above 2^64, so tag 2) with one leading zero byte
      bytes: () => {
        const v = m(rawOf(commitmentBytes))['trainingFlop'] as Tagged;
        const b = v.value as Uint8Array;
        return inCommitment(
          metric('trainingFlop'),
          `c2 ${(0x40 + b.length + 1).toString(16)} 00 ${toHex(b)}`,
        );
      },
      code: 'NON_CANONICAL',
    },
    X20: {
      bytes: () => inCommitment(metric('maxParams'), `c2 58 21 ${'01'.repeat(33)}`),
      code: 'OUT_OF_RANGE',
    },
    X21: { bytes: () => inCommitment(metric('maxParams'), 'c2 61 31'), code: 'WRONG_TYPE' },
    X22: { bytes: () => inCommitment(at('epoch'), 'c2 49 01 0000000000000000'), code: 'WRONG_TYPE' },
    X23: { bytes: () => inCommitment(attester, '62 c328'), code: 'NON_CANONICAL' },
    X24: { bytes: () => inCommitment(at('lab'), '62 c328'), code: 'OUT_OF_RANGE' },
    X25: { bytes: () => inCommitment(attester, '63 eda080'), code: 'NON_CANONICAL' },
    X26: { bytes: () => inCommitment(at('lab'), '65 4c41422d41'), code: 'OUT_OF_RANGE' },
    X27: {
      bytes: () =>
        mutate(commitmentBytes, (o) => {
          c(o)['attestations'] = [attestation('a'.repeat(129))];
        }),
      code: 'OUT_OF_RANGE',
    },
    X28: { bytes: () => inCommitment(at('level'), '67 53544f50504544'), code: 'OUT_OF_RANGE' },
    X29: { bytes: () => inCommitment(at('level'), '01'), code: 'WRONG_TYPE' },
    X30: {
      bytes: () =>
        splice(
          reportBytes,
          (o) => {
            (o['evidence'] as Raw)['kind'] = MARK;
          },
          hex('65 6175646974'),
        ),
      decode: decodeSignedEvidence,
      code: 'OUT_OF_RANGE',
    },
    X31: { bytes: () => inCommitment(at('prev'), `58 1f ${'00'.repeat(31)}`), code: 'OUT_OF_RANGE' },
    X32: { bytes: () => inCommitment(at('prev'), '62 6162'), code: 'WRONG_TYPE' },
    X33: {
      bytes: () =>
        mutate(commitmentBytes, (o) => {
          c(o)['attestations'] = Array.from({ length: 5 }, () => attestation('x'));
        }),
      code: 'OUT_OF_RANGE',
    },
    X34: {
      bytes: () =>
        mutate(commitmentBytes, (o) => {
          c(o)['extra'] = 1;
        }),
      code: 'UNKNOWN_FIELD',
    },
    X35: {
      bytes: () =>
        mutate(commitmentBytes, (o) => {
          delete c(o)['seq'];
        }),
      code: 'MISSING_FIELD',
    },
    X36: {
      bytes: () => {
        const o = rawOf(commitmentBytes);
        return topMap([
          entry('signature', o['signature']),
          entry('signature', o['signature']),
          entry('commitment', o['commitment']),
        ]);
      },
      code: 'MALFORMED',
    },
    X37: {
      bytes: () => {
        const o = rawOf(commitmentBytes);
        return topMap([
          hex('01 00'),
          entry('signature', o['signature']),
          entry('commitment', o['commitment']),
        ]);
      },
      code: 'MALFORMED',
    },
    X38: {
      bytes: () => {
        const o = rawOf(commitmentBytes);
        return topMap([entry('commitment', o['commitment']), entry('signature', o['signature'])]);
      },
      code: 'NON_CANONICAL',
    },
    X39: { bytes: () => hex('80'), code: 'WRONG_TYPE' },
  };

/** Rows `| X01 | … | `CODE` |` of the spec's table. */
function specRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const m of SPEC.matchAll(/^\| (X\d\d) \|.*\| `([A-Z_]+)`\s*\|$/gm)) rows.set(m[1]!, m[2]!);
  return rows;
}

function codeOf(decode: (b: Uint8Array) => unknown, bytes: Uint8Array): string {
  try {
    decode(bytes);
    return 'decoded';
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e.code;
  }
}

describe('docs/protocol.md encoding violations', () => {
  it('the spec table and this test list the same rows with the same codes', () => {
    const spec = specRows();
    expect(spec.size).toBe(39);
    expect(Object.fromEntries(spec)).toEqual(
      Object.fromEntries(Object.entries(CASES).map(([k, v]) => [k, v.code])),
    );
  });

  it('the unmodified vectors decode (the splices start from valid messages)', () => {
    expect(() => decodeSignedCommitment(commitmentBytes)).not.toThrow();
    expect(() => decodeSignedEvidence(reportBytes)).not.toThrow();
    // a splice of the field's own encoding changes nothing
    const epoch = (c(rawOf(commitmentBytes))['epoch'] as number).toString(16).padStart(2, '0');
    expect(
      codeOf(
        decodeSignedCommitment,
        inCommitment(at('epoch'), Number(`0x${epoch}`) < 24 ? epoch : `18 ${epoch}`),
      ),
    ).toBe('decoded');
  });

  for (const [id, t] of Object.entries(CASES))
    it(`${id}: ${t.code}`, () => {
      expect(codeOf(t.decode ?? decodeSignedCommitment, t.bytes())).toBe(t.code);
    });

  it('X14 holds for every simple value but false, true and null', () => {
    for (const item of ['f0', 'f3', 'f8 20', 'f8 ff'])
      expect(codeOf(decodeSignedCommitment, inCommitment(at('epoch'), item)), item).toBe('MALFORMED');
  });

  it('X08-X10: floats of every width, NaN and both infinities are one code', () => {
    for (const item of [
      'f9 3c00',
      'fa 3f800000',
      'fb 3ff0000000000000',
      'f9 7e00',
      'fb 7ff8000000000000',
      'f9 7c00',
      'f9 fc00',
    ])
      expect(codeOf(decodeSignedCommitment, inCommitment(at('epoch'), item)), item).toBe('WRONG_TYPE');
  });
});
