import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Native } from '@pausenet/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, fromHexOrNull, sha256, sha256Portable, toHex, useSha256 } from '../src/bytes.js';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Every module the browser entry loads (relative imports followed) and every package it names. */
function browserGraph(): { files: Map<string, string>; packages: Set<string> } {
  const files = new Map<string, string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    const text = readFileSync(file, 'utf8');
    files.set(file, text);
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(join(src, 'browser.ts'));
  return { files, packages };
}

describe('byte helpers', () => {
  it('hex round-trips and refuses odd lengths, non-hex characters and prefixes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const hex = toHex(b);
        expect(hex).toMatch(/^([0-9a-f]{2})*$/);
        expect(fromHex(hex)).toEqual(b);
        expect(fromHex(hex.toUpperCase())).toEqual(b);
      }),
    );
    for (const bad of ['abc', 'zz', '0x00', ' 00', '0g']) {
      expect(() => fromHex(bad)).toThrow(RangeError);
      expect(fromHexOrNull(bad)).toBeNull();
    }
    expect(toHex(new Uint8Array(new Uint8Array([9, 1, 2, 3]).buffer, 1, 2))).toBe('0102');
  });

  it('SHA-256: the portable default (@noble/hashes) and the native one give the same digests', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 4 }), (ps) => {
        expect(toHex(sha256Portable(...ps))).toBe(toHex(sha256Native(...ps)));
      }),
    );
    // Known answers (FIPS 180-2): the empty string and "abc".
    expect(toHex(sha256Portable())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(sha256Portable(new TextEncoder().encode('a'), new TextEncoder().encode('bc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('useSha256 swaps the implementation sha256 calls', () => {
    const seen: number[] = [];
    useSha256((...ps) => {
      seen.push(ps.length);
      return sha256Native(...ps);
    });
    try {
      expect(toHex(sha256(new Uint8Array([1]), new Uint8Array([2])))).toBe(
        toHex(sha256Portable(new Uint8Array([1, 2]))),
      );
      expect(seen).toEqual([2]);
    } finally {
      useSha256(sha256Portable);
    }
  });

  it('the browser entry loads no Node built-in, no Buffer and no @pausenet/crypto beyond its hex codec', () => {
    const { files, packages } = browserGraph();
    expect(files.size).toBeGreaterThan(3);
    expect([...packages].sort()).toEqual(
      [...packages]
        .filter(
          (p) => !p.startsWith('node:') && (!p.startsWith('@pausenet/') || p === '@pausenet/crypto/bytes'),
        )
        .sort(),
    );
    expect(packages).toContain('@noble/hashes/sha2.js');
    for (const [file, text] of files)
      expect(`${file}: ${/\bBuffer\s*[.(]/.test(text)}`).toBe(`${file}: false`);
  });

  it('no protocol module imports a Node built-in or uses Buffer', () => {
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const text = readFileSync(join(src, f), 'utf8');
      expect(`${f}: ${/from\s+'node:|\bBuffer\s*[.(]/.test(text)}`).toBe(`${f}: false`);
    }
  });
});
