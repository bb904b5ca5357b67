import { describe, expect, it } from 'vitest';
import type { Level, Step } from '../src/types.js';
import { type ChainLink, chainEnd, chainProblem, orderChain } from '../src/validation/chain.js';

/** docs/protocol.md "Verifying a chain": the structure `pausenet verify` checks on a chain of certificates. */
const l = (height: number, target: Level, step: Step): ChainLink => ({ height, target, step });
const up = (h: number, t: Level) => l(h, t, 'up');
const down = (h: number, t: Level) => l(h, t, 'down');

describe('certificate chain structure', () => {
  it('accepts the chains honest members produce, in any input order', () => {
    const chains: ChainLink[][] = [
      [up(1, 'PAUSED')],
      [up(1, 'PAUSED'), down(2, 'RUNNING'), up(3, 'PAUSED')],
      // escalation within a height: REDUCED then PAUSED at 1; a step down to REDUCED, then to RUNNING
      [up(1, 'REDUCED'), up(1, 'PAUSED'), down(2, 'REDUCED'), down(3, 'RUNNING')],
      // a step down and a dominating step up at one height (stale view): the step down is the lowest
      [up(1, 'PAUSED'), down(2, 'RUNNING'), up(2, 'PAUSED')],
    ];
    for (const c of chains) {
      expect(chainProblem(c)).toBeNull();
      expect(chainProblem([...c].reverse())).toBeNull();
      expect(orderChain([...c].reverse())).toEqual(c);
    }
    expect(chainEnd([down(2, 'RUNNING'), up(2, 'PAUSED'), up(1, 'PAUSED')])).toEqual({
      height: 2,
      level: 'PAUSED',
    });
    expect(chainEnd([up(1, 'REDUCED'), up(1, 'PAUSED'), down(2, 'REDUCED')])).toEqual({
      height: 2,
      level: 'REDUCED',
    });
  });

  it('names the first structural problem', () => {
    const cases: [ChainLink[], string][] = [
      [[], 'CHAIN_EMPTY'],
      [[up(2, 'PAUSED')], 'CHAIN_START'],
      [[up(1, 'PAUSED'), up(3, 'PAUSED')], 'CHAIN_GAP'],
      [[up(1, 'PAUSED'), down(2, 'RUNNING'), down(2, 'REDUCED')], 'CHAIN_TWO_DOWNS'],
      [[up(1, 'PAUSED'), down(2, 'REDUCED'), up(2, 'REDUCED')], 'CHAIN_DOWN_NOT_LOWEST'],
      [[up(1, 'PAUSED'), up(1, 'PAUSED')], 'CHAIN_LEVEL_ORDER'],
      [[up(1, 'PAUSED'), up(1, 'REDUCED'), up(1, 'PAUSED')], 'CHAIN_LEVEL_ORDER'],
      [[up(1, 'REDUCED'), down(2, 'REDUCED')], 'CHAIN_DOWN_NOT_BELOW'],
      [[up(1, 'REDUCED'), down(2, 'RUNNING'), down(3, 'RUNNING')], 'CHAIN_DOWN_NOT_BELOW'],
    ];
    for (const [c, code] of cases) expect(chainProblem(c)?.code, JSON.stringify(c)).toBe(code);
  });
});
