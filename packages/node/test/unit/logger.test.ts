import { describe, expect, it } from 'vitest';
import { LogThrottle } from '../../src/logger.js';

describe('LogThrottle (repeated log lines)', () => {
  it('writes the first line per key per window and reports how many it held back', () => {
    let now = 0;
    const t = new LogThrottle(10_000, () => now);
    expect(t.admit('evidence|E_SIGNATURE|sync')).toBe(0);
    for (let i = 0; i < 1000; i++) expect(t.admit('evidence|E_SIGNATURE|sync')).toBeNull();
    expect(t.admit('vote|V_PARTIAL|gossip')).toBe(0);
    now += 10_000;
    expect(t.admit('evidence|E_SIGNATURE|sync')).toBe(1000);
    expect(t.admit('evidence|E_SIGNATURE|sync')).toBeNull();
  });

  it('holds a bounded number of keys', () => {
    let now = 0;
    const t = new LogThrottle(10_000, () => now, 4);
    for (let i = 0; i < 4; i++) expect(t.admit(`k${i}`)).toBe(0);
    expect(t.admit('k4')).toBeNull();
    now += 10_000;
    expect(t.admit('k4')).toBe(0);
  });
});
