import type { ServerResponse } from 'node:http';

export interface StatusStreamOptions {
  /** Builds the status body (the node's /v1/status). */
  status(): unknown;
  /** Subscribe to status changes; returns an unsubscribe function. */
  onChange(fn: () => void): () => void;
  /** Most clients at once (`api.maxSseClients`). */
  maxClients: number;
  /** A client whose unsent backlog exceeds this many bytes is dropped (`api.sseMaxBufferBytes`). */
  maxBufferBytes: number;
  /** Changes within this window are coalesced into one push (default 100 ms). */
  coalesceMs?: number;
  /** Comment line to every client this often, so proxies keep the stream open (default 15 s). */
  keepaliveMs?: number;
  /** Told of every client dropped for being slow. */
  onDrop?: () => void;
}

/**
 * Server-Sent Events of the node status, shared by every client (docs/node.md "HTTP API"): each change is
 * built into one `event: status` frame once and the same bytes are written to every client, so the cost
 * of a change does not grow with the number of clients. At most `maxClients` streams; a client that does
 * not read (its unsent backlog passes `maxBufferBytes`) is disconnected instead of buffered without end.
 */
export class StatusStream {
  private readonly clients = new Set<ServerResponse>();
  private frame = '';
  private body = '';
  private stale = true;
  private unsubscribe: (() => void) | null = null;
  private pending: NodeJS.Timeout | undefined;
  private keepalive: NodeJS.Timeout | undefined;

  constructor(private readonly opts: StatusStreamOptions) {}

  get size(): number {
    return this.clients.size;
  }

  /** False when the stream is full (the caller answers 503). */
  canAccept(): boolean {
    return this.clients.size < this.opts.maxClients;
  }

  /** Start streaming to `res` (headers already validated by the caller): the current status first. */
  add(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    if (this.clients.size === 0) this.open();
    this.clients.add(res);
    const remove = (): void => this.remove(res);
    res.on('close', remove);
    this.refresh();
    this.write(res, this.frame);
  }

  /** End every stream (server stop). */
  close(): void {
    for (const r of this.clients) r.end();
    this.clients.clear();
    this.shut();
  }

  private open(): void {
    this.stale = true;
    this.unsubscribe = this.opts.onChange(() => this.changed());
    this.keepalive = setInterval(() => {
      for (const r of this.clients) this.write(r, ': keepalive\n\n');
    }, this.opts.keepaliveMs ?? 15_000);
    this.keepalive.unref();
  }

  private shut(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    clearInterval(this.keepalive);
    clearTimeout(this.pending);
    this.pending = undefined;
  }

  private remove(res: ServerResponse): void {
    if (!this.clients.delete(res)) return;
    if (this.clients.size === 0) this.shut();
  }

  private changed(): void {
    this.stale = true;
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      const before = this.body;
      this.refresh();
      if (this.body === before) return;
      for (const r of this.clients) this.write(r, this.frame);
    }, this.opts.coalesceMs ?? 100);
  }

  /** Rebuild the frame if a change came in since the last build (once, whatever the number of clients). */
  private refresh(): void {
    if (!this.stale) return;
    this.stale = false;
    this.body = JSON.stringify(this.opts.status());
    this.frame = `event: status\ndata: ${this.body}\n\n`;
  }

  private write(res: ServerResponse, text: string): void {
    if (res.writableEnded || res.destroyed) return;
    if (res.writableLength > this.opts.maxBufferBytes) {
      // A client that does not read: drop it rather than hold every status for it.
      this.opts.onDrop?.();
      this.remove(res);
      res.destroy();
      return;
    }
    res.write(text);
  }
}
