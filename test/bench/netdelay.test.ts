// The bench's in-process wide-area emulation over real loopback TCP: received bytes are handed on
// `delay` ms late per (local, remote) address pair, in order, FIN after the data, dials bound to the
// host's own address, bounded buffering under backpressure, and other sockets left alone.
import { createHash } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { installReceiveDelay, netDelayStats } from '../../scripts/bench/lib/netdelay.mjs';

const A = '127.3.9.1';
const B = '127.3.9.2';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function install(delayMs: number, highWaterBytes?: number): void {
  const un = installReceiveDelay({
    delays: { [A]: { [B]: delayMs }, [B]: { [A]: delayMs } },
    bindTo: A,
    ...(highWaterBytes ? { highWaterBytes } : {}),
  });
  cleanups.push(un);
}

async function listen(host: string, onConn: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    onConn(s);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { server, port: (server.address() as { port: number }).port };
}

async function dial(host: string, port: number): Promise<Socket> {
  const s = connect({ host, port });
  await new Promise((r, j) => s.once('connect', r).once('error', j));
  cleanups.push(() => s.destroy());
  return s;
}

const waitBytes = async (chunks: Buffer[], n: number) => {
  while (chunks.reduce((a, b) => a + b.length, 0) < n) await new Promise((r) => setTimeout(r, 5));
};

describe('in-process receive delay', () => {
  it('hands every byte on in order, never before the delay, both ways, dials from the own address', async () => {
    install(20);
    const remotes: string[] = [];
    const { port } = await listen(B, (s) => {
      remotes.push(s.remoteAddress ?? '');
      s.pipe(s); // echo
    });
    const c = await dial(B, port);
    const got: Buffer[] = [];
    let firstAt = -1;
    c.on('data', (d: Buffer) => {
      if (firstAt < 0) firstAt = performance.now();
      got.push(d);
    });
    const sent: Buffer[] = [];
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) {
      const b = Buffer.alloc(1 + ((i * 613) % 5000), i % 256);
      sent.push(b);
      c.write(b);
      if (i % 40 === 0) await new Promise((r) => setTimeout(r, 3));
    }
    const all = Buffer.concat(sent);
    await waitBytes(got, all.length);
    expect(Buffer.concat(got).equals(all)).toBe(true);
    expect(firstAt - t0).toBeGreaterThanOrEqual(40); // 20 ms there, 20 ms back
    expect(remotes).toEqual([A]);
    expect(netDelayStats()?.sockets).toBe(2);
  });

  it('delivers the end of the stream after the data', async () => {
    install(10);
    let got = '';
    const ended = new Promise<string>((resolve) => {
      void listen(B, (s) => {
        s.on('data', (d: Buffer) => {
          got += d.toString();
        });
        s.on('end', () => resolve(got));
      }).then(async ({ port }) => {
        const c = await dial(B, port);
        c.end('all of it');
      });
    });
    expect(await ended).toBe('all of it');
  });

  it('leaves sockets of other address pairs alone', async () => {
    install(10);
    const { port } = await listen('127.0.0.1', (s) => s.pipe(s));
    const c = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
    cleanups.push(() => c.destroy());
    await new Promise((r) => c.once('connect', r));
    const echoed = new Promise((r) => c.once('data', r));
    c.write('x');
    await echoed;
    expect(netDelayStats()?.sockets).toBe(0);
  });

  it('stops reading from the kernel while the consumer does not read, then delivers everything', async () => {
    const highWaterBytes = 256 * 1024;
    install(1, highWaterBytes);
    let server: Socket | undefined;
    const got: Buffer[] = [];
    const { port } = await listen(B, (s) => {
      server = s;
      s.pause();
      s.on('data', (d: Buffer) => got.push(d));
    });
    const c = await dial(B, port);
    const payload = Buffer.alloc(32 * 2 ** 20);
    for (let i = 0; i < payload.length; i += 4) payload.writeUInt32BE(i, i);
    c.write(payload);
    await new Promise((r) => setTimeout(r, 500));
    const st = netDelayStats();
    // at most one read (64 KiB) past the high-water mark waits in the queue
    expect(st?.maxQueuedBytes).toBeLessThanOrEqual(highWaterBytes + 65_536);
    expect(c.writableLength).toBeGreaterThan(0); // the sender is held back
    server?.resume();
    await waitBytes(got, payload.length);
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(digest(Buffer.concat(got))).toBe(digest(payload));
  });
});
