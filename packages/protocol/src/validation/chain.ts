import { levelRank } from '../level.js';
import type { Level, Step } from '../types.js';

/**
 * The structure of a certificate chain, checked offline (docs/protocol.md "Verifying a chain"): what a
 * holder of certificates that each pass K_* can still get wrong when putting them in order. Pure.
 */

/** The fields of a certificate the chain's structure depends on. */
export interface ChainLink {
  height: number;
  target: Level;
  step: Step;
}

export type ChainProblemCode =
  | 'CHAIN_EMPTY'
  | 'CHAIN_START'
  | 'CHAIN_GAP'
  | 'CHAIN_TWO_DOWNS'
  | 'CHAIN_DOWN_NOT_LOWEST'
  | 'CHAIN_LEVEL_ORDER'
  | 'CHAIN_DOWN_NOT_BELOW';

export interface ChainProblem {
  code: ChainProblemCode;
  height: number;
  detail: string;
}

/** The chain's order: ascending height; within a height the step down first, then ascending level. */
export function orderChain<T extends ChainLink>(links: readonly T[]): T[] {
  const key = (l: ChainLink) => (l.step === 'down' ? -1 : levelRank(l.target));
  return [...links].sort((a, b) => a.height - b.height || key(a) - key(b));
}

/** The first structural problem of the chain (in chain order), or null; the input order does not matter. */
export function chainProblem(links: readonly ChainLink[]): ChainProblem | null {
  const chain = orderChain(links);
  const first = chain[0];
  if (!first) return { code: 'CHAIN_EMPTY', height: 0, detail: 'the certificate chain is empty' };
  // Heights start at 1 (height 0 is RUNNING without a certificate) and have no gap.
  if (first.height !== 1)
    return {
      code: 'CHAIN_START',
      height: first.height,
      detail: `the chain starts at height ${first.height}, not 1`,
    };
  let topOfPrevious = -1; // highest level rank certified at the height before the current one
  let topHere = -1;
  for (const [i, l] of chain.entries()) {
    const prev = chain[i - 1];
    if (prev && l.height > prev.height) {
      if (l.height !== prev.height + 1)
        return { code: 'CHAIN_GAP', height: prev.height + 1, detail: `height ${prev.height + 1} is missing` };
      topOfPrevious = topHere;
      topHere = -1;
    }
    const same = prev !== undefined && prev.height === l.height;
    const rank = levelRank(l.target);
    if (l.step === 'down') {
      // One member signs at most one step down per height (P_NO_DOUBLE_SIGN): two need a broken threshold.
      if (same)
        return { code: 'CHAIN_TWO_DOWNS', height: l.height, detail: `two steps down at height ${l.height}` };
      // A step down goes from the applied level at h-1 to a level below it; the applied level is at most the
      // highest certified there (section "Levels", Heights).
      if (rank >= topOfPrevious)
        return {
          code: 'CHAIN_DOWN_NOT_BELOW',
          height: l.height,
          detail: `the step down to ${l.target} at height ${l.height} is not below the level certified at height ${l.height - 1}`,
        };
    } else if (same) {
      // Within a height: the step down (if any) is the lowest certificate, steps up strictly increase.
      if (prev.step === 'down' && rank <= levelRank(prev.target))
        return {
          code: 'CHAIN_DOWN_NOT_LOWEST',
          height: l.height,
          detail: `the step down at height ${l.height} is not below the step up to ${l.target} there`,
        };
      if (prev.step === 'up' && rank <= levelRank(prev.target))
        return {
          code: 'CHAIN_LEVEL_ORDER',
          height: l.height,
          detail: `two steps up to ${l.target} or lower at height ${l.height}: levels within a height strictly increase`,
        };
    }
    topHere = Math.max(topHere, rank);
  }
  return null;
}

/** Where a well-formed chain ends: its highest height and the highest level certified there. */
export function chainEnd(links: readonly ChainLink[]): { height: number; level: Level } | null {
  const chain = orderChain(links);
  const last = chain[chain.length - 1];
  return last ? { height: last.height, level: last.target } : null;
}
