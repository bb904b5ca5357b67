import {
  breachIdOf,
  certificateHash,
  decodeCertificate,
  decodeSignedEvidence,
  statementBytes,
  toHex,
} from '@pausenet/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { commitment, nobleVerify, SimNet } from './helpers/agreement-net.js';

const nets: SimNet[] = [];
afterEach(async () => {
  for (const n of nets.splice(0)) await n.stop();
});

/** Asserts every node stores a certificate at `height` with one statement and one group signature; returns each node's hash. */
function sameCertificate(n: SimNet, height: number): string[] {
  const certs = n.nodes.map((x) => {
    const row = x.store.certificates.get(height);
    if (!row) throw new Error(`node ${x.id} has no certificate at height ${height}`);
    expect(toHex(certificateHash(decodeCertificate(row.bytes)))).toBe(toHex(row.hash));
    return { hash: toHex(row.hash), cert: decodeCertificate(row.bytes) };
  });
  const first = certs[0]?.cert;
  for (const { cert } of certs) {
    expect({ height: cert.height, target: cert.target, signature: toHex(cert.signature) }).toEqual({
      height,
      target: first?.target,
      signature: toHex(first?.signature ?? new Uint8Array()),
    });
  }
  // One certificate id everywhere: the id excludes the (advisory) signer list.
  expect(new Set(certs.map((c) => c.hash)).size).toBe(1);
  return certs.map((c) => c.hash);
}

async function net(opts: ConstructorParameters<typeof SimNet>[0] = {}): Promise<SimNet> {
  const n = new SimNet(opts);
  nets.push(n);
  return n.start();
}

describe('pause agreement (4 members, t=3, 1 observer, loopback gossip)', () => {
  it('over-cap commitment -> every node PAUSED at height 1 with the same certificate; hooks fire once; resume by 3 approvals', async () => {
    const n = await net({ labs: 4, observers: 1 });
    const [l1, l2, l3, l4] = n.labs;
    if (!l1 || !l2 || !l3 || !l4) throw new Error('labs');
    const t0 = performance.now();
    const over = commitment(n.genesis, n.networkId, l4, { metrics: { trainingFlop: 10n ** 27n } });
    await n.publish(4, 'commitment', over);
    await n.until(() => n.nodes.every((x) => x.agreement.status().height === 1), 'all nodes at height 1');
    const pauseMs = performance.now() - t0;

    // The same certificate everywhere: statement + the unique group signature (the signer list is
    // advisory; nodes prefer the lowest-index signers, so it normally matches too).
    const hashes1 = sameCertificate(n, 1);
    const first = n.node(1).store.certificates.get(1);
    if (!first) throw new Error('no certificate');
    const cert = decodeCertificate(first.bytes);
    expect(cert.target).toBe('PAUSED');
    expect(cert.signers.length).toBe(3);
    expect([...cert.signers].sort()).toEqual(cert.signers);
    // Independent BLS library, given only the group key and the statement bytes.
    const dkg = n.genesis.dkg;
    if (!dkg) throw new Error('dkg');
    expect(
      nobleVerify(
        dkg.groupPublicKey,
        statementBytes({ networkId: n.networkId, height: 1, target: 'PAUSED', step: 'up', resolves: [] }),
        cert.signature,
      ),
    ).toBe(true);
    expect(
      nobleVerify(
        dkg.groupPublicKey,
        statementBytes({ networkId: n.networkId, height: 1, target: 'RUNNING', step: 'down', resolves: [] }),
        cert.signature,
      ),
    ).toBe(false);

    for (const x of n.nodes) {
      const s = x.agreement.status();
      expect(s.state).toBe('PAUSED');
      expect(s.threshold).toBe(3);
      expect(s.since).not.toBeNull();
    }
    // The breach evidence (each member that saw the commitment first files its own) is stored everywhere.
    const evidenceSets = n.nodes.map((x) =>
      x.store.evidence
        .list()
        .map((r) => toHex(r.hash))
        .sort()
        .join(),
    );
    expect(new Set(evidenceSets).size).toBe(1);
    for (const r of n.node(5).store.evidence.list()) {
      expect(decodeSignedEvidence(r.bytes).evidence.kind).toBe('cap-exceeded');
    }
    expect(n.node(5).store.evidence.list().length).toBeGreaterThanOrEqual(1);
    // Each member's hook fired exactly once, for this certificate; the observer runs none.
    for (const id of [1, 2, 3, 4]) expect(n.hookLines(id)).toEqual([`halt 1 ${hashes1[id - 1]}`]);
    expect(n.node(5).runner).toBeNull();
    expect(n.node(1).agreement.status().hooks).toEqual([
      { height: 1, action: 'halt', hook: 'log', status: 'ok', attempts: 1, lastError: null, reasserts: 0 },
    ]);
    // The one breach the over-cap commitment proves, acted on by the pause certificate everywhere.
    const breach = breachIdOf(decodeSignedEvidence(n.node(1).store.evidence.list()[0]!.bytes).evidence);
    for (const x of n.nodes)
      expect(x.store.breaches.open().map((b) => [toHex(b.id), b.actedOnHeight])).toEqual([
        [toHex(breach), 1],
      ]);
    // Resume: operators see the pending approval, 3 approve.
    expect(n.node(1).agreement.status().approvals).toEqual([
      { height: 2, target: 'RUNNING', step: 'down', approved: false, breaches: [] },
    ]);
    expect(await n.node(5).agreement.approve(2, 'RUNNING')).toMatchObject({
      signed: false,
      refused: 'CANNOT_VOTE',
    });
    expect(await n.node(1).agreement.approve(2, 'PAUSED')).toMatchObject({
      signed: false,
      refused: 'WRONG_TARGET',
    });
    expect(await n.node(1).agreement.approve(3, 'PAUSED')).toMatchObject({
      signed: false,
      refused: 'NOT_OPEN_HEIGHT',
    });
    // The first resume approval names every open breach; the next adopts the pending vote's set.
    expect(await n.node(1).agreement.approve(2, 'RUNNING')).toMatchObject({
      signed: true,
      source: 'open-breaches',
      breaches: [{ id: toHex(breach), kind: 'cap-exceeded', lab: l4.id, status: 'open' }],
      leftOpen: 0,
    });
    await n.settle();
    expect(await n.node(2).agreement.approve(2, 'RUNNING')).toMatchObject({
      signed: true,
      source: 'pending-vote',
      voters: [l1.id],
    });
    await n.settle();
    expect(n.nodes.every((x) => x.agreement.status().height === 1)).toBe(true);
    expect(n.node(4).agreement.status().pendingVotes).toEqual([
      {
        height: 2,
        target: 'RUNNING',
        step: 'down',
        resolves: [toHex(breach)],
        voters: [l1.id, l2.id],
        needed: 3,
      },
    ]);
    expect(await n.node(3).agreement.approve(2, 'RUNNING')).toMatchObject({ signed: true });
    await n.until(
      () => n.nodes.every((x) => x.agreement.status().state === 'RUNNING'),
      'all RUNNING at height 2',
    );
    const c2 = n.node(5).store.certificates.get(2);
    if (!c2) throw new Error('no certificate 2');
    expect(
      nobleVerify(
        dkg.groupPublicKey,
        statementBytes({
          networkId: n.networkId,
          height: 2,
          target: 'RUNNING',
          step: 'down',
          resolves: [breach],
        }),
        decodeCertificate(c2.bytes).signature,
      ),
    ).toBe(true);
    expect(decodeCertificate(c2.bytes).resolves).toEqual([breach]);
    for (const x of n.nodes) {
      expect(x.store.breaches.open()).toEqual([]);
      expect(x.store.breaches.get(breach)?.resolvedHeight).toBe(2);
    }
    const hashes2 = sameCertificate(n, 2);
    for (const id of [1, 2, 3, 4])
      expect(n.hookLines(id)).toEqual([`halt 1 ${hashes1[id - 1]}`, `resume 2 ${hashes2[id - 1]}`]);
    console.info(
      `[agreement] in-process 4 labs: over-cap commitment -> all PAUSED + hooks in ${pauseMs.toFixed(0)} ms`,
    );
  });

  it('equivocation -> pause, and the fraud proof is stored by every node and the observer', async () => {
    const n = await net({ labs: 4, observers: 1 });
    const l2 = n.labs[1];
    if (!l2) throw new Error('labs');
    const a = commitment(n.genesis, n.networkId, l2, { metrics: { acceleratorHours: 1n } });
    const b = commitment(n.genesis, n.networkId, l2, { metrics: { acceleratorHours: 2n } });
    expect(await n.publish(2, 'commitment', a)).toEqual({ ok: true });
    await n.settle();
    // The fork arrives at node 3 only (e.g. lab 2 showed it a different chain).
    await n.ingest(3, 'commitment', b);
    await n.until(() => n.nodes.every((x) => x.agreement.status().state === 'PAUSED'), 'all PAUSED');
    for (const x of n.nodes) {
      const ev = x.store.evidence.list().map((r) => decodeSignedEvidence(r.bytes).evidence);
      expect(ev.length).toBe(1);
      const e = ev[0];
      if (e?.kind !== 'equivocation') throw new Error(`expected equivocation evidence on node ${x.id}`);
      expect(e.a.commitment.lab).toBe(l2.id);
      expect(new Set([toHex(e.a.signature), toHex(e.b.signature)])).toEqual(
        new Set([toHex(a.signature), toHex(b.signature)]),
      );
      expect(x.agreement.status().height).toBe(1);
    }
  });

  it('with only 2 of 4 members connected no certificate forms; once the rest connect the pause completes', async () => {
    const n = await net({ labs: 4, observers: 1, connected: [1, 2] });
    const l4 = n.labs[3];
    if (!l4) throw new Error('labs');
    await n.publish(
      1,
      'commitment',
      commitment(n.genesis, n.networkId, l4, { metrics: { maxParams: 10n ** 14n } }),
    );
    await n.settle();
    await new Promise((r) => setTimeout(r, 300)); // several re-publish rounds: still only 2 partials
    await n.settle();
    for (const x of n.nodes) expect(x.agreement.status().height).toBe(0);
    expect(n.node(1).agreement.status().pendingVotes).toEqual([
      { height: 1, target: 'PAUSED', step: 'up', resolves: [], voters: ['lab-a', 'lab-b'], needed: 3 },
    ]);
    expect(n.node(3).store.evidence.list()).toEqual([]);
    await n.connect(3, 4);
    await n.until(() => n.nodes.every((x) => x.agreement.status().height === 1), 'pause after healing');
    const hashes = sameCertificate(n, 1);
    for (const id of [1, 2, 3, 4]) expect(n.hookLines(id)).toEqual([`halt 1 ${hashes[id - 1]}`]);
  });

  it('certificates are applied by observers without voting; the certificate hash keys the hook journal', async () => {
    const n = await net({ labs: 4, observers: 1 });
    const l1 = n.labs[0];
    if (!l1) throw new Error('labs');
    await n.publish(
      1,
      'commitment',
      commitment(n.genesis, n.networkId, l1, { metrics: { datasetTokens: 10n ** 15n } }),
    );
    await n.until(() => n.node(5).agreement.status().state === 'PAUSED', 'observer PAUSED');
    expect(n.node(5).published.filter((p) => p.kind === 'vote')).toEqual([]);
    expect(n.node(5).agreement.status().hooks).toEqual([]);
    expect(n.node(5).agreement.status().approvals).toEqual([]);
    const row = n.node(5).store.certificates.get(1);
    if (!row) throw new Error('no cert');
    expect(toHex(certificateHash(decodeCertificate(row.bytes)))).toBe(toHex(row.hash));
    expect(
      n
        .node(1)
        .store.hookJournal.entriesFor(toHex(row.hash))
        .map((e) => e.status),
    ).toEqual(['ok']);
  });
});
