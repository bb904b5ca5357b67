/** Pure formatting helpers: no DOM, no clock (time comes in as `now`). */

/** Abbreviate a long hex string as `abcdef12…9abc` for display (the full value goes in a title). */
export function shortHex(hex: string, head = 8, tail = 4): string {
  if (hex.length <= head + tail + 1) return hex;
  return `${hex.slice(0, head)}…${hex.slice(-tail)}`;
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** Parse a decimal string from the API into a bigint (null when malformed). */
export function parseBig(value: string | number | bigint | null | undefined): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : null;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return null;
  return BigInt(value);
}

/** Human form of a large non-negative integer: `12,345` below a million, else `3.2×10²⁵`. */
export function formatBig(value: string | number | bigint | null | undefined): string {
  const v = parseBig(value);
  if (v === null) return '—';
  if (v < 1_000_000n) return v.toLocaleString('en-US');
  const digits = v.toString();
  const exp = digits.length - 1;
  const mantissa = `${digits[0]}.${digits.slice(1, 3)}`.replace(/\.?0+$/, '');
  const sup = String(exp)
    .split('')
    .map((d) => SUPERSCRIPT[Number(d)])
    .join('');
  return `${mantissa}×10${sup}`;
}

/** value / cap as a float (0 when cap is 0 or either is malformed); exact for bigints up to 10^-4. */
export function capRatio(
  value: string | bigint | null | undefined,
  cap: string | bigint | null | undefined,
): number {
  const v = parseBig(value ?? null);
  const c = parseBig(cap ?? null);
  if (v === null || c === null || c === 0n) return 0;
  return Number((v * 10_000n) / c) / 10_000;
}

/** Percentage text for a ratio, e.g. 0.4231 -> "42%", 1.5 -> "150%". */
export function formatPercent(ratio: number): string {
  if (ratio > 0 && ratio < 0.01) return '<1%';
  return `${Math.round(ratio * 100)}%`;
}

/** Compact duration, e.g. 93_000 -> "1 min 33 s", 7_500_000 -> "2 h 5 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** UTC timestamp as `2026-11-28 01:02:03 UTC` (unambiguous for readers in any time zone). */
export function formatTime(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "3 min ago" style relative time. */
export function formatAgo(ms: number | null | undefined, now: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const d = now - ms;
  if (d < 0) return `in ${formatDuration(-d)}`;
  if (d < 1000) return 'just now';
  return `${formatDuration(d)} ago`;
}

/** Basis points as a percentage, e.g. 8734 -> "87.3%". */
export function formatBps(bps: number | null | undefined): string {
  if (typeof bps !== 'number' || !Number.isFinite(bps)) return '—';
  return `${(bps / 100).toFixed(1)}%`;
}
