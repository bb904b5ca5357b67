import { blsSign } from '@pausenet/crypto';
import {
  decodeSignedEvidence,
  decodeSignedVote,
  type SignedCommitment,
  signVote,
  statementBytes,
} from '@pausenet/protocol';
import { describe, expect, it } from 'vitest';
import { Agreement } from '../../src/agreement/agreement.js';
import { VerdictRecorder } from '../../src/gossip/validate.js';
import { Ingest } from '../../src/ingest.js';
import { silentLogger } from '../../src/logger.js';
import type { MessageKind } from '../../src/message.js';
import { NodeMetrics } from '../../src/metrics.js';
import { MemoryStore } from '../../src/store/memory.js';
import { commitment, makeAgreementGenesis } from '../helpers/agreement-net.js';

// The agreement and the ingest path over in-memory repositories: no SQLite, no network, no hooks. The
// same code the node runs; only the repositories differ (src/store/memory.ts).
const net = makeAgreementGenesis(4);
const [labA, labB, labC, labD] = net.labs as [
  (typeof net.labs)[0],
  (typeof net.labs)[0],
  (typeof net.labs)[0],
  (typeof net.labs)[0],
];

function member(store: MemoryStore, self: typeof labA | null) {
  const sent: MessageKind[] = [];
  const ref: { agreement?: Agreement } = {};
  const ingest = new Ingest({
    genesis: net.genesis,
    networkId: net.networkId,
    store,
    recorder: new VerdictRecorder(new NodeMetrics(), silentLogger),
    logger: silentLogger,
    now: Date.now,
    applied: () => ref.agreement as Agreement,
    apply: (v) => ref.agreement?.apply(v),
  });
  const agreement = new Agreement({
    genesis: net.genesis,
    networkId: net.networkId,
    self:
      self === null
        ? null
        : {
            lab: self.id,
            index: self.index,
            identitySecretKey: self.secretKey,
            blsShare: net.shares[self.index - 1] as Uint8Array,
          },
    store,
    hooks: null,
    // The local door: the node's own messages take the same ingest path as everyone else's.
    publish: async (kind, msg) => {
      sent.push(kind);
      return ingest.ingestMessage(kind, msg, { source: 'local' }).validation;
    },
    logger: silentLogger,
    now: Date.now,
  });
  ref.agreement = agreement;
  return { agreement, ingest, sent };
}

const overCap = (): SignedCommitment =>
  commitment(net.genesis, net.networkId, labD, { metrics: { trainingFlop: 10n ** 27n } });

/** A PAUSED vote at height 1 by `lab`, citing what `like` cites. */
function voteLike(lab: typeof labA, like: ReturnType<typeof decodeSignedVote>) {
  const statement = statementBytes({
    networkId: net.networkId,
    height: 1,
    target: 'PAUSED',
    step: 'up',
    resolves: [],
  });
  return signVote(
    {
      ...like.vote,
      voter: lab.id,
      partial: blsSign(net.shares[lab.index - 1] as Uint8Array, statement),
      issuedAt: Date.now(),
    },
    lab.secretKey,
  );
}

describe('agreement over in-memory repositories (unit tier, no SQLite)', () => {
  it('a breach is filed once, signed once, and t votes form and apply one certificate', async () => {
    const store = new MemoryStore();
    const a = member(store, labA);
    await a.agreement.start();
    a.ingest.ingestMessage('commitment', overCap(), { source: 'gossip' });
    await a.agreement.settled();
    expect(a.sent).toEqual(['evidence', 'vote']);
    expect(store.signedHeights.all().map(({ height, target }) => ({ height, target }))).toEqual([
      { height: 1, target: 'PAUSED' },
    ]);
    expect(store.breaches.counts()).toEqual({ open: 1, resolved: 0 });
    // The own vote was applied once, through the door.
    expect(a.agreement.status().pendingVotes).toEqual([
      { height: 1, target: 'PAUSED', step: 'up', resolves: [], voters: [labA.id], needed: 3 },
    ]);

    const own = decodeSignedVote((store.votes.range(1, 1, 10)[0] as { bytes: Uint8Array }).bytes);
    expect(a.ingest.ingestMessage('vote', voteLike(labB, own), { source: 'gossip' }).validation.ok).toBe(
      true,
    );
    expect(a.agreement.height).toBe(0);
    expect(a.ingest.ingestMessage('vote', voteLike(labC, own), { source: 'gossip' }).validation.ok).toBe(
      true,
    );
    await a.agreement.settled();
    expect(a.sent).toEqual(['evidence', 'vote', 'certificate']);
    expect(a.agreement.height).toBe(1);
    expect(store.certificates.height()).toBe(1);
    expect(store.pauseState.get()).toMatchObject({ height: 1, state: 'PAUSED' });
    expect(store.breaches.open()[0]?.actedOnHeight).toBe(1);
    await a.agreement.stop();

    // A restart on the same repositories: the state is rebuilt, nothing is signed or sent again.
    const again = member(store, labA);
    await again.agreement.start();
    await again.agreement.settled();
    expect(again.agreement.status()).toMatchObject({ state: 'PAUSED', height: 1, ready: true });
    expect(again.sent).toEqual([]);
    expect(await again.agreement.approve(3, 'RUNNING')).toMatchObject({ refused: 'NOT_OPEN_HEIGHT' });
    await again.agreement.stop();
  });

  it('a fork of a stored chain is never stored; equivocation evidence is filed once however often it arrives', async () => {
    const store = new MemoryStore();
    const a = member(store, labA);
    await a.agreement.start();
    const first = commitment(net.genesis, net.networkId, labB, { metrics: { trainingFlop: 1n } });
    const fork = commitment(net.genesis, net.networkId, labB, { metrics: { trainingFlop: 2n } });
    expect(a.ingest.ingestMessage('commitment', first, { source: 'gossip' }).validation.ok).toBe(true);
    for (let i = 0; i < 3; i++)
      expect(a.ingest.ingestMessage('commitment', fork, { source: 'gossip' }).validation).toMatchObject({
        ok: false,
        code: 'C_CONFLICT',
      });
    await a.agreement.settled();
    expect(store.commitments.count()).toBe(1);
    expect(a.sent.filter((k) => k === 'evidence')).toEqual(['evidence']);
    const ev = store.evidence.list();
    expect(ev.map((r) => decodeSignedEvidence(r.bytes).evidence.kind)).toEqual(['equivocation']);
    await a.agreement.stop();
  });

  it('an observer detects the breach but signs and sends nothing; it still applies a certificate it receives', async () => {
    const store = new MemoryStore();
    const o = member(store, null);
    await o.agreement.start();
    o.ingest.ingestMessage('commitment', overCap(), { source: 'gossip' });
    await o.agreement.settled();
    expect(o.sent).toEqual([]);
    expect(store.evidence.count()).toBe(0);
    expect(store.signedHeights.all()).toEqual([]);
    // Members' evidence and votes reach it: it counts them and forms the certificate itself.
    const mStore = new MemoryStore();
    const m = member(mStore, labA);
    await m.agreement.start();
    m.ingest.ingestMessage('commitment', overCap(), { source: 'gossip' });
    await m.agreement.settled();
    const own = decodeSignedVote((mStore.votes.range(1, 1, 10)[0] as { bytes: Uint8Array }).bytes);
    for (const v of [own, voteLike(labB, own), voteLike(labC, own)])
      expect(o.ingest.ingestMessage('vote', v, { source: 'gossip' }).validation.ok).toBe(true);
    await o.agreement.settled();
    expect(o.agreement.height).toBe(1);
    expect(o.sent).toEqual(['certificate']);
    await o.agreement.stop();
    await m.agreement.stop();
  });
});
