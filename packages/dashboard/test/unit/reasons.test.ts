import { describe, expect, it } from 'vitest';
import type {
  CertificateJson,
  CommitmentJson,
  EvidenceJson,
  OpenBreachJson,
  PauseState,
  StatusJson,
} from '../../src/api.js';
import { commitmentContext, resolvedHeights, stateReason } from '../../src/reasons.js';

const B1 = '11'.repeat(32);
const B2 = '22'.repeat(32);
const B3 = '33'.repeat(32);

/** GET /v1/evidence element for cap-exceeded evidence about (lab, epoch) proving breach `id` (the node's nesting). */
function capEvidence(id: string, lab: string, epoch: number, cap = 'trainingFlop'): EvidenceJson {
  return {
    hash: `e-${id.slice(0, 4)}`,
    breach: id,
    reporter: 'lab-a',
    issuedAt: 1000,
    evidence: { kind: 'cap-exceeded', cap, commitment: { commitment: { lab, epoch }, signature: '' } },
  };
}

function open(id: string, lab: string, epoch: number, actedOnHeight: number | null): OpenBreachJson {
  return {
    id,
    kind: 'cap-exceeded',
    lab,
    epoch,
    evidence: `e-${id.slice(0, 4)}`,
    firstSeenAt: 1000,
    actedOnHeight,
  };
}

function status(state: PauseState, height: number, openBreaches?: OpenBreachJson[], openCount?: number) {
  return {
    state,
    height,
    ...(openBreaches
      ? { breaches: { open: openBreaches, openCount: openCount ?? openBreaches.length, resolvedCount: 0 } }
      : {}),
  } as unknown as StatusJson;
}

function cert(height: number, target: PauseState, firstSeenAt: number, resolves?: string[]): CertificateJson {
  return {
    hash: `c${height}`,
    height,
    target,
    step: target === 'RUNNING' ? 'down' : 'up',
    statement: '',
    signature: '',
    signers: [],
    firstSeenAt,
    ...(resolves ? { resolves } : {}),
  };
}

function commitment(lab: string, epoch: number, firstSeenAt: number): CommitmentJson {
  return {
    hash: `${lab}-${epoch}`,
    lab,
    epoch,
    seq: epoch,
    prev: '',
    issuedAt: firstSeenAt - 10,
    firstSeenAt,
    metrics: {
      trainingFlop: '6',
      largestRunFlop: '1',
      maxParams: '1',
      datasetTokens: '1',
      acceleratorHours: '1',
      utilizationBps: 0,
    },
    runsRoot: '',
    signature: '',
  };
}

describe('stateReason', () => {
  it('PAUSED: the open breaches a pause acted on, those opened since, and how many the status left out', () => {
    const r = stateReason(
      status('PAUSED', 1, [open(B1, 'lab-b', 4, 1), open(B2, 'lab-c', 5, null)], 7),
      cert(1, 'PAUSED', 2000),
      [capEvidence(B1, 'lab-b', 4)],
    );
    expect(r).toEqual({
      kind: 'paused',
      actedOn: [
        {
          id: B1,
          kind: 'cap-exceeded',
          lab: 'lab-b',
          epoch: 4,
          detail: 'over the Training FLOP cap',
        },
      ],
      openedSince: [{ id: B2, kind: 'cap-exceeded', lab: 'lab-c', epoch: 5, detail: null }],
      unlisted: 5,
      known: true,
    });
  });

  it('REDUCED after a step down from PAUSED: the breaches still open are why the network is held there', () => {
    const down: CertificateJson = { ...cert(2, 'REDUCED', 3000, [B1]), step: 'down' };
    const r = stateReason(status('REDUCED', 2, [open(B2, 'lab-c', 5, 1)]), down, []);
    expect(r).toMatchObject({ kind: 'paused', actedOn: [{ id: B2 }], openedSince: [] });
    expect(
      commitmentContext(
        commitment('lab-b', 4, 1500),
        4,
        [cert(1, 'PAUSED', 2000), down],
        [capEvidence(B1, 'lab-b', 4)],
      ),
    ).toEqual({
      currentEpoch: true,
      beforeResumeAt: 2,
      resumedTo: 'REDUCED',
      resolvedAt: 2,
    });
  });

  it('PAUSED on a node that reports no breaches: the reason is unknown, not "none"', () => {
    expect(stateReason(status('PAUSED', 1), null, [])).toMatchObject({
      kind: 'paused',
      known: false,
      actedOn: [],
    });
  });

  it('RUNNING after a resume: what its signed resolves names, and what is still open', () => {
    const r = stateReason(
      status('RUNNING', 2, [open(B3, 'lab-d', 6, 1)]),
      cert(2, 'RUNNING', 3000, [B1, B2]),
      [capEvidence(B1, 'lab-b', 4, 'maxParams')],
    );
    expect(r).toEqual({
      kind: 'resumed',
      height: 2,
      resolved: [
        {
          id: B1,
          kind: 'cap-exceeded',
          lab: 'lab-b',
          epoch: 4,
          detail: 'over the Max parameters cap',
        },
        { id: B2, kind: 'breach', lab: '—', epoch: null, detail: null },
      ],
      stillOpen: [{ id: B3, kind: 'cap-exceeded', lab: 'lab-d', epoch: 6, detail: null }],
    });
  });

  it('RUNNING since genesis: open breaches are listed as not (yet) certified', () => {
    expect(stateReason(status('RUNNING', 0, [open(B1, 'lab-b', 4, null)]), null, [])).toMatchObject({
      kind: 'running',
      stillOpen: [{ id: B1 }],
    });
  });
});

describe('commitmentContext', () => {
  const certs = [cert(1, 'PAUSED', 2000), cert(2, 'RUNNING', 3000, [B1])];
  const evidence = [capEvidence(B1, 'lab-b', 4)];

  it('an over-cap commitment before the resume that resolved its breach', () => {
    expect(commitmentContext(commitment('lab-b', 4, 1500), 4, certs, evidence)).toEqual({
      currentEpoch: true,
      beforeResumeAt: 2,
      resumedTo: 'RUNNING',
      resolvedAt: 2,
    });
    expect(commitmentContext(commitment('lab-b', 4, 1500), 6, certs, evidence)).toMatchObject({
      currentEpoch: false,
    });
  });

  it('a commitment after the resume has no resume before it and nothing resolved', () => {
    expect(commitmentContext(commitment('lab-b', 5, 3500), 5, certs, evidence)).toEqual({
      currentEpoch: true,
      beforeResumeAt: null,
      resumedTo: null,
      resolvedAt: null,
    });
  });

  it('another lab or epoch is not resolved by that breach', () => {
    expect(commitmentContext(commitment('lab-c', 4, 1500), 4, certs, evidence).resolvedAt).toBeNull();
  });

  it('resolvedHeights keeps the first resume that resolved a breach', () => {
    const m = resolvedHeights([cert(4, 'RUNNING', 5000, [B1]), cert(2, 'RUNNING', 3000, [B1, B2])]);
    expect([...m]).toEqual([
      [B1, 2],
      [B2, 2],
    ]);
  });
});
