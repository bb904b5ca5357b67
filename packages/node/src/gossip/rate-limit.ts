/** Per-peer token bucket: `ratePerSec` sustained, `burst` tokens at most. */
export class PeerRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number = Math.max(1, ratePerSec * 4),
    private readonly now: () => number = Date.now,
  ) {}

  /** Take one token for `peer`; false when the peer is over its rate. */
  take(peer: string): boolean {
    const t = this.now();
    let b = this.buckets.get(peer);
    if (!b) {
      if (this.buckets.size > 10_000) this.prune(t);
      b = { tokens: this.burst, at: t };
      this.buckets.set(peer, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.ratePerSec);
    b.at = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private prune(t: number): void {
    for (const [k, b] of this.buckets) if (t - b.at > 60_000) this.buckets.delete(k);
  }
}
