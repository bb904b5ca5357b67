import { ed25519Generate } from '@pausenet/crypto';
import {
  type Commitment,
  encodeSignedCommitment,
  hashSignedCommitment,
  signCommitment,
  toHex,
  ZERO_HASH,
} from '@pausenet/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, loadOrCreateNodeKey, type PausenetLibp2p, peerScore } from '../../src/host.js';
import type { PausenetNode } from '../../src/node.js';
import { topicName } from '../../src/topics.js';
import { makeTestNetwork, metricsBody, networkIdHex, type TestNetwork, waitFor } from '../helpers/network.js';
import { post, startNode } from '../helpers/nodes.js';

// A raw libp2p gossipsub peer we control publishes hostile messages to real member nodes.
describe('gossip validation against a hostile peer', () => {
  let net: TestNetwork;
  let a: PausenetNode;
  let b: PausenetNode;
  let evil: PausenetLibp2p;
  let topic: string;

  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4 });
    a = await startNode(net.memberConfig(0), { env: net.env });
    b = await startNode(
      net.memberConfig(1, a.multiaddrs, { limits: { perPeerMsgsPerSec: 1, maxMessageBytes: 262_144 } }),
      { env: net.env },
    );
    const { join } = await import('node:path');
    evil = await createHost({
      privateKey: await loadOrCreateNodeKey(join(net.dir, 'evil-key')),
      networkIdHex: networkIdHex(net.genesis),
    });
    await evil.start();
    topic = topicName(networkIdHex(net.genesis), 'commitments');
    evil.services.pubsub.subscribe(topic);
    await evil.dial(a.host.getMultiaddrs()[0] as never);
    await waitFor(
      () => evil.services.pubsub.getSubscribers(topic).some((p) => p.equals(a.host.peerId)),
      'evil sees a subscribed',
    );
    await waitFor(
      () =>
        (a.host.services.pubsub as unknown as { getMeshPeers(t: string): string[] })
          .getMeshPeers(topic)
          .includes(evil.peerId.toString()),
      'evil grafted into a mesh',
      10_000,
    );
  });

  afterAll(async () => {
    await evil?.stop();
    await Promise.all([a, b].map((n) => n?.stop()));
    net?.cleanup();
  });

  const commitment = (over: Partial<Commitment> = {}): Commitment => ({
    networkId: a.networkId,
    lab: 'lab-c',
    epoch: 1,
    seq: 0,
    prev: ZERO_HASH,
    issuedAt: Date.now(),
    height: 0,
    level: 'RUNNING',
    metrics: {
      trainingFlop: 1n,
      largestRunFlop: 1n,
      maxParams: 1n,
      datasetTokens: 1n,
      acceleratorHours: 1n,
      utilizationBps: 1,
    },
    runsRoot: ZERO_HASH,
    attestations: [],
    ...over,
  });

  const rejected = async (node: PausenetNode, code: string): Promise<number> => {
    const text = await node.metrics.text();
    const m = text.match(
      new RegExp(
        `pausenet_messages_total\\{topic="commitment",result="reject",code="${code}",source="gossip"\\} (\\d+)`,
      ),
    );
    return m ? Number(m[1]) : 0;
  };

  it('forged, non-member, wrong-network and malformed messages are REJECTed, never stored, and cost the sender score', async () => {
    const before = a.store.commitments.count();
    const scoreBefore = peerScore(a.host, evil.peerId.toString());
    const stranger = ed25519Generate();
    // forged: claims lab-c but signed by a key that is not lab-c's
    await evil.services.pubsub.publish(
      topic,
      encodeSignedCommitment(signCommitment(commitment(), stranger.secretKey)),
    );
    // non-member signer (an observer or outsider with its own key)
    await evil.services.pubsub.publish(
      topic,
      encodeSignedCommitment(signCommitment(commitment({ lab: 'lab-z' }), stranger.secretKey)),
    );
    // replayed from another network: lab-c's genuine key, but bound to a different network id
    const labC = net.labs[2] as { secretKey: Uint8Array };
    await evil.services.pubsub.publish(
      topic,
      encodeSignedCommitment(
        signCommitment(commitment({ networkId: new Uint8Array(32).fill(9) }), labC.secretKey),
      ),
    );
    // malformed: not CBOR of a signed commitment
    await evil.services.pubsub.publish(topic, new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    await waitFor(
      async () =>
        (await rejected(a, 'C_SIGNATURE')) === 1 &&
        (await rejected(a, 'C_MEMBER')) === 1 &&
        (await rejected(a, 'C_NETWORK')) === 1 &&
        (await rejected(a, 'MALFORMED')) +
          (await rejected(a, 'NON_CANONICAL')) +
          (await rejected(a, 'WRONG_TYPE')) >=
          1,
      'four rejections counted',
    );
    expect(a.store.commitments.count()).toBe(before);
    expect(b.store.commitments.count()).toBe(before); // never forwarded either
    // Scores are cached for one heartbeat (500 ms).
    await waitFor(() => peerScore(a.host, evil.peerId.toString()) < 0, 'evil score negative', 5_000);
    const scoreAfter = peerScore(a.host, evil.peerId.toString());
    console.log(`[figures] hostile peer score ${scoreBefore.toFixed(2)} -> ${scoreAfter.toFixed(2)}`);
    expect(scoreAfter).toBeLessThan(scoreBefore);
    expect(scoreAfter).toBeLessThan(0);
    // negative score: pruned from the mesh at the next heartbeat
    await waitFor(
      () =>
        !(a.host.services.pubsub as unknown as { getMeshPeers(t: string): string[] })
          .getMeshPeers(topic)
          .includes(evil.peerId.toString()),
      'evil pruned from a mesh',
      5_000,
    );
  });

  it('replays of genuine messages are ignored (no double store); an equivocating lab is caught as evidence', async () => {
    const res = await post(a, '/v1/commitments', metricsBody(1, 1));
    expect(res.status).toBe(201);
    await waitFor(() => b.store.commitments.count() === 1, 'b has lab-a#0');
    const stored = a.store.commitments.get('lab-a', 0);
    expect(toHex(stored?.hash as Uint8Array)).toBe(res.body.hash);
    // replay the exact bytes: gossip dedup / DUPLICATE, never a second row
    await evil.services.pubsub.publish(topic, stored?.bytes as Uint8Array).catch(() => undefined);
    // lab-a equivocates: a different signed commitment for the same seq and epoch, published by the evil peer
    const labA = net.labs[0] as { secretKey: Uint8Array };
    const conflicting = signCommitment(
      commitment({ lab: 'lab-a', metrics: { ...commitment().metrics, trainingFlop: 42n } }),
      labA.secretKey,
    );
    expect(toHex(hashSignedCommitment(conflicting))).not.toBe(res.body.hash);
    const fresh = await createHost({
      privateKey: await loadOrCreateNodeKey(`${net.dir}/fresh-key`),
      networkIdHex: networkIdHex(net.genesis),
    });
    await fresh.start();
    try {
      fresh.services.pubsub.subscribe(topic);
      await fresh.dial(b.host.getMultiaddrs()[0] as never);
      await waitFor(
        () => fresh.services.pubsub.getSubscribers(topic).some((p) => p.equals(b.host.peerId)),
        'fresh sees b',
      );
      await fresh.services.pubsub.publish(topic, encodeSignedCommitment(conflicting));
      // b keeps the first commitment, files self-proving equivocation evidence, and a receives it too.
      await waitFor(
        () => a.store.evidence.count() === 1 && b.store.evidence.count() === 1,
        'equivocation evidence on both',
        15_000,
      );
    } finally {
      await fresh.stop();
    }
    expect(a.store.commitments.count()).toBe(1);
    expect(b.store.commitments.get('lab-a', 0)?.hash).toEqual(stored?.hash);
    const ev = a.store.evidence.list();
    expect(ev[0]?.kind).toBe('equivocation');
  });

  it('a peer over its message rate is IGNOREd (RATE_LIMITED, counted) before any validation', async () => {
    const flooder = await createHost({
      privateKey: await loadOrCreateNodeKey(`${net.dir}/flood-key`),
      networkIdHex: networkIdHex(net.genesis),
    });
    await flooder.start();
    try {
      flooder.services.pubsub.subscribe(topic);
      await flooder.dial(b.host.getMultiaddrs()[0] as never);
      await waitFor(
        () => flooder.services.pubsub.getSubscribers(topic).some((p) => p.equals(b.host.peerId)),
        'flooder sees b',
      );
      // Genuine lab-c signatures issued an hour in the future: each would be IGNOREd (C_FROM_FUTURE), never penalised.
      const labC = net.labs[2] as { secretKey: Uint8Array };
      for (let i = 0; i < 12; i++) {
        const sc = signCommitment(
          commitment({
            issuedAt: Date.now() + 3_600_000,
            metrics: { ...commitment().metrics, acceleratorHours: BigInt(i + 1) },
          }),
          labC.secretKey,
        );
        await flooder.services.pubsub.publish(topic, encodeSignedCommitment(sc));
      }
      const count = async (code: string): Promise<number> => {
        const m = (await b.metrics.text()).match(
          new RegExp(
            `pausenet_messages_total\\{topic="commitment",result="ignore",code="${code}",source="gossip"\\} (\\d+)`,
          ),
        );
        return m ? Number(m[1]) : 0;
      };
      await waitFor(
        async () => (await count('C_FROM_FUTURE')) + (await count('RATE_LIMITED')) === 12,
        'all 12 judged',
      );
      const limited = await count('RATE_LIMITED');
      console.log(`[figures] 12 messages in a burst at 1 msg/s (burst 4): ${limited} rate-limited`);
      expect(limited).toBeGreaterThanOrEqual(4);
      expect(await b.metrics.text()).toMatch(/pausenet_rate_limited_total\{topic="commitment"\} \d+/);
    } finally {
      await flooder.stop();
    }
  });
  it('a non-member peer that floods invalid messages is disconnected and refused for 10 min', async () => {
    const flooder = await createHost({
      privateKey: await loadOrCreateNodeKey(`${net.dir}/ban-key`),
      networkIdHex: networkIdHex(net.genesis),
    });
    await flooder.start();
    try {
      flooder.services.pubsub.subscribe(topic);
      await flooder.dial(a.host.getMultiaddrs()[0] as never);
      await waitFor(
        () => flooder.services.pubsub.getSubscribers(topic).some((p) => p.equals(a.host.peerId)),
        'flooder sees a',
      );
      const stranger = ed25519Generate();
      for (let i = 0; i < 12; i++) {
        const sc = signCommitment(
          commitment({ metrics: { ...commitment().metrics, acceleratorHours: BigInt(i + 1) } }),
          stranger.secretKey,
        );
        await flooder.services.pubsub.publish(topic, encodeSignedCommitment(sc)).catch(() => undefined);
      }
      const id = flooder.peerId.toString();
      await waitFor(() => a.bans.isBanned(id), 'flooder banned', 10_000);
      await waitFor(() => !a.host.getPeers().some((p) => p.equals(flooder.peerId)), 'flooder disconnected');
      expect(await a.metrics.text()).toMatch(/pausenet_peers_banned_total \d+/);
      // It cannot come back: the connection gater refuses it.
      await flooder.hangUp(a.host.peerId).catch(() => undefined);
      const redial = await flooder.dial(a.host.getMultiaddrs()[0] as never).then(
        () => 'connected',
        () => 'refused',
      );
      await new Promise((r) => setTimeout(r, 300));
      console.log(`[figures] banned peer redial: ${redial}; a's peers: ${a.host.getPeers().length}`);
      expect(a.host.getPeers().some((p) => p.equals(flooder.peerId))).toBe(false);
      // The member peer b, still connected, was never banned.
      expect(a.bans.isBanned(b.peerId)).toBe(false);
    } finally {
      await flooder.stop();
    }
  });
});
