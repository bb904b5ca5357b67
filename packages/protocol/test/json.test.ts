import { describe, expect, it } from 'vitest';
import { breachIdOf } from '../src/breach.js';
import { toHex } from '../src/bytes.js';
import { ProtocolError } from '../src/errors.js';
import { detectEquivocation } from '../src/evidence.js';
import {
  certificateFromJson,
  certificateToJson,
  commitmentFromJson,
  commitmentToJson,
  evidenceFromJson,
  evidenceToJson,
  genesisFromJson,
  genesisToJson,
  metricsFromJson,
  runRecordFromJson,
  runRecordToJson,
  toJsonValue,
  voteFromJson,
  voteToJson,
} from '../src/json.js';
import { certificateHash, hashSignedCommitment, statementBytes } from '../src/signing.js';
import type { Certificate } from '../src/types.js';
import { fileEvidence, genesis, metrics, networkId, signed, vote } from './helpers/fixtures.js';

const cert: Certificate = {
  networkId,
  height: 1,
  target: 'PAUSED',
  step: 'up',
  signers: ['lab-a', 'lab-b', 'lab-c'],
  resolves: [],
  signature: new Uint8Array(96).fill(2),
};

function errOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected ProtocolError');
}

describe('JSON views', () => {
  it('commitment: flat CommitmentJson with hash, hex bytes and decimal bigints; round trips through JSON text', () => {
    const sc = signed({ metrics: metrics({ trainingFlop: 10n ** 26n + 7n }) });
    const j = commitmentToJson(sc);
    expect(j.hash).toBe(toHex(hashSignedCommitment(sc)));
    expect(j.metrics.trainingFlop).toBe('100000000000000000000000007');
    expect(j.lab).toBe('lab-a');
    expect(j.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(commitmentFromJson(JSON.parse(JSON.stringify(j)))).toEqual(sc);
  });
  it('a wrong hash or malformed field is rejected, naming the field', () => {
    const j = commitmentToJson(signed());
    expect(errOf(() => commitmentFromJson({ ...j, hash: '00'.repeat(32) })).path).toBe('hash');
    const bad = errOf(() => commitmentFromJson({ ...j, metrics: { ...j.metrics, maxParams: '1e12' } }));
    expect(bad.path).toBe('commitment.metrics.maxParams');
    expect(errOf(() => commitmentFromJson([])).code).toBe('WRONG_TYPE');
  });
  it('metricsFromJson for API bodies', () => {
    const m = metricsFromJson({
      trainingFlop: '1',
      largestRunFlop: '2',
      maxParams: '3',
      datasetTokens: '4',
      acceleratorHours: '5',
      utilizationBps: 10,
    });
    expect(m.datasetTokens).toBe(4n);
    expect(errOf(() => metricsFromJson({ ...m, trainingFlop: 1 })).path).toBe('trainingFlop');
    expect(errOf(() => metricsFromJson({ trainingFlop: '01' })).code).toBe('WRONG_TYPE');
  });
  it('evidence, vote, genesis and run record round trip', () => {
    const a = signed({ epoch: 1 });
    const b = signed({ epoch: 1, issuedAt: a.commitment.issuedAt + 5 });
    const se = fileEvidence(detectEquivocation(a, b)!);
    const ej = evidenceToJson(se);
    // The JSON view names the breach the evidence proves; a wrong breach id is refused on the way back.
    expect(ej.breach).toBe(toHex(breachIdOf(se.evidence)));
    expect(evidenceFromJson(JSON.parse(JSON.stringify(ej)))).toEqual(se);
    expect(errOf(() => evidenceFromJson({ ...ej, breach: '00'.repeat(32) })).path).toBe('breach');
    const sv = vote('lab-c', 1, 'PAUSED', { evidence: [new Uint8Array(32).fill(4)] });
    expect(voteFromJson(JSON.parse(JSON.stringify(voteToJson(sv))))).toEqual(sv);
    expect(genesisFromJson(JSON.parse(JSON.stringify(genesisToJson(genesis))))).toEqual(genesis);
    const r = {
      id: 'run-1',
      salt: new Uint8Array(32).fill(1),
      flop: 10n ** 25n,
      params: 1n,
      datasetTokens: 2n,
      acceleratorHours: 3n,
    };
    expect(runRecordFromJson(JSON.parse(JSON.stringify(runRecordToJson(r))))).toEqual(r);
  });
  it('certificate JSON carries hash and the statement bytes; both are checked on the way back', () => {
    const j = certificateToJson(cert);
    expect(j.hash).toBe(toHex(certificateHash(cert)));
    expect(j.statement).toBe(
      toHex(statementBytes({ networkId, height: 1, target: 'PAUSED', step: 'up', resolves: [] })),
    );
    expect(j.step).toBe('up');
    expect(j.resolves).toEqual([]);
    expect(certificateFromJson(JSON.parse(JSON.stringify(j)))).toEqual(cert);
    // A GET /v1/certificates element (with the node's firstSeenAt) is accepted as it is downloaded.
    expect(certificateFromJson({ ...j, firstSeenAt: 1_700_000_000_000 })).toEqual(cert);
    const flipped = `${j.statement.slice(0, -66)}00${j.statement.slice(-64)}`;
    expect(errOf(() => certificateFromJson({ ...j, statement: flipped })).path).toBe('statement');
  });
  it('toJsonValue converts bytes and bigints anywhere', () => {
    expect(toJsonValue({ a: [Uint8Array.of(1, 255)], b: 10n ** 26n, c: undefined, d: 'x' })).toEqual({
      a: ['01ff'],
      b: '100000000000000000000000000',
      d: 'x',
    });
  });
});
