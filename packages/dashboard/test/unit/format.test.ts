import { fromHex, toHex } from '@pausenet/protocol/browser';
import { describe, expect, it } from 'vitest';
import {
  capRatio,
  formatAgo,
  formatBig,
  formatBps,
  formatDuration,
  formatPercent,
  formatTime,
  shortHex,
} from '../../src/format.js';

describe('format', () => {
  it('round-trips hex and rejects malformed hex with a typed error (the protocol codec the page uses)', () => {
    expect(toHex(fromHex('00ff10Ab'))).toBe('00ff10ab');
    for (const bad of ['0', 'zz', '0x00', ' 00']) {
      expect(() => fromHex(bad)).toThrow(RangeError);
    }
  });

  it('shortens long hex only', () => {
    expect(shortHex('abcdef')).toBe('abcdef');
    expect(shortHex('0123456789abcdef0123')).toBe('01234567…0123');
  });

  it('formats big integers exactly enough to read', () => {
    expect(formatBig('999999')).toBe('999,999');
    expect(formatBig('1000000')).toBe('1×10⁶');
    expect(formatBig(`32${'0'.repeat(24)}`)).toBe('3.2×10²⁵');
    expect(formatBig(`12345${'0'.repeat(20)}`)).toBe('1.23×10²⁴');
    expect(formatBig('-5')).toBe('—');
    expect(formatBig('1e25')).toBe('—');
  });

  it('computes cap ratios with bigints beyond 2^53', () => {
    const cap = 10n ** 26n;
    expect(capRatio((cap * 42n) / 100n, cap)).toBe(0.42);
    expect(capRatio(String(cap * 3n), String(cap))).toBe(3);
    expect(capRatio('5', '0')).toBe(0);
    expect(capRatio('x', '10')).toBe(0);
    expect(formatPercent(0.004)).toBe('<1%');
    expect(formatPercent(1.5)).toBe('150%');
    expect(formatPercent(0)).toBe('0%');
  });

  it('formats durations, times and basis points', () => {
    expect(formatDuration(59_999)).toBe('59 s');
    expect(formatDuration(93_000)).toBe('1 min 33 s');
    expect(formatDuration(7_500_000)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86_400_000)).toBe('3 d');
    expect(formatTime(Date.UTC(2026, 10, 28, 1, 2, 3))).toBe('2026-11-28 01:02:03 UTC');
    expect(formatTime(null)).toBe('—');
    expect(formatAgo(1_000, 61_000)).toBe('1 min ago');
    expect(formatAgo(1_000, 1_500)).toBe('just now');
    expect(formatBps(8734)).toBe('87.3%');
  });
});
