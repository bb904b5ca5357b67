import { missedAfter } from '@pausenet/protocol';
import { TempDirs } from '@pausenet/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { dueEpochs, judgeLateness } from '../../src/lateness.js';
import { Store } from '../../src/store/index.js';
import { makeAgreementGenesis } from '../helpers/agreement-net.js';

const tmp = new TempDirs();
afterEach(() => {
  tmp.cleanup();
});

describe('first seen and lateness', () => {
  const { genesis } = makeAgreementGenesis(4);
  const due = missedAfter(genesis.policy, 3);
  const skew = 30_000;

  it('on time by first-seen; late only if this node observed the deadline; otherwise not judged', () => {
    const always = () => true;
    const never = () => false;
    expect(judgeLateness(genesis.policy, 3, due + skew, never)).toBe('on-time');
    expect(judgeLateness(genesis.policy, 3, due + skew + 1, always)).toBe('late');
    expect(judgeLateness(genesis.policy, 3, due + skew + 1, never)).toBe('not-judged');
  });

  it('missed deadlines are counted from the first committed epoch up to the last epoch past deadline + grace', () => {
    const p = genesis.policy;
    // Nothing committed anywhere yet: nothing can have been missed, however far past genesisTime.
    expect(dueEpochs(p, null, missedAfter(p, 100) + 1)).toBeNull();
    // The network started at epoch 5: epochs 0-4 (before it existed) are never due.
    expect(dueEpochs(p, 5, missedAfter(p, 5))).toBeNull();
    expect(dueEpochs(p, 5, missedAfter(p, 5) + 1)).toEqual({ from: 5, to: 5 });
    expect(dueEpochs(p, 5, missedAfter(p, 8) + 1)).toEqual({ from: 5, to: 8 });
    expect(dueEpochs(p, 5, missedAfter(p, 9))).toEqual({ from: 5, to: 8 });
  });

  it('node_runs: a deadline is observed only by a run that was up (and past its settle time) at that instant', () => {
    const dir = tmp.make('pn-runs-');
    const store = Store.open(dir);
    try {
      const t0 = 1_000_000;
      const run = store.runs.start(t0);
      store.runs.alive(run, t0 + 60_000);
      expect(store.runs.observed(t0 + 30_000, 10_000)).toBe(true);
      expect(store.runs.observed(t0 + 5_000, 10_000)).toBe(false); // still starting (settle 10 s)
      expect(store.runs.observed(t0 + 90_000, 10_000)).toBe(false); // down after its last heartbeat
      const again = store.runs.start(t0 + 200_000);
      store.runs.alive(again, t0 + 300_000);
      expect(store.runs.observed(t0 + 150_000, 10_000)).toBe(false); // the gap between runs
      expect(store.runs.observed(t0 + 250_000, 10_000)).toBe(true);
    } finally {
      store.close();
    }
  });
});
