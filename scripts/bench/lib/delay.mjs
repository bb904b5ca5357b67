// A user-space delay relay for wide-area emulation on one machine (this kernel has no `tc netem`).
// Each route is a TCP listener standing for one (dialer lab -> listener lab) pair: every connection
// accepted on it is relayed to the listener's real address, and every chunk, in both directions, is
// written on the far side `delayMs` after it was read (one-way delay of that pair). Per connection and
// direction the chunks keep their order (one FIFO queue, one timer for its head: the event loop never
// blocks) and backpressure holds: a direction with more than `highWaterBytes` in flight stops reading
// its source until the far side has taken half of it, and a far side that does not drain holds the
// queue. The relay dials the listener from `sourceHost`, so the listener sees which lab dialled it.
import { createServer, connect as netConnect } from 'node:net';

const now = () => performance.now();

/** Percentile (nearest rank) of a sorted array. */
const pct = (sorted, p) =>
  sorted.length === 0
    ? null
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const r3 = (x) => (x === null ? null : Math.round(x * 1000) / 1000);

/** One direction of one relayed connection: src's chunks reach dst `delayMs` later, in order. */
class DelayedPipe {
  constructor(src, dst, delayMs, relay) {
    this.src = src;
    this.dst = dst;
    this.delayMs = delayMs;
    this.relay = relay;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.paused = false;
    this.blocked = false; // dst's buffer is full: wait for 'drain'
    this.timer = undefined;
    this.done = false;
    src.on('data', (chunk) => this.push({ chunk }));
    // A FIN travels like data: the far side sees the end after the same delay, after every byte.
    src.on('end', () => this.push({ end: true }));
    // An abrupt close (reset, error) reaches the far side after the delay too.
    src.on('close', (hadError) => {
      if (hadError) this.push({ destroy: true });
    });
    dst.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
  }

  push(item) {
    if (this.done) return;
    item.due = now() + this.delayMs;
    this.queue.push(item);
    if (item.chunk) {
      this.queuedBytes += item.chunk.length;
      this.relay.noteQueued(this.queuedBytes);
      if (!this.paused && this.queuedBytes > this.relay.highWaterBytes) {
        this.paused = true;
        this.src.pause();
      }
    }
    if (this.timer === undefined && !this.blocked) this.arm();
  }

  arm() {
    if (this.head >= this.queue.length) return;
    const wait = this.queue[this.head].due - now();
    // Node timers have 1 ms granularity and may fire up to 1 ms before `due` on the high-resolution
    // clock: flush() re-arms until `due` has really passed, so no chunk ever arrives early.
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.ceil(wait)));
  }

  flush() {
    clearTimeout(this.timer);
    this.timer = undefined;
    const t = now();
    // Chunks due together leave in one write (one syscall), as a kernel would coalesce them.
    const cork = this.head + 1 < this.queue.length && this.queue[this.head + 1].due <= t;
    if (cork) this.dst.cork();
    while (this.head < this.queue.length && !this.blocked && !this.done) {
      const item = this.queue[this.head];
      if (item.due > t) break;
      this.head++;
      this.relay.noteLateness(t - item.due);
      if (item.chunk) {
        this.queuedBytes -= item.chunk.length;
        this.relay.chunks++;
        this.relay.bytes += item.chunk.length;
        if (!this.dst.destroyed && !this.dst.write(item.chunk)) this.blocked = true;
      } else if (item.end) {
        this.done = true;
        this.dst.end();
      } else if (item.destroy) {
        this.done = true;
        this.dst.destroy();
      }
    }
    if (cork) this.dst.uncork();
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.paused && this.queuedBytes <= this.relay.highWaterBytes / 2) {
      this.paused = false;
      this.src.resume();
    }
    if (!this.blocked && !this.done) this.arm();
  }
}

export class DelayRelay {
  /** Entry point for lib/child.mjs (the relay runs in its own process). */
  static async start(init = {}) {
    return new DelayRelay(init);
  }

  constructor({ highWaterBytes = 4 * 2 ** 20 } = {}) {
    this.highWaterBytes = highWaterBytes;
    this.servers = [];
    this.sockets = new Set();
    /** route name -> connections accepted */
    this.routeConnections = new Map();
    this.resetStats();
  }

  info() {
    return { pid: process.pid };
  }

  resetStats() {
    this.chunks = 0;
    this.bytes = 0;
    this.maxQueuedBytes = 0;
    this.lateness = [];
  }

  noteQueued(bytes) {
    if (bytes > this.maxQueuedBytes) this.maxQueuedBytes = bytes;
  }

  noteLateness(ms) {
    // bounded: a long run keeps the first million samples
    if (this.lateness.length < 1_000_000) this.lateness.push(ms);
  }

  /**
   * Open a route: listen on `listenHost`:0; each accepted connection is relayed to `target` (dialled
   * from `sourceHost`, any 127.x.y.z on Linux) with `delayMs` one-way in each direction.
   * Returns {name, host, port}.
   */
  addRoute({ name, delayMs, target, sourceHost, listenHost = '127.0.0.1' }) {
    if (!(delayMs >= 0)) throw new Error(`route ${name}: delayMs must be >= 0, got ${delayMs}`);
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (down) => {
      this.routeConnections.set(name, (this.routeConnections.get(name) ?? 0) + 1);
      const up = netConnect({
        host: target.host,
        port: target.port,
        ...(sourceHost ? { localAddress: sourceHost } : {}),
        allowHalfOpen: true,
        noDelay: true,
      });
      for (const s of [down, up]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined); // surfaces as 'close' with hadError, relayed as a reset
      }
      new DelayedPipe(down, up, delayMs, this);
      new DelayedPipe(up, down, delayMs, this);
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, listenHost, () => resolve({ name, host: listenHost, port: server.address().port }));
    });
  }

  /** Open many routes at once (one IPC call). */
  addRoutes(routes) {
    return Promise.all(routes.map((r) => this.addRoute(r)));
  }

  /**
   * What the relay added beyond the configured delay, per chunk: ms between a chunk's due time and its
   * write (event-loop lag of this process). `reset` starts a new window.
   */
  stats(reset = false) {
    const s = [...this.lateness].sort((a, b) => a - b);
    const out = {
      chunks: this.chunks,
      bytes: this.bytes,
      maxQueuedBytes: this.maxQueuedBytes,
      latenessMs: { p50: r3(pct(s, 50)), p95: r3(pct(s, 95)), p99: r3(pct(s, 99)), max: r3(pct(s, 100)) },
      connectionsByRoute: Object.fromEntries(this.routeConnections),
      openSockets: this.sockets.size,
    };
    if (reset) this.resetStats();
    return out;
  }

  /** CPU ms (user + system) this process has used so far. */
  cpuMs() {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }

  /**
   * Start pinging through a route of `delayMs` to an echo server, both in this process, every `everyMs`:
   * RTT - 2 x delayMs is what the relay path adds (this process's lag on read and write, the kernel).
   */
  async pingStart({ delayMs, everyMs = 50 }) {
    this.echo = await startEcho();
    const route = await this.addRoute({
      name: 'ping',
      delayMs,
      target: { host: '127.0.0.1', port: this.echo.port },
    });
    const client = await pingClient('127.0.0.1', route.port);
    this.pinger = { client, rtts: [], stopped: false };
    const p = this.pinger;
    p.loop = (async () => {
      while (!p.stopped) {
        p.rtts.push(await client.ping());
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    return route;
  }

  /** Round trips (ms) measured since the last call. */
  pingTake() {
    const out = this.pinger?.rtts ?? [];
    if (this.pinger) this.pinger.rtts = [];
    return out;
  }

  async stop() {
    if (this.pinger) {
      this.pinger.stopped = true;
      this.pinger.client.close();
    }
    await this.echo?.close();
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

/** A TCP echo server on host:0 (the far end of a ping path). Returns {port, close}. */
export async function startEcho(host = '127.0.0.1') {
  const sockets = new Set();
  const server = createServer({ noDelay: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise((r) => server.listen(0, host, r));
  return {
    port: server.address().port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * Round-trip pings of 16-byte frames over one TCP connection to host:port (an echo behind a relay
 * route, or behind netdelay.mjs), dialled from `localAddress` if given: `ping()` resolves the
 * round-trip ms of one frame.
 */
export async function pingClient(host, port, localAddress) {
  const sock = netConnect({ host, port, noDelay: true, ...(localAddress ? { localAddress } : {}) });
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.on('error', () => undefined);
  let seq = 0;
  const waiting = new Map();
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    const t = now();
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 16) {
      const id = buf.readUInt32BE(0);
      buf = buf.subarray(16);
      const w = waiting.get(id);
      if (w) {
        waiting.delete(id);
        w.resolve(t - w.t0);
      }
    }
  });
  return {
    ping: () =>
      new Promise((resolve) => {
        const id = ++seq;
        const frame = Buffer.alloc(16);
        frame.writeUInt32BE(id, 0);
        waiting.set(id, { resolve, t0: now() });
        sock.write(frame);
      }),
    close: () => sock.destroy(),
  };
}
