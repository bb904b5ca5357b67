import { connect, type Socket } from 'node:net';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { type TCPSocketOptions, tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PausenetNode } from '../../src/node.js';
import { makeTestNetwork, type TestNetwork, waitFor } from '../helpers/network.js';
import { startNode } from '../helpers/nodes.js';

/** A plain libp2p peer whose TCP dials leave from `from` (another host, as far as the node can tell). */
async function peerFrom(from: string): Promise<Libp2p> {
  return createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [tcp({ dialOpts: { localAddress: from } as TCPSocketOptions })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
}

async function metric(node: PausenetNode, re: RegExp): Promise<number> {
  const text = await (await fetch(`${node.apiUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => re.test(l))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

// A real node over TCP; silent sockets and dialling peers bound to other loopback addresses.
describe('inbound connection admission (a real node, sockets from 127.0.0.2-4)', () => {
  let net: TestNetwork;
  let a: PausenetNode;
  const peers: Libp2p[] = [];
  const sockets = new Set<Socket>();
  let stop = false;

  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4 });
    a = await startNode(
      net.memberConfig(0, [], {
        limits: { maxPendingInbound: 6, maxPendingInboundPerIp: 2, maxConnections: 9 },
      }),
      { env: net.env },
    );
  });
  afterAll(async () => {
    stop = true;
    for (const s of sockets) s.destroy();
    await Promise.all(peers.map((p) => p.stop()));
    await a?.stop();
    net?.cleanup();
  });

  it('silent sockets from two IPs hold at most 2 pending upgrades each; a newcomer from a third IP gets in', async () => {
    const port = Number(a.multiaddrs[0]?.split('/')[4]);
    const hold = (from: string): void => {
      if (stop) return;
      const s = connect({ host: '127.0.0.1', port, localAddress: from });
      sockets.add(s);
      s.on('data', () => {});
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        setTimeout(() => hold(from), 10);
      });
    };
    for (let i = 0; i < 20; i++) hold(i % 2 ? '127.0.0.2' : '127.0.0.3');
    await waitFor(
      async () => (await metric(a, /^pausenet_inbound_refused_total\{reason="PENDING_PER_IP"\}/)) > 0,
      'per-IP refusals',
    );
    expect(await metric(a, /^pausenet_inbound_pending /)).toBeLessThanOrEqual(4);
    const newcomer = await peerFrom('127.0.0.4');
    peers.push(newcomer);
    const c = await newcomer.dial(multiaddr(a.multiaddrs[0] as string), {
      signal: AbortSignal.timeout(10_000),
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(c.status).toBe('open');
  });

  it('non-members cannot take the slots reserved for members: a member still connects', async () => {
    // maxConnections 9, 8 reserved (2 per member peer id): one non-member connection at most (the newcomer)
    const extra = await peerFrom('127.0.0.4');
    peers.push(extra);
    await extra
      .dial(multiaddr(a.multiaddrs[0] as string), { signal: AbortSignal.timeout(5_000) })
      .then(() => new Promise((r) => setTimeout(r, 300)))
      .catch(() => {});
    expect(extra.getConnections().filter((c) => c.status === 'open')).toEqual([]);
    expect(
      await metric(a, /^pausenet_inbound_refused_total\{reason="NON_MEMBER_CONNECTIONS"\}/),
    ).toBeGreaterThan(0);
    const b = await startNode(net.memberConfig(1, [a.multiaddrs[0] as string]), { env: net.env });
    try {
      await waitFor(() => a.connectedLabs().includes('lab-b'), 'lab-b admitted', 20_000);
    } finally {
      await b.stop();
    }
  }, 60_000);
});
