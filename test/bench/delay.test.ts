// The bench's delay relay (wide-area emulation) over real TCP on loopback: order, the delay as a lower
// bound, the dialer's source address, FIN after the data, and bounded buffering under backpressure.
import { createHash } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DelayRelay, pingClient, startEcho } from '../../scripts/bench/lib/delay.mjs';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(onConn: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    onConn(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { server, port: (server.address() as { port: number }).port };
}

async function relayWith(opts?: { highWaterBytes?: number }): Promise<DelayRelay> {
  const relay = await DelayRelay.start(opts);
  cleanups.push(() => relay.stop());
  return relay;
}

async function dial(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await new Promise((r, j) => s.once('connect', r).once('error', j));
  cleanups.push(() => s.destroy());
  return s;
}

describe('delay relay', () => {
  it('delivers every byte in order, never before the configured delay, in both directions', async () => {
    const echo = await startEcho();
    cleanups.push(() => echo.close());
    const relay = await relayWith();
    const route = await relay.addRoute({
      name: 'a->b',
      delayMs: 25,
      target: { host: '127.0.0.1', port: echo.port },
    });
    const client = await dial(route.port);
    const sent: Buffer[] = [];
    const chunks: Buffer[] = [];
    let firstAt = -1;
    client.on('data', (d: Buffer) => {
      if (firstAt < 0) firstAt = performance.now();
      chunks.push(d);
    });
    const t0 = performance.now();
    for (let i = 0; i < 300; i++) {
      const b = Buffer.alloc(1 + ((i * 997) % 3000), i % 251);
      sent.push(b);
      client.write(b);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    const total = sent.reduce((a, b) => a + b.length, 0);
    while (chunks.reduce((a, b) => a + b.length, 0) < total) await new Promise((r) => setTimeout(r, 10));
    expect(Buffer.concat(chunks).equals(Buffer.concat(sent))).toBe(true);
    // one delay out and one back through the same route
    expect(firstAt - t0).toBeGreaterThanOrEqual(50);
    const p = await pingClient('127.0.0.1', route.port);
    cleanups.push(() => p.close());
    expect(await p.ping()).toBeGreaterThanOrEqual(50);
    expect(relay.stats().connectionsByRoute['a->b']).toBe(2);
  });

  it('dials the target from the source address given, so the listener sees which lab dialled', async () => {
    const seen: string[] = [];
    const { port } = await listen((s) => {
      seen.push(s.remoteAddress ?? '');
      s.end();
    });
    const relay = await relayWith();
    const route = await relay.addRoute({
      name: 'lab3->lab1',
      delayMs: 1,
      target: { host: '127.0.0.1', port },
      sourceHost: '127.1.0.3',
    });
    const c = await dial(route.port);
    await new Promise((r) => c.on('end', r).resume());
    expect(seen).toEqual(['127.1.0.3']);
  });

  it('relays the end of a direction after its data, and keeps the other direction open', async () => {
    let serverGot = Buffer.alloc(0);
    let endedResolve = () => {};
    const ended = new Promise<void>((r) => {
      endedResolve = r;
    });
    const { port } = await listen((s) => {
      s.on('data', (d: Buffer) => {
        serverGot = Buffer.concat([serverGot, d]);
      });
      s.on('end', () => {
        // half-closed by the client: the reply still travels back
        s.end('reply');
        endedResolve();
      });
    });
    const relay = await relayWith();
    const route = await relay.addRoute({ name: 'r', delayMs: 5, target: { host: '127.0.0.1', port } });
    const c = await dial(route.port);
    let reply = '';
    c.on('data', (d: Buffer) => {
      reply += d.toString();
    });
    const closed = new Promise((r) => c.on('end', r));
    c.end('hello');
    await ended;
    await closed;
    expect(serverGot.toString()).toBe('hello');
    expect(reply).toBe('reply');
  });

  it('stops reading a source whose far side does not drain, then delivers everything in order', async () => {
    let target: Socket | undefined;
    const got: Buffer[] = [];
    let connectedResolve = () => {};
    const connected = new Promise<void>((r) => {
      connectedResolve = r;
    });
    const { port } = await listen((s) => {
      target = s;
      s.pause(); // a receiver that does not read
      s.on('data', (d: Buffer) => got.push(d));
      connectedResolve();
    });
    const highWaterBytes = 256 * 1024;
    const relay = await relayWith({ highWaterBytes });
    const route = await relay.addRoute({ name: 'r', delayMs: 1, target: { host: '127.0.0.1', port } });
    const c = await dial(route.port);
    await connected;
    const payload = Buffer.alloc(32 * 2 ** 20);
    for (let i = 0; i < payload.length; i += 4) payload.writeUInt32BE(i, i);
    c.write(payload);
    // Long enough for the relay to fill the kernel buffers towards the target and stop.
    await new Promise((r) => setTimeout(r, 500));
    const st = relay.stats();
    // At most one read chunk (64 KiB) past the high-water mark ever waits in the relay.
    expect(st.maxQueuedBytes).toBeLessThanOrEqual(highWaterBytes + 65_536);
    expect(st.bytes).toBeLessThan(payload.length);
    target?.resume();
    while (got.reduce((a, b) => a + b.length, 0) < payload.length)
      await new Promise((r) => setTimeout(r, 20));
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(digest(Buffer.concat(got))).toBe(digest(payload));
  });
});
