import { describe, expect, it } from 'vitest';
import {
  APPROVE_REQUEST_CODES,
  approveRequestSchema,
  COMMITMENT_REQUEST_CODES,
  COMMITMENTS_QUERY_CODES,
  commitmentRequestSchema,
  commitmentsQuerySchema,
  EVIDENCE_REQUEST_CODES,
  evidenceRequestSchema,
  parseApiBody,
} from '../src/api/index.js';

const metrics = {
  trainingFlop: '1000',
  largestRunFlop: '10',
  maxParams: '7',
  datasetTokens: '5',
  acceleratorHours: '3',
  utilizationBps: 4000,
};
const id = 'ab'.repeat(32);

describe('HTTP API request schemas', () => {
  it('a good commitment body parses into protocol values (bigints from decimal strings)', () => {
    const r = parseApiBody(
      commitmentRequestSchema,
      {
        metrics,
        runs: [{ id: 'r1', flop: '1', params: '2', datasetTokens: '3', acceleratorHours: '4' }],
        epoch: 3,
      },
      COMMITMENT_REQUEST_CODES,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.metrics.trainingFlop).toBe(1000n);
    expect(r.value.epoch).toBe(3);
    expect(r.value.runs?.[0]?.id).toBe('r1');
  });

  it('each bad field gets its own code and a message naming the field and the fix', () => {
    const bad = (input: unknown) => parseApiBody(commitmentRequestSchema, input, COMMITMENT_REQUEST_CODES);
    expect(bad({ metrics: { ...metrics, maxParams: 7 } })).toMatchObject({
      ok: false,
      code: 'BAD_METRICS',
      message: expect.stringMatching(/metrics\.maxParams.*decimal string/),
    });
    expect(bad({ metrics: { ...metrics, utilizationBps: 20_000 } })).toMatchObject({
      code: 'BAD_METRICS',
      message: expect.stringContaining('metrics.utilizationBps'),
    });
    expect(bad({ metrics, runs: 'x' })).toMatchObject({ code: 'BAD_RUNS', field: 'runs' });
    expect(bad({ metrics, runs: [{ id: 'r', flop: 1 }] })).toMatchObject({
      code: 'BAD_RUNS',
      field: 'runs[0].flop',
      message: expect.stringContaining('decimal string'),
    });
    expect(bad({ metrics, epoch: -1 })).toMatchObject({
      code: 'BAD_EPOCH',
      message: 'epoch must be a non-negative integer',
    });
    expect(bad([1, 2])).toMatchObject({ code: 'BAD_REQUEST', field: '' });
  });

  it('evidence: missed and report bodies; anything else is BAD_EVIDENCE with what to send', () => {
    const parse = (input: unknown) => parseApiBody(evidenceRequestSchema, input, EVIDENCE_REQUEST_CODES);
    expect(parse({ kind: 'missed', lab: 'lab-b', epoch: 2 })).toMatchObject({ ok: true });
    expect(parse({ kind: 'report', subject: 'lab-b', epoch: 2, digest: 'abcd', summary: 's' })).toMatchObject(
      {
        ok: true,
      },
    );
    expect(parse({ kind: 'missed', epoch: 2 })).toMatchObject({
      ok: false,
      code: 'BAD_EVIDENCE',
      message: expect.stringContaining('needs "lab"'),
    });
    expect(parse({ kind: 'report', subject: 'lab-b', epoch: 2, digest: 'zz', summary: 's' })).toMatchObject({
      code: 'BAD_EVIDENCE',
      message: expect.stringContaining('digest must be hex'),
    });
    expect(parse({ kind: 'cap-exceeded', epoch: 2 })).toMatchObject({
      code: 'BAD_EVIDENCE',
      message: expect.stringContaining('filed automatically'),
    });
  });

  it('approve: breach ids become bytes; bad height, target, ids or flags are BAD_APPROVAL', () => {
    const parse = (input: unknown) => parseApiBody(approveRequestSchema, input, APPROVE_REQUEST_CODES);
    const ok = parse({ height: 1, target: 'PAUSED', breaches: [id], dryRun: true });
    expect(ok.ok && ok.value.breaches?.[0]?.length).toBe(32);
    for (const [input, text] of [
      [{ height: 0, target: 'PAUSED' }, 'height must be a positive integer'],
      [{ height: 1, target: 'HALTED' }, 'target must be "PAUSED" or "RUNNING"'],
      [{ height: 1, target: 'PAUSED', breaches: ['XYZ'] }, 'breaches must be a list of breach ids'],
      [{ height: 1, target: 'PAUSED', force: 'yes' }, 'force must be true or false'],
    ] as const)
      expect(parse(input)).toMatchObject({
        ok: false,
        code: 'BAD_APPROVAL',
        message: expect.stringContaining(text),
      });
  });

  it('GET /v1/commitments query: integers from strings, BAD_QUERY otherwise', () => {
    const parse = (input: unknown) => parseApiBody(commitmentsQuerySchema, input, COMMITMENTS_QUERY_CODES);
    expect(parse({ lab: 'lab-a', from: '2', to: '5' })).toEqual({
      ok: true,
      value: { lab: 'lab-a', from: 2, to: 5 },
    });
    expect(parse({ from: 'abc' })).toMatchObject({
      ok: false,
      code: 'BAD_QUERY',
      message: expect.stringContaining('from must be a non-negative integer'),
    });
  });
});
