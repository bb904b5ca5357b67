import { certificateHash, networkIdOf, toHex } from '@pausenet/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PausenetNode } from '../../src/node.js';
import { groupCertificate } from '../helpers/agreement-net.js';
import { makeTestNetwork, type TestNetwork, waitFor } from '../helpers/network.js';
import { get, startNode } from '../helpers/nodes.js';

// Two labs as PausenetNodes over TCP on 127.0.0.1 (testDealer keys), started apart: both get REDUCED@1, only
// lab-a gets PAUSED@1 (the escalation at the same height); when they connect, lab-b fetches it by req/resp
// sync (docs/protocol.md "Req/resp sync", "Levels"), and a restart keeps the highest level.
describe('levels over real nodes: an escalation at one height reaches a node by sync', () => {
  let net: TestNetwork;
  const nodes: PausenetNode[] = [];

  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4 });
    for (let i = 0; i < 2; i++) nodes.push(await startNode(net.memberConfig(i, []), { env: net.env }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    net?.cleanup();
  }, 120_000);

  it('REDUCED@1 then PAUSED@1: status shows PAUSED at height 1, the API lists both, sync brings PAUSED@1 to a node at REDUCED@1', async () => {
    const [a, b] = nodes as [PausenetNode, PausenetNode];
    const g = {
      networkId: networkIdOf(net.genesis),
      labs: net.labs,
      shares: net.shares,
      threshold: net.genesis.threshold,
    };
    const reduced = groupCertificate(g, { height: 1, target: 'REDUCED', step: 'up' });
    const paused = groupCertificate(g, { height: 1, target: 'PAUSED', step: 'up' });
    expect(await a.publish('certificate', reduced)).toEqual({ ok: true });
    expect(await b.publish('certificate', reduced)).toEqual({ ok: true });
    expect((await get(b, '/v1/status')).body).toMatchObject({ state: 'REDUCED', height: 1 });
    expect(await a.publish('certificate', paused)).toEqual({ ok: true });
    expect((await get(a, '/v1/status')).body).toMatchObject({ state: 'PAUSED', height: 1 });
    expect((await get(a, '/v1/health')).body).toMatchObject({ state: 'PAUSED', height: 1 });
    const listed = (await get(a, '/v1/certificates')).body as {
      height: number;
      target: string;
      hash: string;
    }[];
    expect(listed.map((c) => [c.height, c.target, c.hash])).toEqual([
      [1, 'REDUCED', toHex(certificateHash(reduced))],
      [1, 'PAUSED', toHex(certificateHash(paused))],
    ]);

    // lab-b at REDUCED@1 dials lab-a, which is at the same height: the sync round on connect fetches height 1.
    await b.host.dial(a.host.getMultiaddrs()[0] as never);
    await waitFor(() => b.agreement.level === 'PAUSED', 'lab-b PAUSED@1 by sync', 60_000);
    expect((await get(b, '/v1/status')).body).toMatchObject({ state: 'PAUSED', height: 1 });
    expect(b.store.certificates.atHeight(1).map((r) => r.target)).toEqual(['REDUCED', 'PAUSED']);

    // A restart keeps the highest level certified at the applied height.
    await b.stop();
    const again = await startNode(net.memberConfig(1, []), { env: net.env });
    nodes[1] = again;
    expect((await get(again, '/v1/status')).body).toMatchObject({ state: 'PAUSED', height: 1 });
  }, 180_000);
});
