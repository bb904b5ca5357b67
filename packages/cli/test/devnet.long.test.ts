import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

/** The other devnet scenarios (npm run test:long): each must reach its documented end state. */
async function devnet(scenario: string, extra: string[] = []) {
  const r = await run(['devnet', '--scenario', scenario, '--json', '--step-timeout', '120000', ...extra], {
    timeoutMs: 540_000,
  });
  const last = r.stdout.trim().split('\n').pop()!;
  expect(r.code, `${r.stderr}\n${last}`).toBe(0);
  return JSON.parse(last);
}

function expectPausedThenResumed(j: {
  nodes: { state: string; height: number; role: string; hooks: unknown[] }[];
  certificates: { height: number; target: string }[];
}) {
  expect(j.certificates.map((c) => `${c.height}:${c.target}`)).toEqual(['1:PAUSED', '2:RUNNING']);
  for (const n of j.nodes) {
    expect([n.state, n.height]).toEqual(['RUNNING', 2]);
    if (n.role === 'member')
      expect(n.hooks).toEqual([
        { height: 1, action: 'halt', runs: 1, ok: true },
        { height: 2, action: 'resume', runs: 1, ok: true },
      ]);
  }
}

describe('pausenet devnet scenarios (long)', () => {
  it('honest: nobody votes, RUNNING at height 0', async () => {
    const j = await devnet('honest', ['--labs', '3', '--observers', '0']);
    expect(j.certificates).toEqual([]);
    for (const n of j.nodes) expect([n.state, n.height, n.hooks]).toEqual(['RUNNING', 0, []]);
  }, 600_000);

  it('equivocation: two signed commitments for one epoch pause the network', async () => {
    expectPausedThenResumed(await devnet('equivocation'));
  }, 600_000);

  it('missed: operators approve the pause after a missed deadline', async () => {
    expectPausedThenResumed(await devnet('missed'));
  }, 600_000);

  it('rejoin: a lab offline during pause -> resume joins afterwards; RUNNING at 2 stays, no hook runs again', async () => {
    const j = await devnet('rejoin');
    expect(j.problems).toEqual([]);
    expect(j.certificates.map((c: { height: number; target: string }) => `${c.height}:${c.target}`)).toEqual([
      '1:PAUSED',
      '2:RUNNING',
    ]);
    for (const n of j.nodes) {
      expect([n.state, n.height]).toEqual(['RUNNING', 2]);
      if (n.role !== 'member') continue;
      if (n.id === 'lab-d') {
        // It was offline for both: it catches up to the resume (its halt may be superseded before it ran).
        expect(n.hooks.find((h: { height: number }) => h.height === 2)).toEqual({
          height: 2,
          action: 'resume',
          runs: 1,
          ok: true,
        });
        expect(n.hooks.every((h: { height: number; runs: number }) => h.height <= 2 && h.runs <= 1)).toBe(
          true,
        );
      } else
        expect(n.hooks).toEqual([
          { height: 1, action: 'halt', runs: 1, ok: true },
          { height: 2, action: 'resume', runs: 1, ok: true },
        ]);
    }
  }, 600_000);

  it('partition: no certificate with 2 of 4 labs online; pause after healing', async () => {
    const j = await devnet('partition');
    expect(j.problems).toEqual([]);
    expectPausedThenResumed(j);
  }, 600_000);
});
