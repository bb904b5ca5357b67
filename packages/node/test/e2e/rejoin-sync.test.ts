import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PausenetNode } from '../../src/node.js';
import { makeTestNetwork, metricsBody, type TestNetwork, waitFor } from '../helpers/network.js';
import { get, post, startNode } from '../helpers/nodes.js';

// 4 labs (t = 3) as PausenetNodes over TCP on 127.0.0.1, testDealer keys. lab-d is offline while the others
// pause on a breach and resume; then it starts and learns all of it by req/resp sync.
describe('a lab that rejoins after a pause and a resume (sync)', () => {
  let net: TestNetwork;
  const labs: PausenetNode[] = [];
  let rejoined: PausenetNode | undefined;
  const addrsOf = (ns: PausenetNode[]) =>
    ns.flatMap((n) => n.multiaddrs.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${n.peerId}`)));

  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4 });
    for (let i = 0; i < 3; i++)
      labs.push(await startNode(net.memberConfig(i, addrsOf(labs)), { env: net.env }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...labs, rejoined].map((n) => n?.stop()));
    net?.cleanup();
  }, 120_000);

  it('takes the certificates before the commitments: it files no evidence for the resolved breach and signs no vote', async () => {
    await waitFor(() => labs.every((n) => n.host.getPeers().length >= 2), 'lab-a..c connected', 60_000);
    const body = metricsBody(0, 1) as { metrics: Record<string, unknown> };
    body.metrics.trainingFlop = String(10n ** 27n);
    const res = await post(labs[2] as PausenetNode, '/v1/commitments', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await waitFor(() => labs.every((n) => n.agreement.status().height === 1), 'lab-a..c PAUSED at 1', 60_000);
    for (const n of labs) {
      const a = await post(n, '/v1/approve', { height: 2, target: 'RUNNING' });
      expect(a.status, JSON.stringify(a.body)).toBeLessThan(300);
    }
    await waitFor(
      () => labs.every((n) => n.agreement.status().height === 2),
      'lab-a..c RUNNING at 2',
      60_000,
    );

    const d = await startNode(net.memberConfig(3, addrsOf(labs)), { env: net.env });
    rejoined = d;
    await waitFor(
      () => d.agreement.status().height === 2 && d.store.commitments.last('lab-c') !== undefined,
      'lab-d synced: RUNNING at 2, with the over-cap commitment',
      60_000,
    );
    await d.syncer.idle();
    // The breach was certified and resolved before lab-d saw the commitment that proves it: nothing of its own.
    const evidence = (await get(d, '/v1/evidence')).body as { reporter: string }[];
    expect(evidence.length).toBeGreaterThan(0);
    expect(evidence.filter((e) => e.reporter === 'lab-d')).toEqual([]);
    const metrics = (await get(d, '/metrics')).body as string;
    const local = metrics
      .split('\n')
      .filter((l) => l.startsWith('pausenet_messages_total{') && l.includes('source="local"'));
    expect(local, 'messages lab-d produced itself (evidence, votes)').toEqual([]);
    expect(d.agreement.status()).toMatchObject({ state: 'RUNNING', height: 2 });
  }, 180_000);
});
