import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Level, Step } from '@pausenet/protocol';
import { TempDirs } from '@pausenet/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import type { Migration } from '../../src/store/migrations.js';
import { migrations } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';

const dirs = new TempDirs();
const open: Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  dirs.cleanup();
});
function tmp(): string {
  return dirs.make('pn-store-');
}
function openStore(dir: string, opts = {}): Store {
  const s = Store.open(dir, opts);
  open.push(s);
  return s;
}
const h = (b: number) => new Uint8Array(32).fill(b);
const row = (lab: string, seq: number, b: number) => ({
  lab,
  seq,
  epoch: seq,
  hash: h(b),
  bytes: new Uint8Array([b, b]),
  receivedAt: 1,
});

function fillCommitments(s: Store, n: number): void {
  for (let i = 0; i < n; i++)
    s.commitments.insert({
      ...row('lab-a', i, i % 250),
      hash: new Uint8Array(32).fill(0).map((_, j) => (j === 0 ? i % 256 : j === 1 ? i >> 8 : 7)),
      bytes: new Uint8Array(300).fill(i % 256),
    });
}

describe('Store (SQLite, WAL, synchronous=FULL)', () => {
  it('creates the schema with migration 1, WAL and synchronous=FULL', () => {
    const s = openStore(tmp());
    expect(s.schemaVersion()).toBe(migrations.length);
    expect(s.pragma('journal_mode')).toBe('wal');
    expect(s.pragma('synchronous')).toBe(2); // FULL
    const tables = s.tables();
    expect(tables).toEqual(
      expect.arrayContaining(['meta', 'commitments', 'evidence', 'votes', 'certificates', 'peers']),
    );
  });

  it('insert semantics: duplicate vs conflict for commitments and certificates; evidence/votes once', () => {
    const s = openStore(tmp());
    expect(s.commitments.insert(row('lab-a', 0, 1))).toBe('inserted');
    expect(s.commitments.insert(row('lab-a', 0, 1))).toBe('duplicate');
    expect(s.commitments.insert(row('lab-a', 0, 2))).toBe('conflict');
    expect(s.commitments.insert(row('lab-a', 1, 3))).toBe('inserted');
    expect(s.commitments.last('lab-a')?.seq).toBe(1);
    expect(s.commitments.heads()).toEqual([{ lab: 'lab-a', seq: 1, hash: h(3) }]);
    expect(s.commitments.range('lab-a', 0, 10, 1).map((r) => r.seq)).toEqual([0]);
    expect(s.commitments.insert(row('lab-b', 0, 4))).toBe('inserted');
    expect(s.commitments.count('lab-a', { from: 1, to: 5 })).toBe(1);
    expect(s.commitments.count('lab-a', { from: 0, to: 1 })).toBe(2);
    expect(s.commitments.count(undefined, { from: 0, to: 0 })).toBe(2);
    expect(s.commitments.count('lab-a')).toBe(2);
    const cert = (height: number, target: Level, step: Step, b: number) => ({
      height,
      target,
      step,
      hash: h(b),
      bytes: h(b),
      receivedAt: 1,
    });
    expect(s.certificates.insert(cert(1, 'PAUSED', 'up', 9))).toBe('inserted');
    expect(s.certificates.insert(cert(1, 'PAUSED', 'up', 9))).toBe('duplicate');
    expect(s.certificates.insert(cert(1, 'PAUSED', 'up', 8))).toBe('conflict');
    // One row per (height, target, step): an escalation at the same height is its own row.
    expect(s.certificates.insert(cert(1, 'REDUCED', 'up', 7))).toBe('inserted');
    expect(s.certificates.insert(cert(2, 'REDUCED', 'down', 6))).toBe('inserted');
    // At most one step down per height, whatever its level.
    expect(s.certificates.insert(cert(2, 'RUNNING', 'down', 5))).toBe('conflict');
    expect(s.certificates.height()).toBe(2);
    expect(s.certificates.atHeight(1).map((r) => r.target)).toEqual(['REDUCED', 'PAUSED']);
    expect(s.certificates.get(1)?.target).toBe('PAUSED');
    expect(s.certificates.range(1, 2, 10).map((r) => `${r.height} ${r.step} ${r.target}`)).toEqual([
      '1 up REDUCED',
      '1 up PAUSED',
      '2 down REDUCED',
    ]);
    expect(s.evidence.insert({ hash: h(5), kind: 'report', bytes: h(5), receivedAt: 1 })).toBe(true);
    expect(s.evidence.insert({ hash: h(5), kind: 'report', bytes: h(5), receivedAt: 1 })).toBe(false);
    expect(s.votes.insert({ height: 1, target: 'PAUSED', voter: 'lab-a', bytes: h(1), receivedAt: 1 })).toBe(
      true,
    );
    expect(s.votes.insert({ height: 1, target: 'PAUSED', voter: 'lab-a', bytes: h(2), receivedAt: 1 })).toBe(
      false,
    );
    s.peers.upsert({ peerId: 'p1', lab: 'lab-a', addrs: ['/ip4/127.0.0.1/tcp/1'], lastSeen: 5 });
    expect(s.peers.list(10)).toEqual([
      { peerId: 'p1', lab: 'lab-a', addrs: ['/ip4/127.0.0.1/tcp/1'], lastSeen: 5 },
    ]);
  });

  it('peers: non-member rows are pruned to the most recently seen; member rows stay; reads are bounded', () => {
    const s = openStore(tmp());
    s.peers.upsert({ peerId: 'member', lab: 'lab-a', addrs: [], lastSeen: 0 });
    for (let i = 0; i < 50; i++) s.peers.upsert({ peerId: `p${i}`, lab: null, addrs: [], lastSeen: 100 + i });
    expect(s.peers.prune(8)).toBe(42);
    const rows = s.peers.list(100);
    expect(rows.map((r) => r.peerId)).toEqual([
      'member',
      ...[49, 48, 47, 46, 45, 44, 43, 42].map((i) => `p${i}`),
    ]);
    expect(s.peers.list(3)).toHaveLength(3);
    expect(s.peers.list(1)[0]?.peerId).toBe('member');
  });

  it('survives close + reopen with everything intact', () => {
    const dir = tmp();
    const a = Store.open(dir);
    a.commitments.insert(row('lab-b', 0, 4));
    a.meta.set('networkId', 'ab');
    a.close();
    const b = openStore(dir);
    expect(b.commitments.get('lab-b', 0)?.hash).toEqual(h(4));
    expect(b.meta.get('networkId')).toBe('ab');
  });

  it('applies appended migrations in order and refuses a schema newer than the code', () => {
    const dir = tmp();
    Store.open(dir).close();
    const extra: Migration = {
      version: migrations.length + 1,
      name: 'test-extra',
      up: (db) => db.exec('CREATE TABLE extra (x INTEGER) STRICT'),
    };
    const s = Store.open(dir, { migrations: [...migrations, extra] });
    expect(s.schemaVersion()).toBe(migrations.length + 1);
    s.close();
    let err: unknown;
    try {
      Store.open(dir).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('UNSUPPORTED_SCHEMA');
  });

  it('a failing migration rolls back and names itself', () => {
    const bad: Migration = {
      version: migrations.length + 1,
      name: 'broken',
      up: (db) => db.exec('CREATE TABLE nope (; garbage'),
    };
    expect(() => Store.open(tmp(), { migrations: [...migrations, bad] })).toThrowError(
      /migration \d+ \(broken\) failed/,
    );
  });

  it('a corrupt file gives StoreError CORRUPT naming the file and what to do; nothing is reset', () => {
    const dir = tmp();
    Store.open(dir).close();
    const file = join(dir, 'pausenet.db');
    writeFileSync(file, Buffer.alloc(8192, 0x41));
    let err: unknown;
    try {
      Store.open(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('CORRUPT');
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/backup/);
    expect(readFileSync(file).equals(Buffer.alloc(8192, 0x41))).toBe(true); // untouched
    expect(existsSync(join(dir, 'pausenet.lock'))).toBe(false); // lock released on failure
  });

  it('a truncated file (half its pages, or zero bytes) gives StoreError CORRUPT', () => {
    const dir = tmp();
    const s = Store.open(dir);
    s.transaction(() => fillCommitments(s, 400));
    s.checkpoint();
    s.close();
    const file = join(dir, 'pausenet.db');
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(16_384);
    truncateSync(file, Math.floor(size / 2 / 4096) * 4096);
    expect(() => Store.open(dir)).toThrowError(StoreError);
    expect(() => Store.open(dir)).toThrowError(/corrupt or truncated/);
    truncateSync(file, 0);
    expect(() => Store.open(dir)).toThrowError(/empty \(0 bytes\)/);
  });

  it('refuses a second opener of the same data dir (same process and another live process); takes over a stale lock', () => {
    const dir = tmp();
    const a = openStore(dir);
    expect(() => Store.open(dir)).toThrowError(/already held by this process/);
    a.close();
    // A lock file left by a live foreign process (our parent shell's pid stands in for it).
    writeFileSync(join(dir, 'pausenet.lock'), `${process.ppid}\n`);
    let err: unknown;
    try {
      Store.open(dir);
    } catch (e) {
      err = e;
    }
    expect((err as StoreError).code).toBe('LOCKED');
    expect((err as Error).message).toContain(`pid ${process.ppid}`);
    // A stale lock of a dead pid (kill -9 leftover) is taken over.
    writeFileSync(join(dir, 'pausenet.lock'), '999999999\n');
    const b = openStore(dir);
    expect(b.isOpen).toBe(true);
    expect(readFileSync(join(dir, 'pausenet.lock'), 'utf8').trim()).toBe(String(process.pid));
  });

  it('relaxed(): commits without an fsync survive a SIGKILL of the writer; synchronous is FULL again after', async () => {
    const dir = tmp();
    const storeJs = new URL('../../dist/store/store.js', import.meta.url).href;
    // A writer process: 50 relaxed vote inserts, then it reports and waits to be killed.
    const script = `
      const { Store } = await import(${JSON.stringify(storeJs)});
      const s = Store.open(${JSON.stringify(dir)});
      for (let i = 0; i < 50; i++)
        s.relaxed(() => s.votes.insert({ height: 1, target: 'PAUSED', voter: 'lab-' + i, bytes: new Uint8Array([i]), receivedAt: i }));
      process.stdout.write('written\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('written')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const s = openStore(dir);
    expect(s.votes.count(1)).toBe(50);
    expect(s.pragma('synchronous')).toBe(2);
    s.relaxed(() => s.votes.insert({ height: 2, target: 'RUNNING', voter: 'x', bytes: h(2), receivedAt: 1 }));
    expect(s.pragma('synchronous')).toBe(2); // back to FULL
    expect(() =>
      s.relaxed(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(s.pragma('synchronous')).toBe(2);
  });

  it('relaxed() inside a durable transaction joins it; a durable transaction inside relaxed() is refused', () => {
    const s = openStore(tmp());
    expect(() =>
      s.transaction(() => {
        s.relaxed(() => s.commitments.insert(row('lab-a', 0, 1)));
        throw new Error('abort the outer transaction');
      }),
    ).toThrow('abort the outer');
    expect(s.commitments.get('lab-a', 0)).toBeUndefined(); // rolled back with the outer one
    expect(() => s.relaxed(() => s.transaction(() => s.commitments.insert(row('lab-a', 0, 1))))).toThrow(
      /inside Store.relaxed\(\)/,
    );
    expect(s.commitments.get('lab-a', 0)).toBeUndefined();
  });

  it('online backup produces a consistent, openable copy', async () => {
    const dir = tmp();
    const s = openStore(dir);
    s.commitments.insert(row('lab-a', 0, 1));
    const dest = tmp();
    await s.backup(join(dest, 'pausenet.db'));
    const copy = openStore(dest);
    expect(copy.commitments.get('lab-a', 0)?.hash).toEqual(h(1));
  });
});
