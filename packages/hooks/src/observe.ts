import { createHash } from 'node:crypto';
import { type HookAdapter, HookError, type JsonValue } from './types.js';

/** Why a value cannot be canonically encoded (docs/hooks.md "Canonical JSON"). */
export class CanonicalJsonError extends Error {
  readonly code = 'NOT_CANONICAL_JSON';
  /** JSON-pointer-like path of the offending value, e.g. "/jobs/3/seconds". */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path === '' ? '(root)' : path}: ${message}`);
    this.name = 'CanonicalJsonError';
    this.path = path;
  }
}

const MAX_DEPTH = 64;

// Lone UTF-16 surrogates have no UTF-8 encoding: a string holding one is not Unicode text.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function encode(v: unknown, path: string, depth: number, out: string[]): void {
  if (depth > MAX_DEPTH) throw new CanonicalJsonError(path, `nested deeper than ${MAX_DEPTH} levels`);
  if (v === null || v === true || v === false) {
    out.push(String(v));
    return;
  }
  switch (typeof v) {
    case 'string':
      if (LONE_SURROGATE.test(v)) throw new CanonicalJsonError(path, 'string holds a lone UTF-16 surrogate');
      out.push(JSON.stringify(v));
      return;
    case 'number':
      // Integers only: floats have no single textual form across languages; -0 is not an integer in JSON.
      if (!Number.isSafeInteger(v) || Object.is(v, -0)) {
        throw new CanonicalJsonError(
          path,
          `got the number ${String(v)}; expected a safe integer (encode fractions, big values and bigints as decimal strings)`,
        );
      }
      out.push(String(v));
      return;
    case 'object': {
      if (Array.isArray(v)) {
        out.push('[');
        v.forEach((x, i) => {
          if (i > 0) out.push(',');
          encode(x, `${path}/${i}`, depth + 1, out);
        });
        out.push(']');
        return;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new CanonicalJsonError(
          path,
          `got a ${proto?.constructor?.name ?? 'non-plain'} object; expected plain JSON`,
        );
      }
      const keys = Object.keys(v as object).sort(); // UTF-16 code unit order, as RFC 8785 sorts
      out.push('{');
      keys.forEach((k, i) => {
        if (LONE_SURROGATE.test(k)) throw new CanonicalJsonError(path, 'a key holds a lone UTF-16 surrogate');
        if (i > 0) out.push(',');
        out.push(JSON.stringify(k), ':');
        encode((v as Record<string, unknown>)[k], `${path}/${k}`, depth + 1, out);
      });
      out.push('}');
      return;
    }
    default:
      throw new CanonicalJsonError(
        path,
        `got a ${typeof v}; expected null, a boolean, a safe integer, a string, an array or an object`,
      );
  }
}

/**
 * Canonical JSON text of `value` (docs/hooks.md "Canonical JSON"): no whitespace, object keys sorted by UTF-16
 * code units, strings escaped as JSON.stringify does, numbers only as safe integers. A subset of RFC 8785 (JCS):
 * any JCS encoder gives the same text. Throws {@link CanonicalJsonError} for anything outside that subset.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  encode(value, '', 0, out);
  return out.join('');
}

/** SHA-256 (lowercase hex) of the UTF-8 bytes of {@link canonicalJson}(report): a receipt's scheduler digest. */
export function schedulerDigest(report: unknown): string {
  return createHash('sha256').update(canonicalJson(report), 'utf8').digest('hex');
}

/** What {@link observeHooks} returns: the combined report (kept locally for auditors) and its digest. */
export interface SchedulerObservation {
  report: {
    version: 1;
    /** Per hook with an `observe` method: its report, or the error that kept it from reading the scheduler. */
    hooks: Record<
      string,
      { type: string; report: JsonValue } | { type: string; error: { code: string; message: string } }
    >;
  };
  /** {@link schedulerDigest} of `report`. */
  digest: string;
  /** Whether every observing hook answered. */
  complete: boolean;
}

/**
 * Asks every hook that can observe what its scheduler now says (all at once; one failing does not stop the
 * others) and digests the combined report. Hooks without `observe` are left out. Each call is bounded by
 * `timeoutMs` (default 30 s) and the caller's signal.
 */
export async function observeHooks(
  hooks: readonly HookAdapter[],
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<SchedulerObservation> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  const signal = opts.signal === undefined ? timeout : AbortSignal.any([opts.signal, timeout]);
  const observing = hooks.filter((h) => typeof h.observe === 'function');
  const results = await Promise.all(
    observing.map(async (h) => {
      try {
        const report = await (h.observe as NonNullable<HookAdapter['observe']>).call(h, { signal });
        canonicalJson(report); // a report that cannot be digested is the adapter's bug: report it as such
        return [h.name, { type: h.type, report }] as const;
      } catch (e) {
        const code = e instanceof HookError ? e.code : e instanceof CanonicalJsonError ? e.code : 'PROTOCOL';
        const message = e instanceof Error ? e.message : String(e);
        return [h.name, { type: h.type, error: { code, message } }] as const;
      }
    }),
  );
  const report: SchedulerObservation['report'] = { version: 1, hooks: Object.fromEntries(results) };
  return {
    report,
    digest: schedulerDigest(report),
    complete: results.every(([, r]) => 'report' in r),
  };
}
