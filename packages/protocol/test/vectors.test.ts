import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ed25519PublicKey, ed25519Verify } from '@pausenet/crypto';
import { describe, expect, it } from 'vitest';
import { BREACH_TAG, breachIdOf, breachKeyOf, encodeBreachKey } from '../src/breach.js';
import { fromHex, sha256, toHex, utf8 } from '../src/bytes.js';
import {
  decodeCertificate,
  decodeGenesis,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedVote,
  encodeCertificate,
  encodeCommitment,
  encodeEvidenceBody,
  encodeGenesis,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedVote,
  encodeVote,
} from '../src/codec/codec.js';
import { ProtocolError } from '../src/errors.js';
import { checkCaps, detectEquivocation } from '../src/evidence.js';
import {
  certificateToJson,
  commitmentToJson,
  evidenceToJson,
  genesisToJson,
  runRecordToJson,
  voteToJson,
} from '../src/json.js';
import { buildRunsTree, proveRun, verifyRunProof } from '../src/merkle.js';
import {
  ceremonyIdOf,
  certificateHash,
  DOMAIN_TAGS,
  evidenceHash,
  hashSignedCommitment,
  networkIdOf,
  STATEMENT_TAG,
  signingBytes,
  statementBytes,
  statementOf,
} from '../src/signing.js';
import type { Certificate, Evidence, RunRecord } from '../src/types.js';
import { nobleRecover, nobleSign, nobleVerify, recoverSignature } from './helpers/bls.js';
import {
  auditorKey,
  bls,
  fileEvidence,
  genesis,
  LABS,
  labKeys,
  metrics,
  networkId,
  signed,
  vote,
} from './helpers/fixtures.js';

/**
 * docs/vectors/protocol-v2.json: fixed keys, messages, canonical CBOR, signing bytes, signatures, breach ids
 * and statements. Regenerate (only when the encoding deliberately changes):
 * PAUSENET_WRITE_VECTORS=1 npx vitest run ... vectors
 */
const FILE = new URL('../../../docs/vectors/protocol-v2.json', import.meta.url);

function build() {
  const records: RunRecord[] = [0, 1, 2].map((i) => ({
    id: `run-${i}`,
    salt: sha256(utf8(`vector-salt-${i}`)),
    flop: 3n * 10n ** 24n * BigInt(i + 1),
    params: 7n * 10n ** 10n,
    datasetTokens: 15n * 10n ** 12n,
    acceleratorHours: 250_000n + BigInt(i),
  }));
  const tree = buildRunsTree(records);
  const c0 = signed({ runsRoot: tree.root });
  const over = signed({ lab: 'lab-d', metrics: metrics({ trainingFlop: 10n ** 26n + 1n }) });
  const a = signed({ lab: 'lab-c', epoch: 1 });
  const b = signed({ lab: 'lab-c', epoch: 1, metrics: metrics({ datasetTokens: 1n }) });
  const capEv = fileEvidence(checkCaps(over, genesis.policy) as Evidence, 'lab-b');
  const eqEv = fileEvidence(detectEquivocation(a, b) as Evidence, 'lab-a');
  const missedEv = fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 0 }, 'lab-c');
  const reportEv = fileEvidence(
    {
      kind: 'report',
      subject: 'lab-d',
      epoch: 1,
      digest: sha256(utf8('audit.pdf')),
      summary: 'audit finding',
    },
    'auditor-x',
  );
  const capBreach = breachIdOf(capEv.evidence);
  const eqBreach = breachIdOf(eqEv.evidence);
  const resolves = [capBreach, eqBreach].sort((x, y) => (toHex(x) < toHex(y) ? -1 : 1));
  const votes = ['lab-a', 'lab-b', 'lab-c'].map((l) =>
    vote(l, 1, 'PAUSED', { evidence: [evidenceHash(capEv)], breaches: [capBreach] }),
  );
  const cert: Certificate = {
    networkId,
    height: 1,
    target: 'PAUSED',
    signers: ['lab-a', 'lab-b', 'lab-c'],
    resolves: [],
    signature: recoverSignature(votes.map((v, i) => ({ index: i + 1, signature: v.vote.partial }))),
  };
  const resumeVotes = ['lab-b', 'lab-c', 'lab-d'].map((l) => vote(l, 2, 'RUNNING', { resolves }));
  const resume: Certificate = {
    networkId,
    height: 2,
    target: 'RUNNING',
    signers: ['lab-b', 'lab-c', 'lab-d'],
    resolves,
    signature: recoverSignature(resumeVotes.map((v, i) => ({ index: i + 2, signature: v.vote.partial }))),
  };
  const commitmentVector = (name: string, sc: typeof c0) => ({
    name,
    json: commitmentToJson(sc),
    canonical: toHex(encodeSignedCommitment(sc)),
    signingBytes: toHex(signingBytes('commitment', networkId, encodeCommitment(sc.commitment))),
    hash: toHex(hashSignedCommitment(sc)),
  });
  const evidenceVector = (name: string, se: typeof capEv) => {
    const { signature: _s, ...body } = se;
    return {
      name,
      json: evidenceToJson(se),
      canonical: toHex(encodeSignedEvidence(se)),
      signingBytes: toHex(signingBytes('evidence', networkId, encodeEvidenceBody(body))),
      hash: toHex(evidenceHash(se)),
    };
  };
  const proof = proveRun(tree, 1);
  const voteVector = (v: (typeof votes)[number]) => ({
    name: `vote of ${v.vote.voter} for height ${v.vote.height} ${v.vote.target}`,
    json: voteToJson(v),
    canonical: toHex(encodeSignedVote(v)),
    signingBytes: toHex(signingBytes('vote', networkId, encodeVote(v.vote))),
    statement: toHex(statementBytes(statementOf(v.vote))),
  });
  const certificateVector = (c: Certificate) => ({
    json: certificateToJson(c),
    canonical: toHex(encodeCertificate(c)),
    hash: toHex(certificateHash(c)),
  });
  return {
    description:
      'pausenet protocol v2 test vectors (docs/protocol.md). Hex is lowercase. Ed25519 secret keys are 32-byte seeds; BLS shares come from a fixed test dealer (index i holds f(i)).',
    protocolVersion: 2,
    domainTags: { ...DOMAIN_TAGS, statement: STATEMENT_TAG, breach: BREACH_TAG },
    keys: {
      ed25519: LABS.map((l) => ({
        lab: l,
        seed: toHex(labKeys[l]!),
        publicKey: toHex(ed25519PublicKey(labKeys[l]!)),
      })),
      auditors: [
        { id: 'auditor-x', seed: toHex(auditorKey), publicKey: toHex(ed25519PublicKey(auditorKey)) },
      ],
      bls: {
        groupPublicKey: toHex(bls.groupPublicKey),
        shares: bls.shares.map((s, i) => ({
          index: i + 1,
          secret: toHex(s),
          public: toHex(bls.publicShares[i]!),
        })),
      },
    },
    genesis: {
      json: genesisToJson(genesis),
      canonical: toHex(encodeGenesis(genesis)),
      networkId: toHex(networkIdOf(genesis)),
      ceremonyId: toHex(ceremonyIdOf(genesis)),
    },
    commitments: [
      commitmentVector('first commitment of lab-a', c0),
      commitmentVector('lab-d over the FLOP cap', over),
    ],
    evidence: [
      evidenceVector('cap-exceeded', capEv),
      evidenceVector('equivocation', eqEv),
      evidenceVector('missed', missedEv),
      evidenceVector('report', reportEv),
    ],
    breaches: [capEv, eqEv, missedEv, reportEv].map((se) => ({
      evidence: toHex(evidenceHash(se)),
      key: toJsonKey(breachKeyOf(se.evidence)),
      keyCanonical: toHex(encodeBreachKey(breachKeyOf(se.evidence))),
      id: toHex(breachIdOf(se.evidence)),
    })),
    votes: [...votes, ...resumeVotes].map(voteVector),
    statements: [
      {
        height: 1,
        target: 'PAUSED',
        resolves: [],
        bytes: toHex(statementBytes({ networkId, height: 1, target: 'PAUSED', resolves: [] })),
      },
      {
        height: 2,
        target: 'RUNNING',
        resolves: resolves.map(toHex),
        bytes: toHex(statementBytes({ networkId, height: 2, target: 'RUNNING', resolves })),
      },
      {
        height: 2,
        target: 'RUNNING',
        resolves: [],
        bytes: toHex(statementBytes({ networkId, height: 2, target: 'RUNNING', resolves: [] })),
      },
    ],
    certificate: certificateVector(cert),
    resumeCertificate: certificateVector(resume),
    merkle: {
      records: records.map(runRecordToJson),
      leaves: tree.leaves.map(toHex),
      root: toHex(tree.root),
      proofOfIndex1: { index: proof.index, leafCount: proof.leafCount, siblings: proof.siblings.map(toHex) },
    },
    invalid: [
      {
        name: 'certificate with trailing byte',
        type: 'Certificate',
        hex: `${toHex(encodeCertificate(cert))}00`,
        code: 'MALFORMED',
      },
      { name: 'empty map as vote', type: 'SignedVote', hex: 'a0', code: 'MISSING_FIELD' },
      { name: 'float', type: 'Certificate', hex: 'f93c00', code: 'WRONG_TYPE' },
      { name: 'indefinite map', type: 'Certificate', hex: 'bfff', code: 'MALFORMED' },
      {
        name: 'version-1 genesis',
        type: 'Genesis',
        hex: toHex(encodeGenesis(genesis)).replace('6776657273696f6e02', '6776657273696f6e01'),
        code: 'OUT_OF_RANGE',
      },
    ],
  };
}

/** JSON view of a breach key (digest as hex). */
function toJsonKey(k: ReturnType<typeof breachKeyOf>): Record<string, unknown> {
  return k.kind === 'report' ? { ...k, digest: toHex(k.digest) } : { ...k };
}

describe('test vectors (docs/vectors/protocol-v2.json)', () => {
  const generated = JSON.parse(JSON.stringify(build()));
  if (process.env['PAUSENET_WRITE_VECTORS'] === '1')
    writeFileSync(FILE, `${JSON.stringify(generated, null, 2)}\n`);

  it('the code reproduces the committed vectors exactly', () => {
    expect(existsSync(FILE)).toBe(true);
    expect(generated).toEqual(JSON.parse(readFileSync(FILE, 'utf8')));
  });

  it('vectors are self-consistent: decode/re-encode, ids, signatures, statement, certificate, merkle', () => {
    const v = JSON.parse(readFileSync(FILE, 'utf8'));
    const g = decodeGenesis(fromHex(v.genesis.canonical));
    expect(toHex(sha256(fromHex(v.genesis.canonical)))).toBe(v.genesis.networkId);
    const keyOf = (id: string) =>
      fromHex(
        (
          v.keys.ed25519.find((k: { lab: string }) => k.lab === id) ??
          v.keys.auditors.find((k: { id: string }) => k.id === id)
        ).publicKey,
      );
    for (const c of v.commitments) {
      const sc = decodeSignedCommitment(fromHex(c.canonical));
      expect(toHex(encodeSignedCommitment(sc))).toBe(c.canonical);
      expect(ed25519Verify(keyOf(sc.commitment.lab), fromHex(c.signingBytes), sc.signature)).toBe(true);
      expect(toHex(sha256(fromHex(c.canonical)))).toBe(c.hash);
    }
    for (const e of v.evidence) {
      const se = decodeSignedEvidence(fromHex(e.canonical));
      expect(ed25519Verify(keyOf(se.reporter), fromHex(e.signingBytes), se.signature)).toBe(true);
    }
    for (const x of v.votes) {
      const sv = decodeSignedVote(fromHex(x.canonical));
      expect(ed25519Verify(keyOf(sv.vote.voter), fromHex(x.signingBytes), sv.signature)).toBe(true);
    }
    // Breach ids: SHA-256(tag ‖ canonical key), and the evidence's JSON view names the same id.
    for (const [i, b] of v.breaches.entries()) {
      expect(toHex(sha256(utf8(v.domainTags.breach), fromHex(b.keyCanonical)))).toBe(b.id);
      expect(v.evidence[i].json.breach).toBe(b.id);
    }
    // A resume statement ends with SHA-256 over its ascending resolved ids; a pause statement with 32 zero bytes.
    const rs = v.statements[1];
    expect(rs.bytes.endsWith(toHex(sha256(...rs.resolves.map((h) => fromHex(h)))))).toBe(true);
    expect(v.statements[0].bytes.endsWith('00'.repeat(32))).toBe(true);
    const cert = decodeCertificate(fromHex(v.certificate.canonical));
    expect(v.certificate.json.statement).toBe(v.statements[0].bytes);
    expect(v.resumeCertificate.json.statement).toBe(rs.bytes);
    // Independent BLS implementation (noble-curves) verifies the certificates from the group key and statement alone,
    // and recovers the same group signature from the votes' partials.
    expect(nobleVerify(g.dkg!.groupPublicKey, fromHex(v.statements[0].bytes), cert.signature)).toBe(true);
    const resume = decodeCertificate(fromHex(v.resumeCertificate.canonical));
    expect(nobleVerify(g.dkg!.groupPublicKey, fromHex(rs.bytes), resume.signature)).toBe(true);
    expect(nobleVerify(g.dkg!.groupPublicKey, fromHex(v.statements[2].bytes), resume.signature)).toBe(false);
    const partials = v.votes.slice(0, 3).map((x: { canonical: string }, i: number) => ({
      index: i + 1,
      signature: decodeSignedVote(fromHex(x.canonical)).vote.partial,
    }));
    expect(nobleRecover(partials)).toEqual(cert.signature);
    const share1 = fromHex(v.keys.bls.shares[0].secret);
    expect(toHex(nobleSign(share1, fromHex(v.statements[0].bytes)))).toBe(toHex(partials[0].signature));
    const records = v.merkle.records;
    expect(
      verifyRunProof(
        fromHex(v.merkle.root),
        {
          ...records[1],
          salt: fromHex(records[1].salt),
          flop: BigInt(records[1].flop),
          params: BigInt(records[1].params),
          datasetTokens: BigInt(records[1].datasetTokens),
          acceleratorHours: BigInt(records[1].acceleratorHours),
        },
        { ...v.merkle.proofOfIndex1, siblings: v.merkle.proofOfIndex1.siblings.map((h) => fromHex(h)) },
      ),
    ).toBe(true);
    const decoders: Record<string, (b: Uint8Array) => unknown> = {
      Certificate: decodeCertificate,
      SignedVote: decodeSignedVote,
      Genesis: decodeGenesis,
    };
    for (const bad of v.invalid) {
      let code = 'NO_ERROR';
      try {
        decoders[bad.type]!(fromHex(bad.hex));
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError);
        code = (e as ProtocolError).code;
      }
      expect(code).toBe(bad.code);
    }
  });
});
