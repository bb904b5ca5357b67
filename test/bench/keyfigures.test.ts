// The key-figure tables of docs/benchmarks.md: each target marked met or not from the summary's figures.
import { describe, expect, it } from 'vitest';
import { keyFigures } from '../../scripts/bench/lib/keyfigures.mjs';

const row = (labs: number, p50Ms: number, floorMs: number) => ({
  labs,
  threshold: labs - 1,
  runs: 8,
  p50Ms,
  p95Ms: p50Ms + 10,
  floorMs,
  ratio: Math.round((p50Ms / floorMs) * 1000) / 1000,
});

const targetRow = (lines: string[], name: string) => lines.find((l) => l.startsWith(`| ${name} |`));

describe('bench key figures', () => {
  it('marks each target met or not from the figures', () => {
    const lines = keyFigures({
      wan: [row(4, 160, 150), row(16, 400, 188)],
      pauseLatency: [row(16, 240, 50)],
      cpuPerLabTransitionMs: { '4': 10, '8': 15, '16': 21.5 },
      catchup100kMs: 9_999,
    });
    expect(targetRow(lines, 'wide-area p50 / floor at 4 labs')).toBe(
      '| wide-area p50 / floor at 4 labs | <= 1.15 | 1.067 | yes |',
    );
    expect(targetRow(lines, 'wide-area p50 / floor at 16 labs')).toBe(
      '| wide-area p50 / floor at 16 labs | <= 1.25 | 2.128 | no |',
    );
    expect(targetRow(lines, 'CPU per lab per transition at 16 labs (loopback)')).toContain(
      '| 21.5 ms | no |',
    );
    expect(targetRow(lines, 'loopback pause p50 at 16 labs (processes)')).toContain('| 240 ms | yes |');
    expect(targetRow(lines, 'catch-up of 100k commitments')).toContain('| 9999 ms | yes |');
    // the loopback table carries each size's CPU per lab per transition
    expect(lines).toContain('| 16 | 15 | 8 | 240 | 250 | 50 | 4.8 | 21.5 |');
  });

  it('says when a figure is missing or a size failed', () => {
    const lines = keyFigures({
      wan: [{ labs: 16, error: 'mesh did not form\nstack' }],
      pauseLatency: [],
      cpuPerLabTransitionMs: { '16': null },
      catchup100kMs: null,
    });
    expect(lines).toContain('| 16 | failed: mesh did not form |  |  |  |  |  |');
    expect(targetRow(lines, 'wide-area p50 / floor at 16 labs')).toContain('| - | not measured |');
    expect(targetRow(lines, 'catch-up of 100k commitments')).toContain('| - | not measured |');
  });
});
