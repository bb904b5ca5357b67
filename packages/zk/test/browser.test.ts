import { describe, expect, it } from 'vitest';
import { browserCheck } from '../scripts/browser-check.mjs';

// Real Vite bundle of @pausenet/zk/browser, real headless Chromium (Debian's, as the dashboard's
// tests): the observer dashboard can verify private-commitment proofs in the page with the package's
// own verifier, which agrees with snarkjs (loaded in a separate chunk of the same page) on every case.
describe('verification in a browser bundle', () => {
  it('verifies every docs/vectors/zk-v1.json case in headless Chromium', async () => {
    const r = await browserCheck();
    expect(r.page.errors).toEqual([]);
    for (const c of r.page.cases) expect([c.name, c.ok, c.snarkjs]).toEqual([c.name, c.valid, c.valid]);
    expect(r.page.ourVerifier).toEqual({ ok: true });
    expect(r.bundle.entryJsBytes).toBeGreaterThan(0);
    expect(r.bundle.jsBytes).toBeGreaterThan(r.bundle.entryJsBytes);
  });
});
