import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The committed dev setup (test fixtures, docs/vectors) is reproducible byte for byte from the
// committed circuit: its only "contributions" are public beacons.
describe('dev-insecure setup', () => {
  it('rebuilding it gives the committed proving and verification keys', () => {
    const out = mkdtempSync(join(tmpdir(), 'pausenet-dev-setup-'));
    try {
      const script = fileURLToPath(new URL('../scripts/dev-setup.mjs', import.meta.url));
      execFileSync(process.execPath, [script, out], { stdio: 'ignore' });
      const fixture = (f: string) => readFileSync(new URL(`fixtures/${f}`, import.meta.url));
      expect(readFileSync(join(out, 'dev-insecure.zkey')).equals(fixture('dev-insecure.zkey'))).toBe(true);
      expect(readFileSync(join(out, 'dev-insecure.vkey.json'), 'utf8')).toBe(
        fixture('dev-insecure.vkey.json').toString('utf8'),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 3_600_000);
});
