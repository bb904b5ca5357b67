import type { StatusBody } from '@pausenet/protocol/api';
import type { Timeline } from './timeline.js';
import type { DevnetNode } from './types.js';

/** Follows every node's /v1/events (SSE) stream and turns status changes into timeline events and marks. */
export class StatusWatcher {
  readonly latest = new Map<string, StatusBody>();
  private readonly seenVotes = new Set<string>();
  private readonly seenHooks = new Map<string, string>();
  private readonly seenHeights = new Set<string>();
  private readonly abort = new AbortController();
  private readonly following = new Set<string>();
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly nodes: DevnetNode[],
    private readonly tl: Timeline,
  ) {}

  /** Start following every node that is running (call again after starting more nodes). */
  start(): void {
    for (const n of this.nodes) {
      if (!n.child?.running || this.following.has(n.id)) continue;
      this.following.add(n.id);
      this.loops.push(this.follow(n));
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async follow(n: DevnetNode): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted && n.child?.running) {
      try {
        const res = await fetch(new URL('/v1/events', n.api.url), {
          signal,
          headers: { accept: 'text/event-stream' },
        });
        if (!res.body) throw new Error('no body');
        const decoder = new TextDecoder();
        let buf = '';
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true });
          let i = buf.indexOf('\n\n');
          while (i >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = frame
              .split('\n')
              .filter((l) => l.startsWith('data: '))
              .map((l) => l.slice(6))
              .join('\n');
            if (data) this.observe(n, JSON.parse(data) as StatusBody);
            i = buf.indexOf('\n\n');
          }
        }
      } catch {
        // node restarting or stopping; retry below
      }
      if (!signal.aborted) await new Promise((r) => setTimeout(r, 300));
    }
  }

  private observe(n: DevnetNode, s: StatusBody): void {
    const prev = this.latest.get(n.id);
    this.latest.set(n.id, s);
    for (const v of s.pendingVotes ?? []) {
      for (const voter of v.voters) {
        const key = `${v.height}/${v.target}/${voter}`;
        if (this.seenVotes.has(key)) continue;
        this.seenVotes.add(key);
        this.tl.mark(`vote:${v.height}`);
        this.tl.event(
          voter,
          `voted ${v.target} at height ${v.height} (seen by ${n.id}: ${v.voters.length}/${v.needed})`,
        );
      }
    }
    if (!prev || prev.height !== s.height || prev.state !== s.state) {
      const key = `${s.height}`;
      if (s.height > 0 && !this.seenHeights.has(key)) {
        this.seenHeights.add(key);
        this.tl.mark(`certificate:${s.height}`);
        this.tl.event('network', `certificate height ${s.height} -> ${s.state} (first applied by ${n.id})`);
      }
      if (prev && s.height > 0) {
        this.tl.mark(`applied:${s.height}:${n.id}`);
        this.tl.event(n.id, `applied height ${s.height}: now ${s.state}`);
      }
    }
    for (const h of s.hooks ?? []) {
      const key = `${n.id}/${h.height}/${h.action}/${h.hook}`;
      if (this.seenHooks.get(key) === h.status) continue;
      this.seenHooks.set(key, h.status);
      if (h.status === 'pending') continue;
      if (h.status === 'ok') this.tl.mark(`hook:${h.action}:${h.height}:${n.id}`);
      const err = h.lastError ? `: ${h.lastError}` : '';
      this.tl.event(
        n.id,
        `${h.action} hook "${h.hook}" ${h.status} (height ${h.height}, ${h.attempts} attempt(s))${err}`,
      );
    }
  }
}
