// In-process wide-area emulation for one bench process (this kernel has no `tc netem`): every TCP
// socket between two emulated hosts hands its received bytes to the process `delay` ms after the
// kernel delivered them, delay looked up by the socket's (local address, remote address) pair, and
// outbound connections are bound to this process's own address so the far side knows who dialled.
// Each host gets its own loopback address (Linux routes all of 127/8 to lo).
//
// Delaying on the receiving side keeps the emulation honest on a busy machine: if the process is busy
// when a chunk falls due, the chunk waits exactly as real data waits in the kernel until the process
// reads it; no relay process takes CPU from the labs. Per socket, chunks keep their order (one FIFO
// queue, one timer for its head) and the FIN (end of stream) comes after the data. Backpressure holds:
// past `highWaterBytes` waiting (or a full stream buffer) the socket stops reading from the kernel,
// and reading resumes when the queued bytes are handed on. Not delayed: the TCP handshake (connection
// set-up is one RTT shorter than on a real network) and resets.
//
// Bench-only: it patches node:net in the process that installs it (the bench's lab child processes).
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

const now = () => performance.now();
const kDelay = Symbol('netdelay.delay');
const kQueue = Symbol('netdelay.queue');

let installed = null;

/** Percentile (nearest rank) of a sorted array. */
const pct = (s, p) =>
  s.length === 0 ? null : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
const r3 = (x) => (x === null ? null : Math.round(x * 1000) / 1000);

/**
 * Install the emulation in this process. `delays[localIp][remoteIp]` = one-way ms for bytes arriving
 * at a socket bound to localIp from remoteIp; sockets of other pairs are left alone. `bindTo`: source
 * address for outbound TCP connections to a host of delays[bindTo] that name none. Returns uninstall().
 */
export function installReceiveDelay({ delays, bindTo, highWaterBytes = 4 * 2 ** 20 }) {
  if (installed) throw new Error('netdelay is already installed in this process');
  const stats = { sockets: 0, otherSockets: 0, chunks: 0, bytes: 0, maxQueuedBytes: 0, lateness: [] };
  const hosts = new Set(Object.keys(delays));
  const origConnect = net.connect;
  const origCreateConnection = net.createConnection;
  const bound = (orig) =>
    function connect(...args) {
      const o = args[0];
      // only connections to an emulated peer: anything else keeps the kernel's choice
      if (o && typeof o === 'object' && !o.localAddress && delays[bindTo]?.[o.host] !== undefined)
        args[0] = { ...o, localAddress: bindTo };
      return orig.apply(this, args);
    };
  if (bindTo) {
    net.connect = bound(origConnect);
    net.createConnection = bound(origCreateConnection);
    syncBuiltinESMExports(); // named imports (`import { connect } from 'node:net'`) see it too
  }

  const delayOf = (sock) => {
    if (sock[kDelay] !== undefined) return sock[kDelay];
    const local = sock.localAddress;
    const d = delays[local]?.[sock.remoteAddress];
    if (d === undefined) {
      if (hosts.has(local)) stats.otherSockets++; // a socket of an emulated host to a stranger
      sock[kDelay] = null;
    } else {
      stats.sockets++;
      sock[kDelay] = d;
    }
    return sock[kDelay];
  };

  const origPush = net.Socket.prototype.push;
  const flush = (sock, q) => {
    q.timer = undefined;
    const t = now();
    while (q.head < q.items.length) {
      const item = q.items[q.head];
      if (item.due > t) break;
      q.head++;
      if (item.chunk) {
        q.bytes -= item.chunk.length;
        stats.chunks++;
        stats.bytes += item.chunk.length;
      }
      if (stats.lateness.length < 1_000_000) stats.lateness.push(t - item.due);
      if (!sock.destroyed) origPush.call(sock, item.chunk, item.encoding);
    }
    if (q.head > 1024 && q.head * 2 > q.items.length) {
      q.items = q.items.slice(q.head);
      q.head = 0;
    }
    arm(sock, q);
  };
  const arm = (sock, q) => {
    if (q.timer !== undefined || q.head >= q.items.length) return;
    // Timers have 1 ms granularity and may fire up to 1 ms before `due` on the high-resolution clock:
    // flush() re-arms until `due` has passed, so no chunk is handed on early.
    q.timer = setTimeout(() => flush(sock, q), Math.max(0, Math.ceil(q.items[q.head].due - now())));
  };

  const delayedPush = function push(chunk, encoding) {
    const d = this.remoteAddress ? delayOf(this) : null;
    if (d === null) return origPush.call(this, chunk, encoding);
    let q = this[kQueue];
    if (!q) {
      q = { items: [], head: 0, bytes: 0, timer: undefined };
      this[kQueue] = q;
      this.once('close', () => {
        clearTimeout(q.timer);
        q.items = [];
        q.head = 0;
      });
    }
    q.items.push({ due: now() + d, chunk, encoding });
    if (chunk) {
      q.bytes += chunk.length;
      if (q.bytes > stats.maxQueuedBytes) stats.maxQueuedBytes = q.bytes;
    }
    arm(this, q);
    // false: node stops reading this socket; the next hand-on (origPush) makes it read again
    return q.bytes < highWaterBytes && this.readableLength < this.readableHighWaterMark;
  };
  net.Socket.prototype.push = delayedPush;

  installed = {
    stats,
    uninstall() {
      if (net.Socket.prototype.push === delayedPush) delete net.Socket.prototype.push;
      net.connect = origConnect;
      net.createConnection = origCreateConnection;
      syncBuiltinESMExports();
      installed = null;
    },
  };
  return installed.uninstall;
}

/**
 * What the emulation did in this process since the last reset: sockets delayed, sockets of an emulated
 * host to an address outside the table (none expected), chunks handed on and how late (ms after their
 * due time: timer granularity plus any time the process was busy, as real data would wait too).
 */
export function netDelayStats(reset = false) {
  if (!installed) return null;
  const s = installed.stats;
  const sorted = [...s.lateness].sort((a, b) => a - b);
  const out = {
    sockets: s.sockets,
    otherSockets: s.otherSockets,
    chunks: s.chunks,
    bytes: s.bytes,
    maxQueuedBytes: s.maxQueuedBytes,
    latenessMs: { p50: r3(pct(sorted, 50)), p95: r3(pct(sorted, 95)), max: r3(pct(sorted, 100)) },
  };
  if (reset) {
    s.chunks = 0;
    s.bytes = 0;
    s.maxQueuedBytes = 0;
    s.lateness = [];
  }
  return out;
}

/**
 * Measures what the emulation adds: pings every `everyMs` from 127.4.0.1 to an echo server on 127.4.0.2,
 * both in this process, through a `delayMs` pair each way; RTT - 2 x delayMs is the added latency (timer
 * granularity, and this process waiting for a CPU on a loaded machine, as a real host would).
 */
export class DelayPinger {
  static async start({ delayMs = 50, everyMs = 50 } = {}) {
    const { pingClient, startEcho } = await import('./delay.mjs');
    const a = '127.4.0.1';
    const b = '127.4.0.2';
    installReceiveDelay({ delays: { [a]: { [b]: delayMs }, [b]: { [a]: delayMs } } });
    const echo = await startEcho(b);
    const client = await pingClient(b, echo.port, a);
    return new DelayPinger(client, echo, delayMs, everyMs);
  }

  constructor(client, echo, delayMs, everyMs) {
    this.client = client;
    this.echo = echo;
    this.delayMs = delayMs;
    this.rtts = [];
    this.stopped = false;
    this.loop = (async () => {
      while (!this.stopped) {
        this.rtts.push(await client.ping());
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  info() {
    return { pid: process.pid, delayMs: this.delayMs };
  }

  /** Round trips (ms) measured since the last call. */
  pingTake() {
    const out = this.rtts;
    this.rtts = [];
    return out;
  }

  /** CPU ms (user + system) this process has used so far. */
  cpuMs() {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }

  async stop() {
    this.stopped = true;
    this.client.close();
    await this.echo.close();
  }
}
