import { mkdirSync, rmdirSync } from 'node:fs';
import {
  certificateHash,
  decodeSignedReceipt,
  type Receipt,
  receiptHash,
  signReceipt,
  toHex,
} from '@pausenet/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { groupCertificate, SimNet } from './helpers/agreement-net.js';

/**
 * Receipts on the node (docs/protocol.md "Receipts"): each member signs one after its hooks ran for an
 * applied certificate; ingest stores valid ones and refuses the rest with their R_* code. Real SQLite stores,
 * real exec hooks, the node's ingest path.
 */

const nets: SimNet[] = [];
afterEach(async () => {
  for (const n of nets.splice(0)) await n.stop();
});

async function net(opts: ConstructorParameters<typeof SimNet>[0] = {}): Promise<SimNet> {
  const n = new SimNet(opts);
  nets.push(n);
  return n.start();
}

describe('receipts', () => {
  it('each member receipts the certificate its hooks applied, with each hook outcome; every node stores all of them', async () => {
    const n = await net({ labs: 4, observers: 1 });
    const cert = groupCertificate(n, { height: 1, target: 'PAUSED', step: 'up' });
    const hash = certificateHash(cert);
    expect(await n.publish(1, 'certificate', cert)).toEqual({ ok: true });
    await n.until(
      () => n.nodes.every((x) => x.store.receipts.forCertificate(hash).length === 4),
      'four receipts on every node',
    );
    for (const x of n.nodes) {
      const labs = x.store.receipts.forCertificate(hash).map((r) => decodeSignedReceipt(r.bytes).receipt);
      expect(labs.map((r) => r.lab).sort()).toEqual(n.labs.map((l) => l.id));
      for (const r of labs) {
        expect({ height: r.height, target: r.target, hooks: r.hooks }).toEqual({
          height: 1,
          target: 'PAUSED',
          hooks: [{ name: 'log', outcome: 'ok', attempts: 1 }],
        });
        expect(r.hooksDoneAt).toBeLessThanOrEqual(r.issuedAt);
      }
      const status = x.agreement.status().receipts;
      expect(status?.labs.map((l) => l.status)).toEqual(['confirmed', 'confirmed', 'confirmed', 'confirmed']);
    }
    // The observer runs no hooks and signs no receipt.
    expect(n.node(5).published.filter((p) => p.kind === 'receipt')).toEqual([]);
  });

  it('bad receipts get a typed verdict and are never stored; a later receipt of a lab is kept, an older one not', async () => {
    const n = await net({ labs: 4, observers: 0, connected: [] });
    const cert = groupCertificate(n, { height: 1, target: 'PAUSED', step: 'up' });
    const hash = certificateHash(cert);
    const [a, b] = n.labs;
    if (!a || !b) throw new Error('labs');
    const base: Receipt = {
      networkId: n.networkId,
      lab: b.id,
      height: 1,
      target: 'PAUSED',
      certificateHash: hash,
      hooksDoneAt: Date.now() - 10_000,
      hooks: [{ name: 'halt', outcome: 'failed', attempts: 3 }],
      schedulerDigest: new Uint8Array(32),
      issuedAt: Date.now() - 5_000,
    };
    const store = n.node(1).store;
    // Before the certificate is held: ignored, not stored (sync fetches certificates first).
    expect(await n.ingest(1, 'receipt', signReceipt(base, b.secretKey))).toMatchObject({
      ok: false,
      code: 'R_UNKNOWN_CERTIFICATE',
    });
    expect(await n.ingest(1, 'certificate', cert)).toEqual({ ok: true });
    await n.settle();
    const own = store.receipts.forCertificate(hash).map((r) => decodeSignedReceipt(r.bytes).receipt.lab);
    expect(own).toEqual([a.id]); // node 1's own receipt
    // A lab cannot receipt for another: lab-b's receipt signed with lab-a's key.
    expect(await n.ingest(1, 'receipt', signReceipt(base, a.secretKey))).toMatchObject({
      ok: false,
      action: 'reject',
      code: 'R_SIGNATURE',
    });
    // A non-member.
    expect(await n.ingest(1, 'receipt', signReceipt({ ...base, lab: 'lab-z' }, b.secretKey))).toMatchObject({
      ok: false,
      action: 'reject',
      code: 'R_MEMBER',
    });
    // The wrong level for the certificate it names.
    expect(
      await n.ingest(1, 'receipt', signReceipt({ ...base, target: 'REDUCED' }, b.secretKey)),
    ).toMatchObject({ ok: false, action: 'reject', code: 'R_CERTIFICATE' });
    expect(store.receipts.count()).toBe(1);

    // lab-b's receipt with a failed hook: stored, shown as failing on this node.
    const first = signReceipt(base, b.secretKey);
    expect(await n.ingest(1, 'receipt', first)).toEqual({ ok: true });
    expect(await n.ingest(1, 'receipt', first)).toMatchObject({ ok: false, code: 'DUPLICATE' });
    const labB = () =>
      n
        .node(1)
        .agreement.status()
        .receipts?.labs.find((l) => l.lab === b.id);
    expect(labB()).toMatchObject({ status: 'failing', failed: ['halt'] });
    // An older one is not kept; a newer one (the hook later succeeded) is, and decides the status.
    const older = signReceipt({ ...base, issuedAt: base.issuedAt - 1 }, b.secretKey);
    expect(await n.ingest(1, 'receipt', older)).toMatchObject({ ok: false, code: 'R_SUPERSEDED' });
    const later = signReceipt(
      { ...base, hooks: [{ name: 'halt', outcome: 'ok', attempts: 4 }], issuedAt: base.issuedAt + 1 },
      b.secretKey,
    );
    expect(await n.ingest(1, 'receipt', later)).toEqual({ ok: true });
    expect(labB()).toMatchObject({ status: 'confirmed', receipt: toHex(receiptHash(later)) });
    expect(store.receipts.count()).toBe(3);
  });

  it('a hook that failed is receipted as failing; once a retry after a restart makes it ok, a newer receipt says so', async () => {
    const n = await net({ labs: 4, observers: 0, connected: [] });
    const cert = groupCertificate(n, { height: 1, target: 'PAUSED', step: 'up' });
    const hash = certificateHash(cert);
    const lab = n.labs[0]?.id;
    // The exec hook appends to its log file: a directory in its place makes every attempt fail.
    mkdirSync(n.node(1).hookLog);
    expect(await n.ingest(1, 'certificate', cert)).toEqual({ ok: true });
    const own = () =>
      n
        .node(1)
        .store.receipts.forCertificate(hash)
        .map((r) => decodeSignedReceipt(r.bytes).receipt)
        .filter((r) => r.lab === lab)
        .sort((a, b) => a.issuedAt - b.issuedAt);
    await n.until(() => own().length === 1, 'the failing receipt');
    expect(own()[0]?.hooks).toMatchObject([{ name: 'log', outcome: 'failed' }]);
    expect(n.node(1).agreement.status().receipts?.labs[0]).toMatchObject({
      status: 'failing',
      failed: ['log'],
    });

    rmdirSync(n.node(1).hookLog);
    await n.restart(1);
    await n.until(() => own().length === 2, 'a newer receipt after the retry');
    expect(own().map((r) => r.hooks[0]?.outcome)).toEqual(['failed', 'ok']);
    expect(n.node(1).agreement.status().receipts?.labs[0]).toMatchObject({ status: 'confirmed' });
    // A further restart with nothing changed signs nothing new.
    await n.restart(1);
    await n.settle();
    expect(own().length).toBe(2);
  });
});
