import { certificateHash, networkIdOf, toHex } from '@pausenet/protocol';
import type { ReceiptView, StatusBody } from '@pausenet/protocol/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PausenetNode } from '../../src/node.js';
import { groupCertificate } from '../helpers/agreement-net.js';
import { makeTestNetwork, type TestNetwork, waitFor } from '../helpers/network.js';
import { get, startNode } from '../helpers/nodes.js';

// 4 labs (t = 3) of which lab-a..c run as PausenetNodes over TCP on 127.0.0.1, plus an observer; lab-d
// never starts. A certificate reaches every node; each running member signs its receipt after its hooks
// (none configured here) and every node holds every one of them; lab-d, silent, is "not-confirmed" once the
// policy's receipt deadline (2 s here) has passed (docs/protocol.md "Receipts").
describe('receipts over real nodes', () => {
  let net: TestNetwork;
  const nodes: PausenetNode[] = [];
  const addrsOf = (ns: PausenetNode[]) =>
    ns.flatMap((n) => n.multiaddrs.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${n.peerId}`)));

  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4, observers: 1, receiptDeadlineMs: 2_000 });
    for (let i = 0; i < 3; i++)
      nodes.push(await startNode(net.memberConfig(i, addrsOf(nodes)), { env: net.env }));
    nodes.push(await startNode(net.observerConfig(0, addrsOf(nodes)), { env: net.env }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    net?.cleanup();
  }, 120_000);

  it("every running member's receipt reaches every node; the lab without one is not confirmed after the deadline", async () => {
    await waitFor(
      () => nodes.every((n) => n.host.getPeers().length >= 3),
      'all four nodes connected',
      60_000,
    );
    const g = {
      networkId: networkIdOf(net.genesis),
      labs: net.labs,
      shares: net.shares,
      threshold: net.genesis.threshold,
    };
    const cert = groupCertificate(g, { height: 1, target: 'PAUSED', step: 'up' });
    const hash = toHex(certificateHash(cert));
    expect(await (nodes[0] as PausenetNode).publish('certificate', cert)).toEqual({ ok: true });

    const labsWithReceipt = async (n: PausenetNode): Promise<string[]> => {
      const list = (await get(n, '/v1/receipts')).body as ReceiptView[];
      return list
        .filter((r) => r.certificateHash === hash)
        .map((r) => r.lab)
        .sort();
    };
    for (const n of nodes) {
      let labs: string[] = [];
      await waitFor(
        async () => {
          labs = await labsWithReceipt(n);
          return labs.length === 3;
        },
        `receipts of lab-a..c on ${n.peerId}`,
        60_000,
      );
      expect(labs).toEqual(['lab-a', 'lab-b', 'lab-c']);
    }
    const receipts = (await get(nodes[3] as PausenetNode, '/v1/receipts')).body as ReceiptView[];
    for (const r of receipts) {
      expect(r).toMatchObject({ height: 1, target: 'PAUSED', certificateHash: hash, hooks: [] });
      expect(r.schedulerDigest).toBe('00'.repeat(32)); // no hook observes a scheduler here
    }

    // Every node, the observer included, shows lab-a..c confirmed; lab-d not confirmed once the deadline passed.
    for (const n of nodes) {
      let status: StatusBody | undefined;
      await waitFor(
        async () => {
          status = (await get(n, '/v1/status')).body as StatusBody;
          return status.receipts?.labs.find((l) => l.lab === 'lab-d')?.status === 'not-confirmed';
        },
        'lab-d not confirmed',
        60_000,
      );
      const r = status?.receipts;
      expect({ height: r?.height, target: r?.target, certificate: r?.certificate }).toEqual({
        height: 1,
        target: 'PAUSED',
        certificate: hash,
      });
      expect(r?.labs.map((l) => [l.lab, l.status])).toEqual([
        ['lab-a', 'confirmed'],
        ['lab-b', 'confirmed'],
        ['lab-c', 'confirmed'],
        ['lab-d', 'not-confirmed'],
      ]);
      // The same in the metrics: the level and one series per lab and status.
      const metrics = (await get(n, '/metrics')).body as string;
      expect(metrics).toMatch(/^pausenet_pause_level 2$/m);
      expect(metrics).toMatch(/^pausenet_receipt_status\{lab="lab-a",status="confirmed"\} 1$/m);
      expect(metrics).toMatch(/^pausenet_receipt_status\{lab="lab-d",status="not-confirmed"\} 1$/m);
      expect(metrics).toMatch(/^pausenet_receipt_status\{lab="lab-d",status="confirmed"\} 0$/m);
    }
  }, 180_000);

  it('a lab that starts later fetches the certificate and the receipts by sync; its own late receipt confirms it everywhere', async () => {
    const d = await startNode(net.memberConfig(3, addrsOf(nodes)), { env: net.env });
    nodes.push(d);
    await waitFor(() => d.store.certificates.get(1) !== undefined, 'lab-d holds the certificate', 60_000);
    const certHash = (d.store.certificates.get(1) as { hash: Uint8Array }).hash;
    // Gossip delivered lab-a..c's receipts before lab-d existed: only req/resp sync can bring them.
    await waitFor(
      () => d.store.receipts.forCertificate(certHash).length === 4,
      'four receipts on lab-d',
      60_000,
    );
    for (const n of nodes) {
      let status: StatusBody | undefined;
      await waitFor(
        async () => {
          status = (await get(n, '/v1/status')).body as StatusBody;
          return status.receipts?.labs.every((l) => l.status === 'confirmed') === true;
        },
        'every lab confirmed',
        60_000,
      );
      // lab-d's receipt came after the deadline on the nodes that applied the certificate earlier.
      const late = status?.receipts?.labs.find((l) => l.lab === 'lab-d')?.late;
      expect(late).toBe(n !== d);
    }
  }, 180_000);
});

// Two labs with sync rounds only on connect and every 10 minutes: a receipt that arrives by gossip before
// the certificate it names makes the node fetch from that peer at once (docs/protocol.md "Req/resp sync").
describe('a receipt ahead of its certificate', () => {
  let net: TestNetwork;
  const nodes: PausenetNode[] = [];
  const slowSync = { sync: { intervalMs: 600_000, timeoutMs: 5_000, maxBatch: 64 } };

  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4 });
    const a = await startNode(net.memberConfig(0, [], slowSync), { env: net.env });
    nodes.push(a);
    const addrs = a.multiaddrs.map((x) => (x.includes('/p2p/') ? x : `${x}/p2p/${a.peerId}`));
    nodes.push(await startNode(net.memberConfig(1, addrs, slowSync), { env: net.env }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    net?.cleanup();
  }, 120_000);

  it('the node that lacks the certificate syncs it from the peer that sent the receipt', async () => {
    const [a, b] = nodes as [PausenetNode, PausenetNode];
    await waitFor(() => a.host.getPeers().length >= 1 && b.host.getPeers().length >= 1, 'connected', 60_000);
    await b.syncer.idle();
    const g = {
      networkId: networkIdOf(net.genesis),
      labs: net.labs,
      shares: net.shares,
      threshold: net.genesis.threshold,
    };
    const cert = groupCertificate(g, { height: 1, target: 'PAUSED', step: 'up' });
    // lab-a takes the certificate without gossiping it (as if the gossip to lab-b had been lost); its own
    // receipt is gossiped as usual.
    expect(a.ingest.ingestMessage('certificate', cert, { source: 'local' }).validation).toEqual({ ok: true });
    await waitFor(() => b.agreement.height === 1, 'lab-b applied the certificate', 60_000);
    await waitFor(() => b.store.receipts.count() >= 1, "lab-b holds lab-a's receipt", 60_000);
  }, 180_000);
});
