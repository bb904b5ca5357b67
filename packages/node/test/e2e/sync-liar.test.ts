import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
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
});
