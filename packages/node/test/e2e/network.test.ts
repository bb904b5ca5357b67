import { blsSign, recoverSignature } from '@pausenet/crypto';
import { type Certificate, statementBytes } from '@pausenet/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PausenetNode } from '../../src/node.js';
import { makeTestNetwork, metricsBody, type TestNetwork, waitFor } from '../helpers/network.js';
import { chainDigest, get, post, startNode } from '../helpers/nodes.js';

// 4 labs + observers over real TCP on 127.0.0.1 with real SQLite stores.
describe('pausenet network (4 labs + observers, in-process)', () => {
  let net: TestNetwork;
  const nodes: PausenetNode[] = [];
  let observer: PausenetNode;
  const nextEpoch = [1, 1, 1, 1];

  const running = () => nodes.filter((n) => n.store.isOpen);
  const addrsOf = (ns: PausenetNode[]) =>
    ns.flatMap((n) => n.multiaddrs.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${n.peerId}`)));

  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4, observers: 2 });
    for (let i = 0; i < 4; i++)
      nodes.push(await startNode(net.memberConfig(i, addrsOf(nodes)), { env: net.env }));
    observer = await startNode(net.observerConfig(0, addrsOf(nodes.slice(0, 1))), { env: net.env });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...nodes, observer].map((n) => n?.stop()));
    net?.cleanup();
  }, 120_000);

  async function commit(i: number, count: number): Promise<void> {
    const node = nodes[i] as PausenetNode;
    for (let k = 0; k < count; k++) {
      const epoch = nextEpoch[i] as number;
      const res = await post(node, '/v1/commitments', metricsBody(k, epoch));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.seq).toBe(epoch - 1);
      nextEpoch[i] = epoch + 1;
    }
  }

  it('every commitment by each lab reaches every node and the observer, with identical per-lab hash chains', async () => {
    const t0 = Date.now();
    await Promise.all([0, 1, 2, 3].map((i) => commit(i, 5)));
    const all = [...nodes, observer];
    await waitFor(
      () => all.every((n) => n.store.commitments.count() === 20),
      'all 20 commitments on all 5 nodes',
    );
    const digest = chainDigest(nodes[0] as PausenetNode);
    for (const n of all) expect(chainDigest(n)).toBe(digest);
    for (const n of all) expect(n.store.commitments.heads().map((h) => h.seq)).toEqual([4, 4, 4, 4]);
    const status = await get(observer, '/v1/status');
    expect(status.body.role).toBe('observer');
    expect(status.body.labs.map((l: { lastCommitment: { seq: number } }) => l.lastCommitment.seq)).toEqual([
      4, 4, 4, 4,
    ]);
    console.log(`[figures] 20 commitments to 5 nodes in ${Date.now() - t0} ms`);
  }, 180_000);

  it('observers reject writes with a clear error', async () => {
    const res = await post(observer, '/v1/commitments', metricsBody(0, 99));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('OBSERVER_READ_ONLY');
  }, 180_000);

  it('a node stopped and left behind by 50 commitments catches up via sync after restart', async () => {
    const stopped = nodes[3] as PausenetNode;
    await stopped.stop();
    for (let r = 0; r < 17; r++) await Promise.all([0, 1, 2].map((i) => commit(i, 1))); // 51 commitments
    const live = running();
    await waitFor(
      () => [...live, observer].every((n) => n.store.commitments.count() === 71),
      'live nodes have 71',
    );
    const t0 = Date.now();
    nodes[3] = await startNode(net.memberConfig(3, addrsOf(live)), { env: net.env });
    await waitFor(
      () => (nodes[3] as PausenetNode).store.commitments.count() === 71,
      'restarted node catches up',
    );
    console.log(`[figures] restarted node synced 51 missed commitments in ${Date.now() - t0} ms`);
    expect(chainDigest(nodes[3] as PausenetNode)).toBe(chainDigest(nodes[0] as PausenetNode));
    // It can extend its own chain after restart (its head survived on disk).
    await commit(3, 1);
    await waitFor(() => [...nodes, observer].every((n) => n.store.commitments.count() === 72), 'all have 72');
  }, 180_000);

  it('a late-joining observer gets the full history, certificates included', async () => {
    // A pause certificate for height 1 from t = 3 BLS shares (test dealer), published by lab-a.
    const a = nodes[0] as PausenetNode;
    const statement = statementBytes({
      networkId: a.networkId,
      height: 1,
      target: 'PAUSED',
      step: 'up',
      resolves: [],
    });
    const partials = [0, 1, 2].map((i) => ({
      index: i + 1,
      signature: blsSign(net.shares[i] as Uint8Array, statement),
    }));
    const cert: Certificate = {
      networkId: a.networkId,
      height: 1,
      target: 'PAUSED',
      step: 'up',
      signers: ['lab-a', 'lab-b', 'lab-c'],
      resolves: [],
      signature: recoverSignature(partials, 3),
    };
    expect((await a.publish('certificate', cert)).ok).toBe(true);
    await waitFor(
      () => [...nodes, observer].every((n) => n.agreement.status().height === 1),
      'certificate applied everywhere',
    );
    const t0 = Date.now();
    const late = await startNode(net.observerConfig(1, addrsOf([observer])), { env: net.env });
    try {
      await waitFor(
        () => late.store.commitments.count() === 72 && late.agreement.status().height === 1,
        'late observer has full history',
      );
      expect((await get(late, '/v1/status')).body.state).toBe('PAUSED');
      expect((await get(late, '/v1/certificates')).body.map((c: { height: number }) => c.height)).toEqual([
        1,
      ]);
      console.log(`[figures] late observer fetched 72 commitments in ${Date.now() - t0} ms`);
      expect(chainDigest(late)).toBe(chainDigest(nodes[0] as PausenetNode));
      const list = await get(late, '/v1/commitments?lab=lab-a');
      expect(list.body.length).toBe((nextEpoch[0] as number) - 1);
      const m = await get(late, '/metrics');
      expect(m.body).toMatch(
        /pausenet_messages_total\{topic="commitment",result="accept",code="OK",source="sync"\}/,
      );
    } finally {
      await late.stop();
    }
  }, 180_000);
});
