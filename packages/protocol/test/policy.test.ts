import { describe, expect, it } from 'vitest';
import { makePolicy } from '../src/policy.js';

const base = {
  genesisTime: 0,
  epochMs: 1000,
  deadlineMs: 1000,
  graceMs: 1000,
  caps: { trainingFlop: 1n, largestRunFlop: 1n, maxParams: 1n, datasetTokens: 1n },
};

describe('makePolicy', () => {
  it('fills the documented defaults: self-proving evidence votes automatically, judged evidence and resume need approval, judged quota 8 per epoch, stale after 30 epochs', () => {
    expect(makePolicy(base)).toEqual({
      ...base,
      autoVote: ['cap-exceeded', 'equivocation', 'pause-violation'],
      approvalRequired: ['missed', 'report'],
      resumeNeedsApproval: true,
      auditors: [],
      judgedQuotaPerEpoch: 8,
      judgedMaxAgeEpochs: 30,
    });
  });
  it('keeps given fields, and callers never share (and so never mutate) the default arrays', () => {
    const p = makePolicy({ ...base, autoVote: ['cap-exceeded'] });
    expect(p.autoVote).toEqual(['cap-exceeded']);
    makePolicy(base).approvalRequired.push('cap-exceeded');
    expect(makePolicy(base).approvalRequired).toEqual(['missed', 'report']);
  });
});
