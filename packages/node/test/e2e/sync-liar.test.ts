import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { ed25519Generate } from '@pausenet/crypto';
import { encodeSignedEvidence, signEvidence } from '@pausenet/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type PausenetLibp2p } from '../../src/host.js';
import type { PausenetNode } from '../../src/node.js';
import { handleReqResp } from '../../src/sync/reqresp.js';
import { protocolName } from '../../src/topics.js';
import { makeTestNetwork, networkIdHex, type TestNetwork, waitFor } from '../helpers/network.js';
import { startNode } from '../helpers/nodes.js';

// A real observer node syncing over TCP with a raw libp2p peer that lies in its status.
describe('sync against a lying peer (evidenceCount 2^53-1)', () => {
  let net: TestNetwork;
  let node: PausenetNode;
  let liar: PausenetLibp2p;
  let forger: PausenetLibp2p | undefined;
  const served = { status: 0, evidence: 0 };
  let page: Uint8Array[] = [];

  beforeAll(async () => {
    net = await makeTestNetwork({ labs: 4, observers: 1 });
    node = await startNode(net.observerConfig(0), { env: net.env });
    const nid = networkIdHex(net.genesis);
    const lab = net.labs[0] as { secretKey: Uint8Array };
    // valid evidence (reports signed by lab-a): replaying it is all a liar without keys can do
    page = Array.from({ length: 64 }, (_, i) =>
      encodeSignedEvidence(
        signEvidence(
          {
            networkId: node.networkId,
            evidence: {
              kind: 'report',
              subject: 'lab-b',
              epoch: 35_990 + (i % 8),
              digest: new Uint8Array(32).fill(i),
              summary: `report ${i}`,
            },
            reporter: 'lab-a',
            issuedAt: Date.now(),
          },
          lab.secretKey,
        ),
      ),
    );
    liar = await createHost({ privateKey: await generateKeyPair('Ed25519'), networkIdHex: nid });
    await handleReqResp(liar, protocolName(nid, 'status'), () => {
      served.status++;
      return {
        header: {
          status: {
            networkId: nid,
            role: 'observer',
            heads: [],
            certifiedHeight: 0,
            openVotes: 0,
            evidenceCount: Number.MAX_SAFE_INTEGER,
          },
        },
      };
    });
    await handleReqResp(liar, protocolName(nid, 'evidence'), () => {
      served.evidence++;
      return { items: page };
    });
  }, 60_000);

  afterAll(async () => {
    await liar?.stop();
    await forger?.stop();
    await node?.stop();
    net?.cleanup();
  });

  it('a liar replaying one page of valid evidence forever: each round stops at the first repeat', async () => {
    await liar.dial(multiaddr(`${node.multiaddrs[0]}`));
    // at least three rounds (sync.intervalMs 1 s in tests): the first one must have ended
    await waitFor(() => served.status >= 3, 'three sync rounds with the liar', 30_000);
    await node.syncer.idle();
    // an honest responder never serves an item twice in a round: one page, then the repeat ends the round
    expect(served.evidence).toBeLessThanOrEqual(2 * served.status);
    expect(node.store.evidence.count()).toBeLessThanOrEqual(page.length);
  }, 60_000);

  it("a non-member serving forged items (a stranger signing in a member's name) is banned at its first response", async () => {
    const nid = networkIdHex(net.genesis);
    const stranger = ed25519Generate();
    const forged = Array.from({ length: 16 }, (_, i) =>
      encodeSignedEvidence(
        signEvidence(
          {
            networkId: node.networkId,
            evidence: {
              kind: 'report',
              subject: 'lab-b',
              epoch: 35_990,
              digest: new Uint8Array(32).fill(100 + i),
              summary: `forged ${i}`,
            },
            reporter: 'lab-a',
            issuedAt: Date.now(),
          },
          stranger.secretKey,
        ),
      ),
    );
    const host = await createHost({ privateKey: await generateKeyPair('Ed25519'), networkIdHex: nid });
    forger = host;
    let pages = 0;
    await handleReqResp(host, protocolName(nid, 'status'), () => ({
      header: {
        status: {
          networkId: nid,
          role: 'observer',
          heads: [],
          certifiedHeight: 0,
          openVotes: 0,
          evidenceCount: Number.MAX_SAFE_INTEGER,
        },
      },
    }));
    await handleReqResp(host, protocolName(nid, 'evidence'), () => {
      pages++;
      return { items: forged };
    });
    await host.dial(multiaddr(`${node.multiaddrs[0]}`));
    const id = host.peerId.toString();
    // sync.intervalMs is 1 s here: had the first response only counted toward a ban, the round robin would
    // fetch a second page within a few seconds before banning
    await waitFor(() => node.bans.isBanned(id), 'the forger banned', 30_000);
    expect(pages).toBe(1);
    expect(node.store.evidence.count()).toBeLessThanOrEqual(page.length);
  }, 60_000);
});
