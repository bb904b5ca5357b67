import { describe, expect, it } from 'vitest';
import { GossipAdmission } from '../../src/gossip/admission.js';

describe('gossip admission (before any signature check)', () => {
  const make = (now: () => number) =>
    new GossipAdmission({
      isMember: (p) => p.startsWith('member'),
      perPeerMsgsPerSec: 50,
      outsiderMsgsPerSec: 10,
      outsiderBurst: 8,
      outsiderBlsPerSec: 20,
      outsiderEd25519PerSec: 400,
      now,
    });

  it('a fresh non-member peer id gets a burst of 8, a member 200', () => {
    const a = make(() => 0);
    const out = Array.from({ length: 20 }, () => a.admit('fresh', 'commitment'));
    expect(out.filter((x) => x === null)).toHaveLength(8);
    expect(out.slice(8).every((x) => x === 'RATE_LIMITED')).toBe(true);
    const m = Array.from({ length: 250 }, () => a.admit('member-1', 'certificate'));
    expect(m.filter((x) => x === null)).toHaveLength(200);
  });

  it('1000 fresh peer ids with forged certificates cost at most the shared BLS budget (burst 40, then 20/s)', () => {
    let now = 0;
    const a = make(() => now);
    let pairings = 0;
    for (let id = 0; id < 1000; id++)
      for (let k = 0; k < 8; k++) if (a.admit(`sybil-${id}`, 'certificate') === null) pairings++;
    expect(pairings).toBe(40);
    now += 1_000;
    for (let id = 0; id < 1000; id++) if (a.admit(`later-${id}`, 'certificate') === null) pairings++;
    expect(pairings).toBe(60);
    // members are never charged
    expect(a.admit('member-1', 'certificate')).toBeNull();
    // a refused message costs no budget: Ed25519 is still there for commitments
    expect(a.admit('other', 'commitment')).toBeNull();
    expect(a.admit('other2', 'certificate')).toBe('VERIFY_BUDGET');
  });
});
