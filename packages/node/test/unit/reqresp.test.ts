import * as lp from 'it-length-prefixed';
import { describe, expect, it } from 'vitest';
import { coalesce } from '../../src/sync/reqresp.js';

async function* from(chunks: Uint8Array[]) {
  yield* chunks;
}

describe('req/resp response framing', () => {
  it('one write per 64 KiB, not per item; the reader gets every frame back intact and in order', async () => {
    const frames = Array.from({ length: 400 }, (_, i) => new Uint8Array(450).fill(i % 256));
    frames.unshift(new TextEncoder().encode('{"ok":true,"n":400}'));
    const chunks = coalesce(frames);
    const wire = chunks.reduce((n, c) => n + c.length, 0);
    expect(chunks.length).toBe(Math.ceil(wire / 65536));
    expect(chunks.length).toBeLessThan(5);
    const back: Uint8Array[] = [];
    for await (const f of lp.decode(from(chunks))) back.push(f.subarray());
    expect(back).toEqual(frames);
  });

  it('an empty response is one small write', () => {
    const chunks = coalesce([new TextEncoder().encode('{"ok":true,"n":0}')]);
    expect(chunks).toHaveLength(1);
  });
});
