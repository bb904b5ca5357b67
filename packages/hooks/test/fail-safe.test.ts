import { describe, expect, it } from 'vitest';
import { FailSafe, failSafeSettingsSchema } from '../src/fail-safe.js';

const cfg = { enabled: true, afterMs: 1_000, threshold: 3 };

describe('FailSafe', () => {
  it('is off by default semantics: disabled never halts, whatever the connectivity', () => {
    const fs = new FailSafe({ ...cfg, enabled: false }, 'lab-a');
    expect(fs.observe(0, []).action).toBe('none');
    expect(fs.observe(1_000_000, [])).toEqual({ action: 'none', state: 'disabled', reachable: 1 });
  });

  it('halts exactly once when fewer than t members (counting self) are reachable for longer than afterMs', () => {
    const fs = new FailSafe(cfg, 'lab-a');
    expect(fs.observe(0, ['lab-b', 'lab-c'])).toEqual({ action: 'none', state: 'ok', reachable: 3 });
    expect(fs.observe(100, ['lab-b'])).toEqual({
      action: 'none',
      state: 'degraded',
      reachable: 2,
      since: 100,
      haltAt: 1101,
    });
    expect(fs.observe(1_100, ['lab-b']).action).toBe('none'); // exactly afterMs: not yet "longer than"
    const d = fs.observe(1_101, ['lab-b']);
    expect(d).toMatchObject({ action: 'halt', state: 'tripped', reachable: 2, since: 100 });
    expect(d.state === 'tripped' && d.reason).toContain('only 2 of the 3 members needed');
    expect(fs.observe(1_200, ['lab-b']).action).toBe('none');
    expect(fs.observe(1_300, ['lab-b', 'lab-c', 'lab-d'])).toMatchObject({
      action: 'none',
      state: 'tripped',
    });
    expect(fs.isTripped).toBe(true);
    fs.reset();
    expect(fs.observe(1_400, ['lab-b', 'lab-c'])).toMatchObject({ state: 'ok' });
  });

  it('a recovery before afterMs restarts the clock; duplicates and self in the list are not double-counted', () => {
    const fs = new FailSafe(cfg, 'lab-a');
    fs.observe(0, ['lab-a', 'lab-b', 'lab-b']);
    expect(fs.observe(900, ['lab-b', 'lab-a'])).toMatchObject({ state: 'degraded', since: 0 });
    expect(fs.observe(950, ['lab-b', 'lab-c']).state).toBe('ok');
    expect(fs.observe(1_500, ['lab-b'])).toMatchObject({ state: 'degraded', since: 1_500 });
    expect(fs.observe(2_400, ['lab-b']).action).toBe('none');
    expect(fs.observe(2_501, ['lab-b']).action).toBe('halt');
  });

  it('an observer (no self) needs t reachable members on its own', () => {
    const fs = new FailSafe({ ...cfg, afterMs: 0 }, null);
    expect(fs.observe(0, ['lab-a', 'lab-b', 'lab-c']).state).toBe('ok');
    expect(fs.observe(10, ['lab-a', 'lab-b'])).toMatchObject({ state: 'degraded', reachable: 2 });
    expect(fs.observe(11, ['lab-a', 'lab-b']).action).toBe('halt');
  });

  it('rejects nonsensical settings when enabled', () => {
    expect(() => new FailSafe({ ...cfg, threshold: 0 }, 'x')).toThrow(/threshold: got 0/);
    expect(() => new FailSafe({ ...cfg, afterMs: -1 }, 'x')).toThrow(/afterMs: got -1/);
  });

  it('node settings default to off, 10 min; bad values are explained', () => {
    expect(failSafeSettingsSchema.parse({})).toEqual({ enabled: false, afterMs: 600_000 });
    const r = failSafeSettingsSchema.safeParse({ enabled: true, afterMs: 5 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain('at least 1000 ms');
  });
});
