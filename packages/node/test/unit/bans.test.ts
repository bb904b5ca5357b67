import { describe, expect, it } from 'vitest';
import { PeerBans, SYNC_REJECT_WEIGHT, syncRejectWeight } from '../../src/gossip/bans.js';

describe('PeerBans (flood defence)', () => {
  it('bans a non-member at the 8th REJECT within 10 s, for 10 min; rejects spread out or from a member never ban', () => {
    let now = 1_000_000;
    const bans = new PeerBans({ isMember: (p) => p === 'member', now: () => now });
    for (let i = 0; i < 7; i++) expect(bans.noteReject('x')).toBe(false);
    expect(bans.isBanned('x')).toBe(false);
    expect(bans.noteReject('x')).toBe(true);
    expect(bans.isBanned('x')).toBe(true);
    expect(bans.list()).toEqual(['x']);
    now += 600_000;
    expect(bans.isBanned('x')).toBe(false);
    // one REJECT every 2 s never fills a 10 s window
    for (let i = 0; i < 50; i++) {
      now += 2_000;
      expect(bans.noteReject('slow')).toBe(false);
    }
    for (let i = 0; i < 100; i++) expect(bans.noteReject('member')).toBe(false);
    expect(bans.isBanned('member')).toBe(false);
  });

  it('a sync response holding an invalid item counts SYNC_REJECT_WEIGHT: two of them ban; never a member', () => {
    const bans = new PeerBans({ isMember: (p) => p === 'member' });
    expect(bans.noteReject('liar', SYNC_REJECT_WEIGHT)).toBe(false);
    expect(bans.noteReject('liar', SYNC_REJECT_WEIGHT)).toBe(true);
    expect(bans.noteReject('member', SYNC_REJECT_WEIGHT * 10)).toBe(false);
    expect(bans.isBanned('member')).toBe(false);
  });

  it('a sync item with a forged signature or undecodable bytes bans a non-member at once; chain-rule rejects count SYNC_REJECT_WEIGHT; never a member', () => {
    for (const code of [
      'E_SIGNATURE',
      'C_SIGNATURE',
      'V_PARTIAL',
      'K_SIGNATURE',
      'MALFORMED',
      'NON_CANONICAL',
      'OVERSIZED',
    ]) {
      const bans = new PeerBans({ isMember: (p) => p === 'member' });
      expect(bans.noteReject('forger', syncRejectWeight(code)), code).toBe(true);
      expect(bans.isBanned('forger')).toBe(true);
      expect(bans.noteReject('member', syncRejectWeight(code))).toBe(false);
      expect(bans.isBanned('member')).toBe(false);
    }
    // an honest observer can serve the other fork of an equivocating member: rejected against the fork stored
    // here first, it counts, and only a second such response within the window bans
    for (const code of ['C_PREV_MISMATCH', 'C_EPOCH_ORDER', 'C_HEIGHT_ORDER'])
      expect(syncRejectWeight(code), code).toBe(SYNC_REJECT_WEIGHT);
    const bans = new PeerBans({ isMember: () => false });
    expect(bans.noteReject('fork', syncRejectWeight('C_PREV_MISMATCH'))).toBe(false);
    expect(bans.noteReject('fork', syncRejectWeight('C_PREV_MISMATCH'))).toBe(true);
  });

  it('the gater refuses a banned peer and otherwise defers to the inner gater', async () => {
    const bans = new PeerBans({ isMember: () => false });
    for (let i = 0; i < 8; i++) bans.noteReject('bad');
    const peer = (id: string) => ({ toString: () => id }) as never;
    const g = bans.gater({ denyDialPeer: (p) => String(p) === 'cut' });
    expect(await g.denyDialPeer?.(peer('bad'))).toBe(true);
    expect(await g.denyDialPeer?.(peer('cut'))).toBe(true);
    expect(await g.denyDialPeer?.(peer('ok'))).toBe(false);
    expect(await g.denyInboundEncryptedConnection?.(peer('bad'), {} as never)).toBe(true);
    expect(await g.denyInboundEncryptedConnection?.(peer('ok'), {} as never)).toBe(false);
  });
});
