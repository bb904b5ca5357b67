import { encodeSignedCommitment, type Validation } from '@pausenet/protocol';
import { TempDirs } from '@pausenet/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { VerdictRecorder } from '../../src/gossip/validate.js';
import { Ingest } from '../../src/ingest.js';
import { silentLogger } from '../../src/logger.js';
import { NodeMetrics } from '../../src/metrics.js';
import { Store } from '../../src/store/store.js';
import { commitment, makeAgreementGenesis } from '../helpers/agreement-net.js';

const tmp = new TempDirs();
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  tmp.cleanup();
});

function setup(net = makeAgreementGenesis(4)) {
  const dir = tmp.make('pn-ingest-');
  const store = Store.open(dir);
  stores.push(store);
  const handed: string[] = [];
  /** How many commitments the store held when each message was handed on. */
  const storedWhenHanded: number[] = [];
  const ingest = new Ingest({
    genesis: net.genesis,
    networkId: net.networkId,
    store,
    recorder: new VerdictRecorder(new NodeMetrics(), silentLogger),
    logger: silentLogger,
    now: Date.now,
    applied: () => ({ height: 0, level: 'RUNNING', certificateRule: () => null }),
    apply: (v) => {
      storedWhenHanded.push(store.commitments.count());
      handed.push(
        v.kind === 'commitment' ? (v.msg as { commitment: { lab: string } }).commitment.lab : v.kind,
      );
    },
  });
  const bytes = net.labs.map((lab) => encodeSignedCommitment(commitment(net.genesis, net.networkId, lab)));
  const mangled = bytes[3]?.slice() as Uint8Array;
  mangled[mangled.length - 1] = (mangled[mangled.length - 1] ?? 0) ^ 1;
  return { net, store, ingest, handed, storedWhenHanded, bytes, mangled, labIds: net.labs.map((l) => l.id) };
}
const code = (v: Validation) => (v.ok ? 'OK' : v.code);

describe('Ingest.ingestBatch (one relaxed commit per gossip turn)', () => {
  it('gives the verdicts of one-by-one ingest, in order, and hands accepted messages on after the commit', () => {
    const a = setup();
    const items = [a.bytes[0], a.bytes[1], a.bytes[0], a.mangled, a.bytes[2]].map((bytes) => ({
      kind: 'commitment' as const,
      bytes: bytes as Uint8Array,
      opts: { source: 'gossip' as const, peer: 'p' },
    }));
    const outs = a.ingest.ingestBatch(items);
    expect(outs.map((o) => code(o.validation))).toEqual(['OK', 'OK', 'DUPLICATE', 'MALFORMED', 'OK']);
    expect(a.handed).toEqual(a.labIds.slice(0, 3));
    // Handed on only after the batch's one commit: all three were stored before the first was applied.
    expect(a.storedWhenHanded).toEqual([3, 3, 3]);
    expect(a.store.commitments.count()).toBe(3);

    const b = setup(a.net);
    const one = items.map((it) => code(b.ingest.ingestBytes(it.kind, it.bytes, it.opts).validation));
    expect(one).toEqual(outs.map((o) => code(o.validation)));
  });

  it('a batch whose transaction fails stores nothing, hands nothing on, and says STORE_ERROR for each message', () => {
    const a = setup();
    const real = a.store.commitments.insert.bind(a.store.commitments);
    let n = 0;
    a.store.commitments.insert = (row) => {
      if (++n === 2) throw new Error('disk I/O error (injected)');
      return real(row);
    };
    const outs = a.ingest.ingestBatch(
      [a.bytes[0], a.bytes[1], a.bytes[2]].map((bytes) => ({
        kind: 'commitment' as const,
        bytes: bytes as Uint8Array,
        opts: { source: 'gossip' as const, peer: 'p' },
      })),
    );
    expect(outs.map((o) => code(o.validation))).toEqual(['STORE_ERROR', 'STORE_ERROR', 'STORE_ERROR']);
    expect(a.handed).toEqual([]);
    expect(a.store.commitments.count()).toBe(0);
  });
});
