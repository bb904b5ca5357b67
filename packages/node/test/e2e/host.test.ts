import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost, loadOrCreateNodeKey, type PausenetLibp2p } from '../../src/host.js';
import { handleReqResp, ReqRespRemoteError, requestReqResp } from '../../src/sync/reqresp.js';
import { topicName } from '../../src/topics.js';

const NET = 'ab'.repeat(32);
const hosts: PausenetLibp2p[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function host(): Promise<PausenetLibp2p> {
  const dir = mkdtempSync(join(tmpdir(), 'pn-host-'));
  dirs.push(dir);
  const h = await createHost({
    privateKey: await loadOrCreateNodeKey(join(dir, 'node-key')),
    networkIdHex: NET,
  });
  hosts.push(h);
  return h;
}

describe('libp2p host', () => {
  it('persists its identity key with mode 0600 and reuses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pn-key-'));
    dirs.push(dir);
    const a = await loadOrCreateNodeKey(join(dir, 'node-key'));
    const b = await loadOrCreateNodeKey(join(dir, 'node-key'));
    expect(statSync(join(dir, 'node-key')).mode & 0o777).toBe(0o600);
    expect(a.publicKey.equals(b.publicKey)).toBe(true);
  });

  it('req/resp over TCP: header + bounded items, remote errors, item limit', async () => {
    const a = await host();
    const b = await host();
    const proto = `/pausenet/${NET}/test/1`;
    await handleReqResp(b, proto, (req) => {
      const r = req as { n: number };
      if (r.n < 0) throw new ReqRespRemoteError('BAD_REQUEST', 'n must be >= 0');
      return { header: { echo: r.n }, items: Array.from({ length: r.n }, (_, i) => new Uint8Array([i])) };
    });
    await a.dial(b.getMultiaddrs()[0] as never);
    const res = await requestReqResp(a, b.peerId, proto, { n: 3 });
    expect(res.header.echo).toBe(3);
    expect(res.items.map((x) => x[0])).toEqual([0, 1, 2]);
    await expect(requestReqResp(a, b.peerId, proto, { n: -1 })).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
    });
    await expect(requestReqResp(a, b.peerId, proto, { n: 5 }, { maxItems: 2 })).rejects.toMatchObject({
      code: 'OVERSIZED',
    });
    const ac = new AbortController();
    ac.abort();
    await expect(requestReqResp(a, b.peerId, proto, { n: 1 }, { signal: ac.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
  });

  it('a request never dials: to a peer whose addresses we know but are not connected to, NOT_CONNECTED', async () => {
    const a = await host();
    const b = await host();
    const proto = `/pausenet/${NET}/test/1`;
    await handleReqResp(b, proto, () => ({ items: [] }));
    // what identify would have stored about a peer that connected and left
    await a.peerStore.merge(b.peerId, { multiaddrs: b.getMultiaddrs() });
    await expect(requestReqResp(a, b.peerId, proto, {})).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    expect(b.getConnections()).toEqual([]);
  });

  it('gossips on a network topic between two hosts', async () => {
    const a = await host();
    const b = await host();
    const topic = topicName(NET, 'commitments');
    a.services.pubsub.subscribe(topic);
    b.services.pubsub.subscribe(topic);
    const got = new Promise<Uint8Array>((resolve) => {
      b.services.pubsub.addEventListener('message', (e) => resolve(e.detail.data));
    });
    await a.dial(b.getMultiaddrs()[0] as never);
    // Mesh forms at a heartbeat; floodPublish reaches subscribed peers once subscriptions are exchanged.
    for (let i = 0; i < 50 && a.services.pubsub.getSubscribers(topic).length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    await a.services.pubsub.publish(topic, new Uint8Array([7, 7, 7]));
    expect(Array.from(await got)).toEqual([7, 7, 7]);
  });
});
