import { connect } from 'node:net';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiBackend, ApiServer } from '../../src/api/server.js';
import { createHost, type PausenetLibp2p } from '../../src/host.js';
import { silentLogger } from '../../src/logger.js';
import { NodeMetrics } from '../../src/metrics.js';
import type { PausenetNode } from '../../src/node.js';
import { requestReqResp } from '../../src/sync/reqresp.js';
import { protocolName } from '../../src/topics.js';
import { makeTestNetwork, networkIdHex, type TestNetwork, waitFor } from '../helpers/network.js';
import { startNode } from '../helpers/nodes.js';

/** A status source for a real ApiServer: counts how often the status is built and who listens. */
function statusSource(size = 200) {
  let version = 0;
  const listeners = new Set<() => void>();
  const src = {
    builds: 0,
    listeners,
    change() {
      version++;
      for (const fn of listeners) fn();
    },
    backend: {
      status: () => {
        src.builds++;
        return { version, pad: 'x'.repeat(size) };
      },
      onChange: (fn: () => void) => {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
      genesis: () => ({}),
      submitCommitment: async () => ({}),
      listCommitments: () => [],
      submitEvidence: async () => ({}),
      listEvidence: () => [],
      approve: async () => ({}),
      listCertificates: () => [],
    },
  };
  return src;
}

const servers: ApiServer[] = [];
const aborts: AbortController[] = [];
afterEach(async () => {
  for (const a of aborts.splice(0)) a.abort();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function api(src: ReturnType<typeof statusSource>, extra: Record<string, unknown> = {}) {
  const s = new ApiServer({
    host: '127.0.0.1',
    port: 0,
    token: 't'.repeat(32),
    // A stand-in backend: its status is a padded blob of a chosen size (the server only serialises it), and
    // these tests call no route but /v1/events.
    backend: src.backend as unknown as ApiBackend,
    metrics: new NodeMetrics(),
    logger: silentLogger,
    ...extra,
  });
  servers.push(s);
  return s.start();
}

/** Open an SSE stream and collect the `version` of every status event. */
async function subscribe(url: string): Promise<{ versions: number[]; status: number }> {
  const ac = new AbortController();
  aborts.push(ac);
  const res = await fetch(`${url}/v1/events`, { signal: ac.signal });
  const out = { versions: [] as number[], status: res.status };
  if (res.status !== 200 || !res.body) return out;
  const reader = res.body.getReader();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += new TextDecoder().decode(value);
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const m = /^data: (.*)$/m.exec(buf.slice(0, i));
          if (m) out.versions.push((JSON.parse(m[1] as string) as { version: number }).version);
          buf = buf.slice(i + 2);
          i = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted at the end of the test
    }
  })();
  return out;
}

describe('GET /v1/events (SSE) limits (real HTTP server and clients)', () => {
  it('20 clients, 3 changes: each status is built once per change and shared, not once per client', async () => {
    const src = statusSource();
    const url = await api(src);
    const clients = await Promise.all(Array.from({ length: 20 }, () => subscribe(url)));
    await waitFor(() => clients.every((c) => c.versions.length === 1), 'every client got the first status');
    for (let v = 1; v <= 3; v++) {
      src.change();
      await waitFor(() => clients.every((c) => c.versions.at(-1) === v), `every client got version ${v}`);
    }
    expect(src.builds).toBeLessThanOrEqual(4);
  });

  it('caps the number of streams: one more gets 503 TOO_MANY_EVENT_STREAMS', async () => {
    const src = statusSource();
    const url = await api(src, { maxSseClients: 4 });
    const ok = await Promise.all(Array.from({ length: 4 }, () => subscribe(url)));
    expect(ok.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    const res = await fetch(`${url}/v1/events`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_EVENT_STREAMS');
  });

  it('a client that never reads is dropped once its backlog passes the limit, not buffered without end', async () => {
    const src = statusSource(200_000);
    const url = new URL(await api(src, { sseMaxBufferBytes: 1_048_576 }));
    const sock = connect(Number(url.port), url.hostname);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(`GET /v1/events HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    sock.pause(); // never reads
    await waitFor(() => src.listeners.size === 1, 'the stream is open');
    for (let i = 0; i < 150 && src.listeners.size > 0; i++) {
      src.change();
      await new Promise((r) => setTimeout(r, 120));
    }
    // dropped: the server no longer follows status changes for it
    await waitFor(() => src.listeners.size === 0, 'the slow client dropped', 10_000);
    sock.destroy();
  }, 60_000);
});

describe('req/resp per-peer rate limit (a real node and a raw libp2p peer)', () => {
  let net: TestNetwork;
  let node: PausenetNode;
  let peer: PausenetLibp2p;
  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4, observers: 1 });
    node = await startNode(net.observerConfig(0, [], { limits: { reqRespPerPeerPerSec: 1 } }), {
      env: net.env,
    });
    peer = await createHost({ privateKey: await generateKeyPair('Ed25519') });
  });
  afterAll(async () => {
    await peer?.stop();
    await node?.stop();
    net?.cleanup();
  });

  it('30 status requests in a row from one peer (limit 1/s, burst 2): past its burst they are refused (RATE_LIMITED)', async () => {
    const conn = await peer.dial(multiaddr(node.multiaddrs[0] as string));
    const proto = protocolName(networkIdHex(net.genesis), 'status');
    const results: string[] = [];
    for (let i = 0; i < 30; i++)
      results.push(
        await requestReqResp(peer, conn.remotePeer, proto, {}, { timeoutMs: 20_000 }).then(
          () => 'ok',
          (err: Error) => (/RATE_LIMITED/.test(err.message) ? 'limited' : `error: ${err.message}`),
        ),
      );
    expect(results.slice(0, 2)).toEqual(['ok', 'ok']);
    expect(results.filter((r) => r.startsWith('error'))).toEqual([]);
    expect(results.filter((r) => r === 'limited').length).toBeGreaterThanOrEqual(10);
    const m = await (await fetch(`${node.apiUrl}/metrics`)).text();
    expect(m).toMatch(/pausenet_reqresp_rate_limited_total\{protocol="status"\} [1-9]/);
  }, 60_000);
});
