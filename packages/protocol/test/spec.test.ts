import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** docs/protocol.md is normative: every verdict code the protocol package can return is specified there. */
const SRC = new URL('../src/', import.meta.url).pathname;
const SPEC = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('docs/protocol.md', () => {
  it('names every validation and machine code of packages/protocol', () => {
    const codes = new Set<string>();
    for (const f of files(SRC)) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:reject|ignore)\(\s*'([A-Z][A-Z_]+)'/g)) codes.add(m[1] as string);
      for (const m of text.matchAll(/code: '([A-Z][A-Z_]+)'/g)) codes.add(m[1] as string);
    }
    expect(codes.size).toBeGreaterThan(60);
    expect([...codes].filter((c) => !new RegExp(`\\b${c}\\b`).test(SPEC))).toEqual([]);
  });
});
