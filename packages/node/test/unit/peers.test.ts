import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerBook } from '../../src/peer-book.js';
import { Store } from '../../src/store/store.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function book(maxNonMembers = 4) {
  const dir = mkdtempSync(join(tmpdir(), 'pn-peers-'));
  const store = Store.open(dir);
  cleanups.push(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let t = 1_000;
  const b = new PeerBook({
    store,
    labOf: (p) => (p.startsWith('member') ? 'lab-a' : null),
    maxNonMembers,
    memberPeerIds: 1,
    now: () => (t += 61_000),
  });
  return { store, b };
}

describe('peer book (which peers are remembered and redialled)', () => {
  it('600 Sybil peer ids that identify but deliver nothing: no rows, nothing to dial', () => {
    const { store, b } = book();
    for (let i = 0; i < 600; i++)
      b.identified(
        `sybil-${i}`,
        ['/ip4/127.0.0.1/tcp/4001', '/ip4/10.9.9.9/tcp/80'],
        '/ip4/127.0.0.1/tcp/5555',
      );
    expect(store.peers.list(10_000)).toEqual([]);
    expect(b.dialAddrs()).toEqual([]);
  });

  it('members are remembered with their announced addrs; useful non-members only at the IP they came from, bounded', () => {
    const { store, b } = book(4);
    b.identified('member-1', ['/ip4/10.0.0.1/tcp/9000'], '/ip4/10.0.0.1/tcp/40000');
    for (let i = 0; i < 10; i++) {
      // claims a third party's address first: never remembered, never dialled
      b.identified(
        `obs-${i}`,
        ['/ip4/192.0.2.7/tcp/443', `/ip4/127.0.0.1/tcp/${7000 + i}`],
        '/ip4/127.0.0.1/tcp/1',
      );
      b.useful(`obs-${i}`);
    }
    const rows = store.peers.list(100);
    expect(rows.map((r) => r.peerId)).toEqual(['member-1', 'obs-9', 'obs-8', 'obs-7', 'obs-6']);
    expect(rows[0]?.addrs).toEqual(['/ip4/10.0.0.1/tcp/9000']);
    expect(rows[1]?.addrs).toEqual(['/ip4/127.0.0.1/tcp/7009']);
    expect(b.dialAddrs().some((a) => a.includes('192.0.2.7'))).toBe(false);
    expect(b.dialAddrs()).toContain('/ip4/127.0.0.1/tcp/7009/p2p/obs-9');
  });

  it('a store left with hundreds of non-member rows by an older version is pruned at start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pn-peers-'));
    const store = Store.open(dir);
    cleanups.push(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    for (let i = 0; i < 600; i++)
      store.peers.upsert({ peerId: `s${i}`, lab: null, addrs: ['/ip4/10.1.1.1/tcp/1'], lastSeen: i });
    store.peers.upsert({ peerId: 'member-1', lab: 'lab-a', addrs: [], lastSeen: 0 });
    new PeerBook({ store, labOf: () => null, maxNonMembers: 32, memberPeerIds: 1 });
    expect(store.peers.list(10_000)).toHaveLength(33);
  });
});
