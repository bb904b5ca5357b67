import { z } from 'zod';

/** Node-config part of the fail-safe (t comes from genesis): `failSafe: {enabled, afterMs}`. */
export const failSafeSettingsSchema = z.strictObject({
  enabled: z.boolean({ error: 'expected true or false' }).default(false),
  afterMs: z
    .int({ error: 'expected an integer number of milliseconds, e.g. 600000 (10 min)' })
    .min(1_000, { error: 'expected at least 1000 ms; shorter outages are normal churn' })
    .default(600_000),
});
export type FailSafeSettings = z.infer<typeof failSafeSettingsSchema>;

/** Fail-safe settings (off by default): halt locally when fewer than `threshold` members are reachable for too long. */
export interface FailSafeConfig {
  enabled: boolean;
  /** How long connectivity must stay below threshold before halting (ms). */
  afterMs: number;
  /** t: members (counting self) that must be reachable. */
  threshold: number;
}

/** What the node should do after an observation. */
export type FailSafeDecision =
  | { action: 'none'; state: 'ok' | 'disabled'; reachable: number }
  | { action: 'none'; state: 'degraded'; reachable: number; since: number; haltAt: number }
  | { action: 'none'; state: 'tripped'; reachable: number; since: number; reason: string }
  | { action: 'halt'; state: 'tripped'; reachable: number; since: number; reason: string };

/**
 * Pure fail-safe clock (no timers; `now` comes in): call `observe` on every connectivity change and on a periodic
 * tick. It answers `action: 'halt'` exactly once when fewer than t members (counting self) have been reachable for
 * longer than `afterMs`; it then stays tripped until `reset()` (the node decides when normal operation resumes).
 */
export class FailSafe {
  private readonly config: FailSafeConfig;
  private readonly self: string | null;
  private degradedSince: number | null = null;
  private tripped: { since: number; reason: string } | null = null;

  /** `self`: this node's member id (null for an observer, which never counts itself). */
  constructor(config: FailSafeConfig, self: string | null) {
    if (config.enabled && (!Number.isInteger(config.threshold) || config.threshold < 1)) {
      throw new RangeError(`failSafe.threshold: got ${config.threshold}; expected an integer >= 1`);
    }
    if (config.enabled && (!Number.isFinite(config.afterMs) || config.afterMs < 0)) {
      throw new RangeError(`failSafe.afterMs: got ${config.afterMs}; expected milliseconds >= 0`);
    }
    this.config = config;
    this.self = self;
  }

  /** Feeds the set of member ids currently reachable (self may be included or not) at time `now`. */
  observe(now: number, reachableMembers: Iterable<string>): FailSafeDecision {
    const set = new Set(reachableMembers);
    if (this.self !== null) set.add(this.self);
    const reachable = set.size;
    if (!this.config.enabled) return { action: 'none', state: 'disabled', reachable };
    if (this.tripped) return { action: 'none', state: 'tripped', reachable, ...this.tripped };
    const { threshold, afterMs } = this.config;
    if (reachable >= threshold) {
      this.degradedSince = null;
      return { action: 'none', state: 'ok', reachable };
    }
    this.degradedSince ??= now;
    const since = this.degradedSince;
    if (now - since > afterMs) {
      const reason =
        `fail-safe: only ${reachable} of the ${threshold} members needed (counting self) reachable ` +
        `since ${new Date(since).toISOString()} (${now - since} ms > afterMs ${afterMs})`;
      this.tripped = { since, reason };
      return { action: 'halt', state: 'tripped', reachable, since, reason };
    }
    return { action: 'none', state: 'degraded', reachable, since, haltAt: since + afterMs + 1 };
  }

  /** Leaves the tripped state (e.g. after the operator or a certificate resumed); the clock restarts. */
  reset(): void {
    this.tripped = null;
    this.degradedSince = null;
  }

  /** Whether the fail-safe has fired and not been reset. */
  get isTripped(): boolean {
    return this.tripped !== null;
  }
}
