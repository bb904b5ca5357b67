import type { Genesis, Member, Validation } from '../types.js';

/** Default tolerated clock difference between peers when comparing times to `now` (ms). */
export const DEFAULT_CLOCK_SKEW_MS = 30_000;

export const OK: Validation = { ok: true };

/** Drop without penalising the sender (duplicate, old, not yet judgeable, our clock may be off). */
export function ignore(code: string, detail: string): Validation {
  return { ok: false, action: 'ignore', code, detail };
}

/** Invalid: penalise the sender. */
export function reject(code: string, detail: string): Validation {
  return { ok: false, action: 'reject', code, detail };
}

export function memberById(genesis: Genesis, id: string): Member | undefined {
  return genesis.members.find((m) => m.id === id);
}

/** Verifies a BLS signature; must never throw (crypto's blsVerify / verifyPartial). */
export type BlsVerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export interface BaseContext {
  genesis: Genesis;
  networkId: Uint8Array;
  /** Caller's clock, unix ms. */
  now: number;
  /** Tolerated clock skew (ms), default DEFAULT_CLOCK_SKEW_MS. */
  clockSkewMs?: number;
}

export function skewOf(ctx: { clockSkewMs?: number }): number {
  return ctx.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
}

/** Run a check that may throw (encoding a hostile object) and map any exception to a Validation. */
export function guard(code: string, fn: () => Validation): Validation {
  try {
    return fn();
  } catch (e) {
    return reject(code, (e as Error)?.message ?? String(e));
  }
}
