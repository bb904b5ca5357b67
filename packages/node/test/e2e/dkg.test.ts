import { createServer } from 'node:net';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { messageStreamToDuplex } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { ed25519Generate } from '@pausenet/crypto';
import { ceremonyIdOf, type Genesis, makePolicy, PROTOCOL_VERSION, toHex } from '@pausenet/protocol';
import * as lp from 'it-length-prefixed';
import { pipe } from 'it-pipe';
import { afterEach, describe, expect, it } from 'vitest';
import { type DkgCeremonyResult, runDkgCeremony } from '../../src/dkg/ceremony.js';
import { createDkgHost } from '../../src/dkg/host.js';
import { DkgTransport, envelopeLimits } from '../../src/dkg/transport.js';
import { ceremonyNames, encodeFinish } from '../../src/dkg/wire.js';
import { createHost, type PausenetLibp2p } from '../../src/host.js';

/** Free TCP ports on 127.0.0.1 picked by the OS (genesis addrs must be known before the hosts start). */
async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (s) =>
        new Promise<number>((resolve) =>
          s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)),
        ),
    ),
  );
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

interface Lab {
  id: string;
  index: number;
  identity: { secretKey: Uint8Array; publicKey: Uint8Array };
  nodeKey: PrivateKey;
  port: number;
}

/** A pre-DKG genesis of n labs; the last lab lists a second peer id when `extra` is given. */
async function setup(n: number, t: number, extra?: PrivateKey) {
  const ports = await freePorts(n);
  const labs: Lab[] = [];
  for (let i = 0; i < n; i++)
    labs.push({
      id: `lab-${'abcdefgh'[i]}`,
      index: i + 1,
      identity: ed25519Generate(),
      nodeKey: await generateKeyPair('Ed25519'),
      port: ports[i] as number,
    });
  const genesis: Genesis = {
    version: PROTOCOL_VERSION,
    name: 'dkg-admission-test',
    members: labs.map((l, i) => {
      const pid = peerIdFromPrivateKey(l.nodeKey).toString();
      const peerIds = i === n - 1 && extra ? [pid, peerIdFromPrivateKey(extra).toString()] : [pid];
      return {
        id: l.id,
        name: l.id,
        index: l.index,
        publicKey: l.identity.publicKey,
        peerIds,
        addrs: [`/ip4/127.0.0.1/tcp/${l.port}/p2p/${pid}`],
      };
    }),
    threshold: t,
    policy: makePolicy({
      genesisTime: Date.now(),
      epochMs: 3_600_000,
      deadlineMs: 600_000,
      graceMs: 600_000,
      caps: {
        trainingFlop: 10n ** 26n,
        largestRunFlop: 10n ** 26n,
        maxParams: 10n ** 13n,
        datasetTokens: 10n ** 14n,
      },
    }),
  };
  return { labs, genesis };
}

const FAST = {
  timeouts: { deal: 4_000, response: 2_000, justification: 2_000 },
  connectTimeoutMs: 3_000,
  finishTimeoutMs: 3_000,
  lingerMs: 300,
  pollMs: 100,
};

const hosts: PausenetLibp2p[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

async function dkgHost(genesis: Genesis, key: PrivateKey, port = 0): Promise<PausenetLibp2p> {
  const h = await createDkgHost({ privateKey: key, listen: [`/ip4/127.0.0.1/tcp/${port}`], genesis });
  hosts.push(h);
  return h;
}

/** A host holding lab-d's identity key that serves (and gossips) a forged finish attestation. */
async function forgedFinisher(genesis: Genesis, key: PrivateKey, lab: Lab, targets: Lab[]) {
  const ceremonyId = ceremonyIdOf(genesis);
  const host = await dkgHost(genesis, key);
  const t = new DkgTransport(host, toHex(ceremonyId), () => null);
  await t.start();
  await t.publish(
    encodeFinish(
      ceremonyId,
      lab.index,
      new Uint8Array(32).fill(7),
      new Uint8Array(48).fill(9),
      lab.identity.secretKey,
    ),
  );
  for (const l of targets)
    await host
      .dial(multiaddr(genesis.members[l.index - 1]?.addrs[0] as string), {
        signal: AbortSignal.timeout(3_000),
      })
      .catch(() => {});
  return host;
}

function ceremony(genesis: Genesis, lab: Lab, host: PausenetLibp2p): Promise<DkgCeremonyResult> {
  return runDkgCeremony({
    host,
    genesis,
    self: { index: lab.index, identitySecretKey: lab.identity.secretKey },
    ...FAST,
  });
}

describe('DKG ceremony admission (in-process hosts over TCP)', () => {
  it('a signed fake finish from a member that never dealt cannot abort the ceremony', async () => {
    const { labs, genesis } = await setup(4, 3);
    const honest = labs.slice(0, 3);
    const hs = await Promise.all(honest.map((l) => dkgHost(genesis, l.nodeKey, l.port)));
    // lab-d never deals: its key only signs a finish attestation for a result it never computed
    const d = labs[3] as Lab;
    const running = honest.map((l, i) => ceremony(genesis, l, hs[i] as PausenetLibp2p));
    await forgedFinisher(genesis, d.nodeKey, d, honest);
    const results = await Promise.all(running);
    const keys = results.map((r) => toHex(r.result.groupPublicKey));
    expect(new Set(keys).size).toBe(1);
    for (const r of results) expect(r.output.qualified).toEqual([1, 2, 3]);
  }, 60_000);

  it('t agreeing qualified members exclude a dissenter instead of aborting', async () => {
    const extra = await generateKeyPair('Ed25519');
    const { labs, genesis } = await setup(4, 3, extra);
    const hs = await Promise.all(labs.map((l) => dkgHost(genesis, l.nodeKey, l.port)));
    const d = labs[3] as Lab;
    // lab-d's key also signs a different result (published before anyone computed one)
    await forgedFinisher(genesis, extra, d, labs.slice(0, 3));
    const results = await Promise.all(labs.map((l, i) => ceremony(genesis, l, hs[i] as PausenetLibp2p)));
    expect(new Set(results.map((r) => toHex(r.result.groupPublicKey))).size).toBe(1);
    for (const r of results.slice(0, 3)) expect(r.dissenters).toEqual(['lab-d']);
  }, 60_000);

  it('an outsider cannot connect to a DKG host; invalid envelopes on the topic are REJECTed (never relayed)', async () => {
    const { labs, genesis } = await setup(3, 2);
    const a = labs[0] as Lab;
    const host = await dkgHost(genesis, a.nodeKey, a.port);
    const names = ceremonyNames(toHex(ceremonyIdOf(genesis)));
    const t = new DkgTransport(host, toHex(ceremonyIdOf(genesis)), () => null);
    await t.start();
    const outsider = await createHost({ privateKey: await generateKeyPair('Ed25519') });
    hosts.push(outsider);
    await expect(
      outsider
        .dial(multiaddr(genesis.members[0]?.addrs[0] as string), { signal: AbortSignal.timeout(3_000) })
        .then(async (c) => {
          // a connection the remote refused after the handshake closes at once
          await new Promise((r) => setTimeout(r, 300));
          if (c.status !== 'open') throw new Error('closed');
          await outsider.dialProtocol(c.remotePeer, names.protocol, { signal: AbortSignal.timeout(2_000) });
        }),
    ).rejects.toThrow();
    const validate = host.services.pubsub.topicValidators.get(names.topic);
    expect(validate).toBeDefined();
    const verdict = await validate?.(peerIdFromPrivateKey(labs[1]?.nodeKey as PrivateKey), {
      type: 'unsigned',
      topic: names.topic,
      data: new Uint8Array([1, 2, 3, 4]),
    });
    expect(verdict).toBe(TopicValidatorResult.Reject);
    await t.stop();
  }, 30_000);

  it('a poll answer is capped by what a ceremony of this size can hold (a member serving 64 x 1 MiB)', async () => {
    const { labs, genesis } = await setup(3, 2);
    const [a, b] = labs as [Lab, Lab];
    const ha = await dkgHost(genesis, a.nodeKey, a.port);
    const hb = await dkgHost(genesis, b.nodeKey, b.port);
    const names = ceremonyNames(toHex(ceremonyIdOf(genesis)));
    let written = 0;
    // lab-b answers a poll with 64 items of 1 MiB each, counting what the reader pulled off it
    await hb.handle(names.protocol, async (stream) => {
      const duplex = messageStreamToDuplex(stream);
      const big = new Uint8Array(1 << 20).fill(1);
      async function* frames() {
        yield lp.encode.single(new TextEncoder().encode(JSON.stringify({ ok: true, n: 64 }))).subarray();
        for (let i = 0; i < 64; i++) {
          const f = lp.encode.single(big).subarray();
          for (let o = 0; o < f.length; o += 65_536) {
            yield f.subarray(o, o + 65_536);
            written += Math.min(65_536, f.length - o);
          }
        }
      }
      await pipe(frames(), duplex.sink).catch(() => {});
    });
    const t = new DkgTransport(ha, toHex(ceremonyIdOf(genesis)), () => null, envelopeLimits(3, 2));
    const conn = await ha.dial(multiaddr(genesis.members[1]?.addrs[0] as string));
    expect(await t.poll(conn.remotePeer)).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    // the reader stopped at the first frame over the per-envelope limit: far from 64 MiB
    expect(written).toBeLessThan(16 << 20);
  }, 30_000);
});
