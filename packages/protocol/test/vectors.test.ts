import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ed25519PublicKey, ed25519Verify } from '@pausenet/crypto';
import { describe, expect, it } from 'vitest';
import { BREACH_TAG, breachIdOf, breachKeyOf, encodeBreachKey } from '../src/breach.js';
import { fromHex, sha256, toHex, utf8 } from '../src/bytes.js';
import {
  decodeCertificate,
  decodeGenesis,
  decodeReleaseCertificate,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedReceipt,
  decodeSignedVote,
  encodeCertificate,
  encodeCommitment,
  encodeEvidenceBody,
  encodeGenesis,
  encodeReceipt,
  encodeReleaseCertificate,
  encodeReleasePayload,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedReceipt,
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
  receiptToJson,
  releaseCertificateToJson,
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
  RELEASE_STATEMENT_TAG,
  receiptHash,
  releaseCertificateHash,
  releaseStatementBytes,
  STATEMENT_TAG,
  signingBytes,
  statementBytes,
  statementOf,
} from '../src/signing.js';
import type { Certificate, Evidence, PauseViolation, ReleaseCertificate, RunRecord } from '../src/types.js';
import { validateEvidence } from '../src/validation/evidence.js';
import { validateReleaseCertificate } from '../src/validation/release.js';
import { nobleRecover, nobleSign, nobleVerify, recoverSignature } from './helpers/bls.js';
import {
  auditorKey,
  bls,
  epochStart,
  fileEvidence,
  genesis,
  LABS,
  labKeys,
  metrics,
  networkId,
  signed,
  vote,
} from './helpers/fixtures.js';
import { makeNet } from './helpers/net.js';

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
    step: 'up',
    signers: ['lab-a', 'lab-b', 'lab-c'],
    resolves: [],
    signature: recoverSignature(votes.map((v, i) => ({ index: i + 1, signature: v.vote.partial }))),
  };
  const resumeVotes = ['lab-b', 'lab-c', 'lab-d'].map((l) => vote(l, 2, 'RUNNING', { resolves }));
  const resume: Certificate = {
    networkId,
    height: 2,
    target: 'RUNNING',
    step: 'down',
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
    domainTags: {
      ...DOMAIN_TAGS,
      statement: STATEMENT_TAG,
      release: RELEASE_STATEMENT_TAG,
      breach: BREACH_TAG,
    },
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
        shares: bls.secretShares.map((s, i) => ({
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
        step: 'up',
        resolves: [],
        bytes: toHex(statementBytes({ networkId, height: 1, target: 'PAUSED', step: 'up', resolves: [] })),
      },
      {
        height: 2,
        target: 'RUNNING',
        step: 'down',
        resolves: resolves.map(toHex),
        bytes: toHex(statementBytes({ networkId, height: 2, target: 'RUNNING', step: 'down', resolves })),
      },
      {
        height: 2,
        target: 'RUNNING',
        step: 'down',
        resolves: [],
        bytes: toHex(statementBytes({ networkId, height: 2, target: 'RUNNING', step: 'down', resolves: [] })),
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
    levels: levelVectors(),
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

/**
 * Levels, receipts, compliance and releases, on a network whose policy sets them: cap-exceeded on
 * trainingFlop leads to REDUCED, PAUSED allows 1e24 FLOP per epoch, lab-a's pledge depends on all members,
 * a broken condition allows a release.
 */
function levelVectors() {
  const net = makeNet(
    {
      levels: { caps: { trainingFlop: 'REDUCED' } },
      limits: { PAUSED: { trainingFlop: 10n ** 24n } },
      baselineEpochs: 2,
      receiptDeadlineMs: 600_000,
      onBrokenCondition: 'release',
    },
    { 'lab-a': { dependsOn: 'all' } },
  );
  const nid = net.networkId;
  const reducedBreach = net.capBreach('lab-d', 'trainingFlop');
  const reducedVotes = ['lab-a', 'lab-b', 'lab-c'].map((l) =>
    net.vote(l, 1, 'REDUCED', { breaches: [reducedBreach.id] }),
  );
  const reduced: Certificate = {
    networkId: nid,
    height: 1,
    target: 'REDUCED',
    step: 'up',
    signers: ['lab-a', 'lab-b', 'lab-c'],
    resolves: [],
    signature: recoverSignature(reducedVotes.map((v, i) => ({ index: i + 1, signature: v.vote.partial }))),
  };
  const paused = net.cert(1, 'PAUSED');
  const down = {
    networkId: nid,
    height: 2,
    target: 'REDUCED' as const,
    step: 'down' as const,
    resolves: [reducedBreach.id],
  };
  const chain = net.chain('lab-b', [
    { epoch: 0 },
    { epoch: 1 },
    { epoch: 2, height: 1, level: 'PAUSED', metrics: { trainingFlop: 5n * 10n ** 24n } },
  ]);
  const receipt = net.receipt({
    lab: 'lab-b',
    certificateHash: certificateHash(paused),
    height: 1,
    target: 'PAUSED',
    hooksDoneAt: epochStart(2) - 2_000,
    issuedAt: epochStart(2) - 1_000,
    hooks: [
      { name: 'sentinel', outcome: 'ok', attempts: 1 },
      { name: 'slurm-train', outcome: 'ok', attempts: 2 },
    ],
    schedulerDigest: sha256(utf8('{"slurm":{"jobs":[]}}')),
  });
  const violation: PauseViolation = {
    kind: 'pause-violation',
    certificate: paused,
    acknowledgment: { kind: 'receipt', receipt },
    commitment: chain[2]!,
    baseline: [],
  };
  const violationEv = net.evidence(violation, 'lab-a', epochStart(4));
  const payload = { released: ['lab-a'], breaches: [breachIdOf(violation)] };
  const releaseSt = releaseStatementBytes({ networkId: nid, sequence: 1, ...payload });
  const release: ReleaseCertificate = {
    networkId: nid,
    sequence: 1,
    ...payload,
    signers: ['lab-a', 'lab-c', 'lab-d'],
    signature: recoverSignature(
      [1, 3, 4].map((index) => ({ index, signature: nobleSign(bls.secretShares[index - 1]!, releaseSt) })),
    ),
  };
  const { signature: _s, ...violationBody } = violationEv;
  return {
    genesis: {
      json: genesisToJson(net.genesis),
      canonical: toHex(encodeGenesis(net.genesis)),
      networkId: toHex(nid),
    },
    statements: [
      {
        height: 1,
        target: 'REDUCED',
        step: 'up',
        resolves: [],
        bytes: toHex(statementBytes(statementOf(reduced))),
      },
      {
        height: 2,
        target: 'REDUCED',
        step: 'down',
        resolves: [toHex(reducedBreach.id)],
        bytes: toHex(statementBytes(down)),
      },
    ],
    reducedVote: {
      json: voteToJson(reducedVotes[0]!),
      canonical: toHex(encodeSignedVote(reducedVotes[0]!)),
      signingBytes: toHex(signingBytes('vote', nid, encodeVote(reducedVotes[0]!.vote))),
    },
    reducedCertificate: {
      json: certificateToJson(reduced),
      canonical: toHex(encodeCertificate(reduced)),
      hash: toHex(certificateHash(reduced)),
    },
    pausedCertificate: {
      json: certificateToJson(paused),
      canonical: toHex(encodeCertificate(paused)),
      hash: toHex(certificateHash(paused)),
    },
    commitmentWithHeight: {
      json: commitmentToJson(chain[2]!),
      canonical: toHex(encodeSignedCommitment(chain[2]!)),
      signingBytes: toHex(signingBytes('commitment', nid, encodeCommitment(chain[2]!.commitment))),
      hash: toHex(hashSignedCommitment(chain[2]!)),
    },
    receipt: {
      json: receiptToJson(receipt),
      canonical: toHex(encodeSignedReceipt(receipt)),
      signingBytes: toHex(signingBytes('receipt', nid, encodeReceipt(receipt.receipt))),
      hash: toHex(receiptHash(receipt)),
    },
    pauseViolation: {
      json: evidenceToJson(violationEv),
      canonical: toHex(encodeSignedEvidence(violationEv)),
      signingBytes: toHex(signingBytes('evidence', nid, encodeEvidenceBody(violationBody))),
      key: { ...breachKeyOf(violation) },
      keyCanonical: toHex(encodeBreachKey(breachKeyOf(violation))),
      breach: toHex(breachIdOf(violation)),
    },
    release: {
      payloadCanonical: toHex(encodeReleasePayload(payload)),
      statement: toHex(releaseSt),
      certificate: {
        json: releaseCertificateToJson(release),
        canonical: toHex(encodeReleaseCertificate(release)),
        hash: toHex(releaseCertificateHash(release)),
      },
    },
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
    // Levels: the REDUCED statements (level byte 1; zero digest up, ids digest down), the REDUCED
    // certificate verified by noble, the receipt and pause-violation signed by their labs, the release.
    const L = v.levels;
    const lg = decodeGenesis(fromHex(L.genesis.canonical));
    expect(toHex(sha256(fromHex(L.genesis.canonical)))).toBe(L.genesis.networkId);
    expect(L.statements[0].bytes.slice(-66)).toBe(`01${'00'.repeat(32)}`);
    expect(L.statements[1].bytes.slice(-66)).toBe(
      `01${toHex(sha256(...L.statements[1].resolves.map((h) => fromHex(h))))}`,
    );
    const rc = decodeCertificate(fromHex(L.reducedCertificate.canonical));
    expect([rc.target, rc.step]).toEqual(['REDUCED', 'up']);
    expect(L.reducedCertificate.json.statement).toBe(L.statements[0].bytes);
    expect(nobleVerify(lg.dkg!.groupPublicKey, fromHex(L.statements[0].bytes), rc.signature)).toBe(true);
    const lkey = (id: string) => fromHex(v.keys.ed25519.find((k: { lab: string }) => k.lab === id).publicKey);
    const lc = decodeSignedCommitment(fromHex(L.commitmentWithHeight.canonical));
    expect([lc.commitment.height, lc.commitment.level]).toEqual([1, 'PAUSED']);
    expect(ed25519Verify(lkey('lab-b'), fromHex(L.commitmentWithHeight.signingBytes), lc.signature)).toBe(
      true,
    );
    const lr = decodeSignedReceipt(fromHex(L.receipt.canonical));
    expect(toHex(encodeSignedReceipt(lr))).toBe(L.receipt.canonical);
    expect(ed25519Verify(lkey('lab-b'), fromHex(L.receipt.signingBytes), lr.signature)).toBe(true);
    expect(toHex(lr.receipt.certificateHash)).toBe(L.pausedCertificate.hash);
    const lv = decodeSignedEvidence(fromHex(L.pauseViolation.canonical));
    expect(ed25519Verify(lkey('lab-a'), fromHex(L.pauseViolation.signingBytes), lv.signature)).toBe(true);
    expect(toHex(sha256(utf8(v.domainTags.breach), fromHex(L.pauseViolation.keyCanonical)))).toBe(
      L.pauseViolation.breach,
    );
    expect(L.pauseViolation.json.breach).toBe(L.pauseViolation.breach);
    expect(L.release.statement).toBe(
      toHex(utf8(v.domainTags.release)) +
        L.genesis.networkId +
        '0000000000000001' +
        toHex(sha256(fromHex(L.release.payloadCanonical))),
    );
    const rel = decodeReleaseCertificate(fromHex(L.release.certificate.canonical));
    expect(nobleVerify(lg.dkg!.groupPublicKey, fromHex(L.release.statement), rel.signature)).toBe(true);
    // The protocol's own rules accept them (the pause-violation convinces with the genesis alone).
    const lnid = fromHex(L.genesis.networkId);
    expect(validateEvidence(lv, { genesis: lg, networkId: lnid, now: lv.issuedAt })).toEqual({ ok: true });
    expect(validateReleaseCertificate(rel, { genesis: lg, networkId: lnid })).toEqual({ ok: true });
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
