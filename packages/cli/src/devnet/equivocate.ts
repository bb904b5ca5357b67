import { join } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { createHost, loadOrCreateNodeKey, topicName } from '@pausenet/node';
import {
  type CommitmentJson,
  commitmentFromJson,
  encodeSignedCommitment,
  hashSignedCommitment,
  signCommitment,
  toHex,
} from '@pausenet/protocol';
import { apiCall } from '../io/api-client.js';
import { readKeystore } from '../io/keystore.js';
import type { DevnetNode } from './types.js';
import { sleep, waitFor } from './wait.js';

/**
 * Devnet-only fault injection for the `equivocation` scenario. The production node never signs two
 * commitments for one epoch, and no API accepts raw signed bytes. Instead the devnet process (which
 * created the throwaway lab keys) reads the lab's key from its temp keystore, signs a second,
 * conflicting commitment for the lab's latest epoch, and gossips it from its own short-lived libp2p
 * peer, exactly as a misbehaving lab running a second node would. Nothing in the node is weakened.
 */
export async function publishEquivocation(o: {
  lab: DevnetNode;
  /** Nodes the injector connects to and publishes at. */
  via: DevnetNode[];
  passphrase: string;
  networkIdHex: string;
  scratchDir: string;
}): Promise<{ hash: string; publishedAt: number }> {
  const secrets = await readKeystore(join(o.lab.dataDir, 'keystore.json'), o.passphrase);
  const list = await apiCall<CommitmentJson[]>(o.lab.api, 'GET', `/v1/commitments?lab=${o.lab.id}`);
  const latest = list.sort((a, b) => b.seq - a.seq)[0];
  if (!latest) throw new Error(`${o.lab.id} has no commitment to equivocate on`);
  const original = commitmentFromJson(latest);
  const m = original.commitment.metrics;
  // The second story: half the compute, told to a different part of the network.
  const conflicting = signCommitment(
    {
      ...original.commitment,
      issuedAt: original.commitment.issuedAt + 1,
      metrics: { ...m, trainingFlop: m.trainingFlop / 2n, largestRunFlop: m.largestRunFlop / 2n },
    },
    secrets.identitySecretKey,
  );
  const bytes = encodeSignedCommitment(conflicting);
  const privateKey = await loadOrCreateNodeKey(join(o.scratchDir, 'injector-node-key'));
  const host = await createHost({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'] });
  let publishedAt = 0;
  try {
    const topic = topicName(o.networkIdHex, 'commitments');
    host.services.pubsub.subscribe(topic);
    // dial generously (a loaded machine is slow); any connected lab is enough, gossip does the rest
    const dials = await Promise.allSettled(
      o.via.map((n) => host.dial(multiaddr(n.addr), { signal: AbortSignal.timeout(30_000) })),
    );
    const connected = dials.filter((d) => d.status === 'fulfilled').length;
    if (connected === 0) throw new Error('the equivocation injector could not connect to any lab');
    await waitFor(
      'the injector to see the nodes subscribed to the commitments topic',
      () => (host.services.pubsub.getSubscribers(topic).length >= connected ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    publishedAt = Date.now();
    await host.services.pubsub.publish(topic, bytes);
    await sleep(500);
  } finally {
    await host.stop();
  }
  return { hash: toHex(hashSignedCommitment(conflicting)), publishedAt };
}
