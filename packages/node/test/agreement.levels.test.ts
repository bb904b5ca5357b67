import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blsSign } from '@pausenet/crypto';
import {
  certificateHash,
  encodeCertificate,
  encodeSignedVote,
  signVote,
  statementBytes,
  toHex,
} from '@pausenet/protocol';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../src/store/migrations.js';
import { Store } from '../src/store/store.js';
import { commitment, groupCertificate, makeAgreementGenesis, SimNet } from './helpers/agreement-net.js';

/**
 * Levels on the node (docs/protocol.md "Levels"): several certificates at one height (REDUCED, then PAUSED:
 * escalation dominates within a height), stored per (height, level, step), the highest applied; slashing
 * protection per (height, level, step) with the signing rule. Real SQLite stores, the node's ingest path.
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

describe('levels: several certificates at one height', () => {
  it('a valid REDUCED then a valid PAUSED certificate at height 1: both stored, PAUSED applied, its halt hook runs', async () => {
    // Only node 1 and the observer take part: the certificates come in from outside (gossip).
    const n = await net({ labs: 4, observers: 1, connected: [] });
    const reduced = groupCertificate(n, { height: 1, target: 'REDUCED', step: 'up' });
    const paused = groupCertificate(n, { height: 1, target: 'PAUSED', step: 'up' });
    for (const id of [1, 5]) {
      expect(await n.ingest(id, 'certificate', reduced)).toEqual({ ok: true });
      await n.until(() => n.node(id).agreement.level === 'REDUCED', `node ${id} REDUCED`);
      expect(await n.ingest(id, 'certificate', paused)).toEqual({ ok: true });
      await n.until(() => n.node(id).agreement.level === 'PAUSED', `node ${id} PAUSED`);
      const node = n.node(id);
      expect(node.agreement.height).toBe(1);
      expect(node.store.certificates.atHeight(1).map((r) => r.hash.length > 0 && toHex(r.hash))).toEqual([
        toHex(certificateHash(reduced)),
        toHex(certificateHash(paused)),
      ]);
      expect(node.store.pauseState.get()).toMatchObject({
        height: 1,
        state: 'PAUSED',
        certificateHash: certificateHash(paused),
      });
      const status = node.agreement.status();
      expect({ height: status.height, state: status.state }).toEqual({ height: 1, state: 'PAUSED' });
      // The same certificates again: duplicates, nothing changes.
      expect((await n.ingest(id, 'certificate', reduced)).ok).toBe(false);
      expect((await n.ingest(id, 'certificate', paused)).ok).toBe(false);
      expect(node.agreement.level).toBe('PAUSED');
    }
    // The member's hooks: the halt of PAUSED@1 ran (it supersedes the reduce if that had not finished).
    await n.until(
      () => n.hookLines(1).includes(`halt 1 ${toHex(certificateHash(paused))}`),
      'halt hook of PAUSED@1',
    );
  });

  it('after a restart the node is at the highest level certified at its height and re-asserts it', async () => {
    const n = await net({ labs: 4, observers: 0, connected: [] });
    const reduced = groupCertificate(n, { height: 1, target: 'REDUCED', step: 'up' });
    const paused = groupCertificate(n, { height: 1, target: 'PAUSED', step: 'up' });
    expect(await n.ingest(1, 'certificate', reduced)).toEqual({ ok: true });
    expect(await n.ingest(1, 'certificate', paused)).toEqual({ ok: true });
    const halt = `halt 1 ${toHex(certificateHash(paused))}`;
    await n.until(() => n.hookLines(1).includes(halt), 'halt hook of PAUSED@1');
    const before = n.hookLines(1).filter((l) => l === halt).length;
    const again = await n.restart(1);
    expect({ height: again.agreement.height, level: again.agreement.level }).toEqual({
      height: 1,
      level: 'PAUSED',
    });
    // Re-assert on start runs the halt of the applied PAUSED certificate again (never the reduce).
    await n.until(() => n.hookLines(1).filter((l) => l === halt).length > before, 're-asserted halt');
    expect(n.hookLines(1).at(-1)).toBe(halt);
  });

  it('a REDUCED-level breach then a PAUSED-level breach: every member signs REDUCED@1 then PAUSED@1, all end PAUSED@1', async () => {
    const n = await net({ labs: 4, observers: 1, levels: { caps: { datasetTokens: 'REDUCED' } } });
    const [l1, l2] = n.labs;
    if (!l1 || !l2) throw new Error('labs');
    await n.publish(
      1,
      'commitment',
      commitment(n.genesis, n.networkId, l1, { metrics: { datasetTokens: 10n ** 15n } }),
    );
    await n.until(() => n.nodes.every((x) => x.agreement.level === 'REDUCED'), 'all nodes REDUCED@1');
    await n.publish(
      2,
      'commitment',
      commitment(n.genesis, n.networkId, l2, { metrics: { trainingFlop: 10n ** 27n } }),
    );
    await n.until(() => n.nodes.every((x) => x.agreement.level === 'PAUSED'), 'all nodes PAUSED@1');
    for (const x of n.nodes) {
      expect(x.agreement.height).toBe(1);
      expect(x.store.certificates.atHeight(1).map((r) => r.target)).toEqual(['REDUCED', 'PAUSED']);
    }
    for (const x of n.nodes.filter((y) => y.lab !== null)) {
      // The slashing record holds both statements of height 1, in the order they were signed.
      expect(x.store.signedHeights.signedAt(1).map((s) => `${s.step} ${s.target}`)).toEqual([
        'up REDUCED',
        'up PAUSED',
      ]);
    }
  });
});

describe('levels: a real conflict', () => {
  it('a second, different step down at one (height, level) is K_CONFLICT and changes nothing', async () => {
    const n = await net({ labs: 4, observers: 0, connected: [] });
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    const c = new Uint8Array(32).fill(3);
    expect(
      await n.ingest(1, 'certificate', groupCertificate(n, { height: 1, target: 'PAUSED', step: 'up' })),
    ).toEqual({
      ok: true,
    });
    const downA = groupCertificate(n, { height: 2, target: 'REDUCED', step: 'down', resolves: [a] });
    expect(await n.ingest(1, 'certificate', downA)).toEqual({ ok: true });
    expect(n.node(1).agreement.level).toBe('REDUCED');
    // Another step down to REDUCED at height 2 (another resolved set): two t-sets signed one (height, level).
    const downB = groupCertificate(n, { height: 2, target: 'REDUCED', step: 'down', resolves: [b] });
    expect(await n.ingest(1, 'certificate', downB)).toMatchObject({ ok: false, code: 'K_CONFLICT' });
    // The escalation at height 2 still applies; after it, a rival of the (now dominated) step down is a conflict
    // in the store: it is never stored, and what it resolves is not recorded.
    const up = groupCertificate(n, { height: 2, target: 'PAUSED', step: 'up' });
    expect(await n.ingest(1, 'certificate', up)).toEqual({ ok: true });
    const downC = groupCertificate(n, { height: 2, target: 'REDUCED', step: 'down', resolves: [c] });
    expect(await n.ingest(1, 'certificate', downC)).toMatchObject({ ok: false, code: 'K_CONFLICT' });
    await n.settle();
    const node = n.node(1);
    expect({ height: node.agreement.height, level: node.agreement.level }).toEqual({
      height: 2,
      level: 'PAUSED',
    });
    expect(node.store.certificates.atHeight(2).map((r) => toHex(r.hash))).toEqual([
      toHex(certificateHash(downA)),
      toHex(certificateHash(up)),
    ]);
    expect(node.store.breaches.resolved().map((r) => toHex(r.id))).toEqual([toHex(a)]);
  });
});

describe('levels: approvals', () => {
  it('a step-down approval to REDUCED names exactly one set (a second replaces it); escalation approvals add up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pn-levels-appr-'));
    const s = Store.open(dir);
    try {
      const a = new Uint8Array(32).fill(1);
      const b = new Uint8Array(32).fill(2);
      s.approvals.approve(2, 'REDUCED', 'down', [a], 1);
      s.approvals.approve(2, 'REDUCED', 'down', [b], 2);
      s.approvals.approve(3, 'REDUCED', 'up', [a], 3);
      s.approvals.approve(3, 'REDUCED', 'up', [b], 4);
      expect(s.approvals.above(1).map((x) => [x.height, x.target, x.breaches.map(toHex)])).toEqual([
        [2, 'REDUCED', [toHex(b)]],
        [3, 'REDUCED', [toHex(a), toHex(b)]],
      ]);
    } finally {
      s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('levels: migration 4', () => {
  it('a version-3 store keeps its certificate, slashing record, pause state and journal, keyed per (height, level, step)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pn-levels-mig-'));
    try {
      const g = makeAgreementGenesis(4);
      const lab = g.labs[0];
      if (lab === undefined) throw new Error('labs');
      const cert = groupCertificate(g, { height: 1, target: 'PAUSED', step: 'up' });
      const hash = certificateHash(cert);
      const st = {
        networkId: g.networkId,
        height: 2,
        target: 'RUNNING' as const,
        step: 'down' as const,
        resolves: [],
      };
      const vote = encodeSignedVote(
        signVote(
          {
            ...st,
            voter: lab.id,
            partial: blsSign(g.shares[0] as Uint8Array, statementBytes(st)),
            evidence: [],
            breaches: [],
            issuedAt: 5,
          },
          lab.secretKey,
        ),
      );
      // A store as version 3 left it (the schema of migrations 1-3, rows written as that code wrote them).
      Store.open(dir, { migrations: migrations.slice(0, 3) }).close();
      const db = new Database(join(dir, 'pausenet.db'));
      db.prepare('INSERT INTO certificates (height, hash, bytes, received_at) VALUES (1, ?, ?, 3)').run(
        hash,
        encodeCertificate(cert),
      );
      db.prepare("INSERT INTO signed_heights VALUES (2, 'RUNNING', ?, ?, 4)").run(statementBytes(st), vote);
      db.prepare("UPDATE pause_state SET height = 1, state = 'PAUSED', since = 3, certificate_hash = ?").run(
        hash,
      );
      db.prepare(
        "INSERT INTO hook_journal (certificate_hash, hook_name, height, action, status, attempts, updated_at) VALUES (?, 'log', 1, 'halt', 'ok', 1, 3)",
      ).run(toHex(hash));
      db.close();

      const s = Store.open(dir);
      try {
        expect(s.schemaVersion()).toBe(4);
        expect(
          s.certificates.atHeight(1).map((r) => ({ target: r.target, step: r.step, hash: toHex(r.hash) })),
        ).toEqual([{ target: 'PAUSED', step: 'up', hash: toHex(hash) }]);
        expect(
          s.signedHeights.signedAt(2).map((r) => ({ target: r.target, step: r.step, vote: toHex(r.vote) })),
        ).toEqual([{ target: 'RUNNING', step: 'down', vote: toHex(vote) }]);
        expect(s.pauseState.get()).toEqual({ height: 1, state: 'PAUSED', since: 3, certificateHash: hash });
        expect(s.hookJournal.entriesFor(toHex(hash)).map((e) => e.status)).toEqual(['ok']);
        // What version 3 could not hold: REDUCED, a second certificate at a height, the reduce action.
        s.transaction(() => {
          s.pauseState.set({ height: 1, state: 'REDUCED', since: 6, certificateHash: hash });
          s.hookJournal.recordPending({ certificateHash: 'cc', height: 1, action: 'reduce' }, ['log'], 6);
        });
        expect(s.pauseState.get().state).toBe('REDUCED');
        expect(
          s.certificates.insert({
            height: 1,
            target: 'REDUCED',
            step: 'up',
            hash: new Uint8Array(32),
            bytes: new Uint8Array(1),
            receivedAt: 7,
          }),
        ).toBe('inserted');
      } finally {
        s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
