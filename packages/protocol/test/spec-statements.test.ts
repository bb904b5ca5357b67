import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { missedAfter } from '../src/epoch.js';
import { ProtocolError } from '../src/errors.js';
import { genesisToYaml, parseGenesisYaml } from '../src/genesis-yaml.js';
import {
  certificateFromJson,
  commitmentFromJson,
  commitmentToJson,
  evidenceFromJson,
  genesisFromJson,
  genesisToJson,
  receiptFromJson,
  releaseCertificateFromJson,
  runRecordFromJson,
  voteFromJson,
} from '../src/json.js';
import { buildRunsTree, proveRun, verifyRunProof } from '../src/merkle.js';
import { validateCommitment, validateCommitmentIntrinsic } from '../src/validation/commitment.js';
import { genesis, networkId, signed } from './helpers/fixtures.js';

/** Statements of docs/protocol.md that an independent implementer relies on, checked against the code. */
const VECTORS = JSON.parse(
  readFileSync(new URL('../../../docs/vectors/protocol-v2.json', import.meta.url), 'utf8'),
);

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof ProtocolError) return `${e.code}${e.path ? ` at ${e.path}` : ''}`;
    if ((e as { code?: string }).code) return (e as { code: string }).code;
    throw e;
  }
};

describe('"Validation rules": the commitment checks and their order', () => {
  const good = signed();
  const forged = { ...good, signature: new Uint8Array(64).fill(7) };
  const stale = missedAfter(genesis.policy, good.commitment.epoch) + 30_001;

  it('validateCommitment runs the time rules before any signature check: a stale forgery is C_STALE (ignore)', () => {
    expect(validateCommitment(forged, { genesis, networkId, now: stale })).toMatchObject({
      ok: false,
      code: 'C_STALE',
      action: 'ignore',
    });
    // historic (sync) skips C_STALE and reaches the signature
    expect(validateCommitment(forged, { genesis, networkId, now: stale, historic: true })).toMatchObject({
      code: 'C_SIGNATURE',
      action: 'reject',
    });
  });

  it('the seq rules also come before the signature: a replayed forgery is C_SEQ_OLD', () => {
    expect(
      validateCommitment(forged, {
        genesis,
        networkId,
        now: good.commitment.issuedAt,
        lastOfLab: { seq: good.commitment.seq, hash: new Uint8Array(32) },
      }),
    ).toMatchObject({ code: 'C_SEQ_OLD', action: 'ignore' });
  });

  it('the intrinsic check has no time or chain rule; its rules run signature before the epoch bounds', () => {
    expect(validateCommitmentIntrinsic(forged, genesis, networkId)).toMatchObject({ code: 'C_SIGNATURE' });
    const early = signed({ issuedAt: genesis.policy.genesisTime - 1 });
    expect(validateCommitmentIntrinsic(early, genesis, networkId)).toMatchObject({
      code: 'C_ISSUED_BEFORE_EPOCH',
    });
    expect(
      validateCommitmentIntrinsic({ ...early, signature: new Uint8Array(64) }, genesis, networkId),
    ).toMatchObject({ code: 'C_SIGNATURE' });
    // long after the epoch closed the intrinsic check still passes (evidence embedding it never goes stale)
    expect(validateCommitmentIntrinsic(good, genesis, networkId)).toEqual({ ok: true });
  });
});

describe('"Versions": a genesis of another version', () => {
  it('is refused by the CBOR decoder, the JSON view and the YAML parser, each at `version`', () => {
    const json = genesisToJson(genesis) as Record<string, unknown>;
    for (const v of [1, 3])
      expect(codeOf(() => genesisFromJson({ ...json, version: v }))).toBe('OUT_OF_RANGE at version');
    const yaml = genesisToYaml(genesis).replace(/^version: 2$/m, 'version: 1');
    let issue: unknown;
    try {
      parseGenesisYaml(yaml);
    } catch (e) {
      issue = (e as { issues?: { path: string }[] }).issues?.[0];
    }
    expect(issue).toMatchObject({ path: 'version' });
  });
});

describe('"Encoding": field bounds the spec names', () => {
  const c = commitmentToJson(signed()) as unknown as Record<string, unknown>;
  const att = (attester: string) => ({ attester, publicKey: '00'.repeat(32), signature: '00'.repeat(64) });
  it('Attestation.attester is any text of 0..128 UTF-8 bytes (no id pattern)', () => {
    for (const a of ['', 'Datacenter Operator GmbH', 'é'.repeat(64)])
      expect(codeOf(() => commitmentFromJson({ ...c, hash: undefined, attestations: [att(a)] }))).toBe('ok');
    expect(
      codeOf(() => commitmentFromJson({ ...c, hash: undefined, attestations: [att('x'.repeat(129))] })),
    ).toBe('OUT_OF_RANGE at commitment.attestations[0].attester');
  });

  it('RunRecord.id is text of 1..128 bytes; Certificate.signers 1..64 ids', () => {
    const record = VECTORS.merkle.records[0];
    expect(codeOf(() => runRecordFromJson({ ...record, id: 'x'.repeat(128) }))).toBe('ok');
    expect(codeOf(() => runRecordFromJson({ ...record, id: '' }))).toBe('OUT_OF_RANGE at id');
    expect(codeOf(() => runRecordFromJson({ ...record, id: 'x'.repeat(129) }))).toBe('OUT_OF_RANGE at id');
    const cert = VECTORS.certificate.json;
    const { hash: _h, statement: _s, ...body } = cert;
    expect(codeOf(() => certificateFromJson({ ...body, signers: [] }))).toBe('OUT_OF_RANGE at signers');
    expect(codeOf(() => certificateFromJson({ ...body, signers: Array(65).fill('lab-a') }))).toBe(
      'OUT_OF_RANGE at signers',
    );
    expect(codeOf(() => certificateFromJson({ ...body, signers: ['Lab-A'] }))).toBe(
      'OUT_OF_RANGE at signers[0]',
    );
  });
});

describe('"Encoding": JSON views', () => {
  it('every message view has the keys the spec lists (vote and evidence nested, commitment and receipt flat)', () => {
    const keys = (x: unknown) => Object.keys(x as object).sort();
    expect(keys(VECTORS.commitments[0].json)).toEqual(
      [
        'attestations',
        'epoch',
        'hash',
        'height',
        'issuedAt',
        'lab',
        'level',
        'metrics',
        'networkId',
        'prev',
        'runsRoot',
        'seq',
        'signature',
      ].sort(),
    );
    expect(keys(VECTORS.votes[0].json)).toEqual(['hash', 'signature', 'vote']);
    expect(keys(VECTORS.evidence[0].json)).toEqual([
      'breach',
      'evidence',
      'hash',
      'issuedAt',
      'networkId',
      'reporter',
      'signature',
    ]);
    // an embedded commitment keeps the wire shape {commitment, signature}: no hash, not flattened
    expect(keys(VECTORS.evidence[0].json.evidence.commitment)).toEqual(['commitment', 'signature']);
    expect(keys(VECTORS.certificate.json)).toEqual(
      [
        'hash',
        'networkId',
        'height',
        'target',
        'step',
        'signers',
        'resolves',
        'signature',
        'statement',
      ].sort(),
    );
    const violation = VECTORS.levels.pauseViolation.json ?? VECTORS.levels.pauseViolation;
    expect(keys(violation.evidence.certificate)).not.toContain('hash');
    expect(keys(violation.evidence.acknowledgment.receipt)).toEqual(['receipt', 'signature']);
    const receipt = VECTORS.levels.receipt.json ?? VECTORS.levels.receipt;
    expect(keys(receipt)).toContain('lab');
    expect(keys(receipt)).toContain('hash');
    expect(keys(VECTORS.levels.release.certificate.json)).toEqual(
      ['breaches', 'hash', 'networkId', 'released', 'sequence', 'signature', 'signers', 'statement'].sort(),
    );
    // each view parses back
    expect(codeOf(() => voteFromJson(VECTORS.votes[0].json))).toBe('ok');
    expect(codeOf(() => evidenceFromJson(VECTORS.evidence[0].json))).toBe('ok');
    expect(codeOf(() => receiptFromJson(receipt))).toBe('ok');
    expect(codeOf(() => releaseCertificateFromJson(VECTORS.levels.release.certificate.json))).toBe('ok');
  });

  it('hex input may be upper, lower or mixed case; output is lowercase; 0x prefixes and odd lengths are refused', () => {
    const j = VECTORS.commitments[0].json;
    const upper = {
      ...j,
      hash: j.hash.toUpperCase(),
      signature: j.signature.toUpperCase(),
      prev: j.prev.toUpperCase(),
    };
    const sc = commitmentFromJson(upper);
    expect(commitmentToJson(sc)).toEqual(commitmentToJson(commitmentFromJson(j)));
    expect(commitmentToJson(sc).signature).toBe(j.signature);
    expect(codeOf(() => commitmentFromJson({ ...j, signature: `0x${j.signature}` }))).toBe(
      'WRONG_TYPE at signature',
    );
    expect(codeOf(() => commitmentFromJson({ ...j, signature: j.signature.slice(1) }))).toBe(
      'WRONG_TYPE at signature',
    );
    // a derived field that does not match is refused (compared as bytes, so its case does not matter)
    expect(codeOf(() => commitmentFromJson({ ...j, hash: `${j.hash.slice(0, -1)}0` }))).toMatch(/^MALFORMED/);
  });
});

describe('"Genesis YAML": YAML 1.2, core schema', () => {
  const base = genesisToYaml(genesis);
  const set = (key: string, value: string) =>
    base.replace(new RegExp(`^(\\s*${key}:).*$`, 'm'), `$1 ${value}`);
  const parsed = (y: string) => {
    try {
      return parseGenesisYaml(y);
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  it('booleans are true/false (any case), not yes/no/on/off', () => {
    expect((parsed(set('resumeNeedsApproval', 'True')) as typeof genesis).policy.resumeNeedsApproval).toBe(
      true,
    );
    for (const v of ['yes', 'no', 'on', 'off', 'y'])
      expect(parsed(set('resumeNeedsApproval', v)), v).toBe('INVALID_GENESIS_CONFIG');
  });

  it('integers may be written 0x/0o or as a float that is an exact safe integer; larger floats are refused', () => {
    expect((parsed(set('threshold', '0x3')) as typeof genesis).threshold).toBe(3);
    expect((parsed(set('threshold', '0o3')) as typeof genesis).threshold).toBe(3);
    expect((parsed(set('epochMs', '3.6e6')) as typeof genesis).policy.epochMs).toBe(3_600_000);
    expect((parsed(set('trainingFlop', '1e3')) as typeof genesis).policy.caps.trainingFlop).toBe(1000n);
    expect(parsed(set('trainingFlop', '1e26'))).toBe('INVALID_GENESIS_CONFIG');
    expect((parsed(set('trainingFlop', '"1e26"')) as typeof genesis).policy.caps.trainingFlop).toBe(
      10n ** 26n,
    );
    expect(
      (parsed(set('trainingFlop', '100000000000000000000000000')) as typeof genesis).policy.caps.trainingFlop,
    ).toBe(10n ** 26n);
  });

  it('duplicate keys are refused; ~ is null (refused where a value is required); anchors are allowed', () => {
    expect(parsed(base.replace(/^name: (.*)$/m, 'name: $1\nname: other'))).toBe('INVALID_GENESIS_CONFIG');
    expect(parsed(set('name', '~'))).toBe('INVALID_GENESIS_CONFIG');
    expect((parsed(base.replace(/^name: (.*)$/m, 'name: &n $1')) as typeof genesis).name).toBe(genesis.name);
  });
});

describe('"Runs Merkle tree": a proof does not bind leafCount', () => {
  it('the same siblings verify a record under other (index, leafCount) pairs', () => {
    const records = VECTORS.merkle.records.map((r: unknown) => runRecordFromJson(r));
    const tree = buildRunsTree(records);
    const proof = proveRun(tree, 2);
    expect(proof).toMatchObject({ index: 2, leafCount: 3 });
    expect(verifyRunProof(tree.root, records[2], proof)).toBe(true);
    expect(verifyRunProof(tree.root, records[2], { index: 1, leafCount: 2, siblings: proof.siblings })).toBe(
      true,
    );
    expect(verifyRunProof(tree.root, records[2], { index: 4, leafCount: 5, siblings: proof.siblings })).toBe(
      true,
    );
    // what is bound: the record and the root (another record, or a sibling changed, fails)
    expect(verifyRunProof(tree.root, records[1], proof)).toBe(false);
    expect(toHex(tree.root)).toBe(VECTORS.merkle.root);
  });
});
