import { FailSafe } from '@pausenet/hooks';
import type { LabId } from '@pausenet/protocol';

export interface FailSafeStatus {
  enabled: boolean;
  /** True while the local halt (not a certified pause) is in force. */
  active: boolean;
  reason: string | null;
  since: number | null;
}

export interface FailSafeMonitorOptions {
  afterMs: number;
  threshold: number;
  self: LabId | null;
  connectedMembers: () => LabId[];
  now: () => number;
  onTrip(reason: string): void;
  onRecover(): void;
}

/**
 * Drives the hooks package's pure FailSafe clock from a timer and the node's view of connected members:
 * trips once when fewer than t members (counting self) were reachable for longer than afterMs, and
 * recovers as soon as t are reachable again.
 */
export class FailSafeMonitor {
  private readonly clock: FailSafe;
  private timer: NodeJS.Timeout | null = null;
  private tripped: { since: number; reason: string } | null = null;

  constructor(private readonly opts: FailSafeMonitorOptions) {
    this.clock = new FailSafe({ enabled: true, afterMs: opts.afterMs, threshold: opts.threshold }, opts.self);
  }

  start(): void {
    const every = Math.max(10, Math.min(1000, Math.floor(this.opts.afterMs / 4)));
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
    this.tick();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One observation (also called by the timer). */
  tick(): void {
    const reachable = this.opts.connectedMembers();
    const d = this.clock.observe(this.opts.now(), reachable);
    if (d.action === 'halt') {
      this.tripped = { since: d.since, reason: d.reason };
      this.opts.onTrip(d.reason);
    } else if (d.state === 'tripped' && this.tripped !== null) {
      const self = this.opts.self === null ? 0 : 1;
      const count = new Set(reachable.filter((m) => m !== this.opts.self)).size + self;
      if (count >= this.opts.threshold) {
        this.clock.reset();
        this.tripped = null;
        this.opts.onRecover();
      }
    }
  }

  status(): FailSafeStatus {
    return {
      enabled: true,
      active: this.tripped !== null,
      reason: this.tripped?.reason ?? null,
      since: this.tripped?.since ?? null,
    };
  }
}
