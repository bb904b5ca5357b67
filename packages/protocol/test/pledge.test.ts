import { describe, expect, it } from 'vitest';
import { breachIdOfKey } from '../src/breach.js';
import { toHex } from '../src/bytes.js';
import { decodeReleaseCertificate, encodeGenesis, encodeReleaseCertificate } from '../src/codec/codec.js';
import { pledgeConditions, type StandingBreach } from '../src/compliance/pledge.js';
import type { ProtocolError } from '../src/errors.js';
import { genesisToYaml, parseGenesisYaml } from '../src/genesis-yaml.js';
import { releaseCertificateFromJson, releaseCertificateToJson } from '../src/json.js';
import { createReleaseState, releasedLabs, releaseStep } from '../src/pause/release.js';
import { signReleaseVote } from '../src/sign.js';
import { networkIdOf, releaseStatementBytes } from '../src/signing.js';
import type {
  BreachKey,
  Genesis,
  ReleaseCertificate,
  ReleasePayload,
  SignedReleaseVote,
  Validation,
} from '../src/types.js';
import { validateReleaseCertificate, validateReleaseVote } from '../src/validation/release.js';
import { blsSign, recoverSignature } from './helpers/bls.js';
import { bls, epochStart, LABS, labKeys, makeGenesis, outsiderKey } from './helpers/fixtures.js';

/** Conditional pledges and release certificates (docs/protocol.md "Conditional pledges"). */
const pledges = { 'lab-a': { dependsOn: 'all' as const }, 'lab-b': { dependsOn: ['lab-c'] } };
const genesis = makeGenesis({ policy: { onBrokenCondition: 'release' }, pledges });
const networkId = networkIdOf(genesis);
const holding = makeGenesis({ pledges });
const now = epochStart(5);

const key = (k: BreachKey): StandingBreach => ({ id: breachIdOfKey(k), key: k });
const missedC = key({ kind: 'missed', lab: 'lab-c', epoch: 3 });
const violationD = key({ kind: 'pause-violation', lab: 'lab-d', epoch: 3, height: 1 });
const reportD = key({ kind: 'report', subject: 'lab-d', epoch: 3, digest: new Uint8Array(32) });
const capC = key({ kind: 'cap-exceeded', lab: 'lab-c', epoch: 3, cap: 'trainingFlop' });
const standing = [missedC, violationD, reportD, capC];
const conditions = pledgeConditions(genesis, standing);

function releaseVote(
  voter: string,
  sequence: number,
  p: ReleasePayload,
  signWith = voter,
): SignedReleaseVote {
  const index = LABS.indexOf(voter as (typeof LABS)[number]);
  const share = bls.secretShares[Math.max(index, 0)] as Uint8Array;
  return signReleaseVote(
    {
      networkId,
      sequence,
      ...p,
      voter,
      partial: blsSign(share, releaseStatementBytes({ networkId, sequence, ...p })),
      issuedAt: now - 1_000,
    },
    labKeys[signWith] ?? outsiderKey,
  );
}

function releaseCert(
  sequence: number,
  p: ReleasePayload,
  signers = ['lab-a', 'lab-c', 'lab-d'],
): ReleaseCertificate {
  const st = releaseStatementBytes({ networkId, sequence, ...p });
  const partials = signers.map((s) => {
    const index = LABS.indexOf(s as (typeof LABS)[number]) + 1;
    return { index, signature: blsSign(bls.secretShares[index - 1] as Uint8Array, st) };
  });
  return { networkId, sequence, ...p, signers, signature: recoverSignature(partials) };
}

const payload: ReleasePayload = { released: ['lab-a', 'lab-b'], breaches: [missedC.id].sort() };
const expectFail = (v: Validation, code: string, action: 'reject' | 'ignore' = 'reject') =>
  expect(v).toMatchObject({ ok: false, code, action });

describe('pledge conditions', () => {
  it('a lab participates unless a missed or an unresolved pause-violation stands against it; the proof names labs and breach ids', () => {
    expect(conditions).toEqual([
      {
        lab: 'lab-a',
        conditional: true,
        dependsOn: ['lab-b', 'lab-c', 'lab-d'],
        holds: false,
        brokenBy: [
          { lab: 'lab-c', breaches: [toHex(missedC.id)] },
          { lab: 'lab-d', breaches: [toHex(violationD.id)] },
        ],
      },
      {
        lab: 'lab-b',
        conditional: true,
        dependsOn: ['lab-c'],
        holds: false,
        brokenBy: [{ lab: 'lab-c', breaches: [toHex(missedC.id)] }],
      },
      { lab: 'lab-c', conditional: false, dependsOn: [], holds: true, brokenBy: [] },
      { lab: 'lab-d', conditional: false, dependsOn: [], holds: true, brokenBy: [] },
    ]);
    // Reports and cap breaches do not end participation; with nothing standing every condition holds.
    expect(pledgeConditions(genesis, [reportD, capC]).every((c) => c.holds)).toBe(true);
  });

  it('G_PLEDGE: a pledge depends on other members, each once; the YAML form round trips', () => {
    const bad = (deps: string[]) => {
      const g: Genesis = makeGenesis({ pledges: { 'lab-a': { dependsOn: deps } } });
      try {
        encodeGenesis(g);
      } catch (e) {
        return `${(e as ProtocolError).code} ${(e as ProtocolError).path}`;
      }
      return 'NO_ERROR';
    };
    expect(bad(['lab-x'])).toBe('INVALID_GENESIS members[0].pledge.dependsOn[0]');
    expect(bad(['auditor-x'])).toBe('INVALID_GENESIS members[0].pledge.dependsOn[0]');
    expect(bad(['lab-a'])).toBe('INVALID_GENESIS members[0].pledge.dependsOn[0]');
    expect(bad(['lab-b', 'lab-b'])).toBe('INVALID_GENESIS members[0].pledge.dependsOn[1]');
    expect(bad([])).toBe('OUT_OF_RANGE members[0].pledge.dependsOn');
    expect(parseGenesisYaml(genesisToYaml(genesis))).toEqual(genesis);
    expect(networkIdOf(parseGenesisYaml(genesisToYaml(genesis)))).toEqual(networkId);
  });
});

describe('release votes and certificates (RV_*, RK_*)', () => {
  const vctx = { genesis, networkId, now, currentSequence: 0 };
  const kctx = { genesis, networkId, currentSequence: 0 };
  it('a valid release vote and certificate; canonical and JSON round trips', () => {
    expect(validateReleaseVote(releaseVote('lab-c', 1, payload), vctx)).toEqual({ ok: true });
    const c = releaseCert(1, payload);
    expect(validateReleaseCertificate(c, kctx)).toEqual({ ok: true });
    expect(decodeReleaseCertificate(encodeReleaseCertificate(c))).toEqual(c);
    const j = JSON.parse(JSON.stringify(releaseCertificateToJson(c)));
    expect(j.statement).toBe(toHex(releaseStatementBytes(c)));
    expect(releaseCertificateFromJson(j)).toEqual(c);
  });
  it('RV_POLICY / RK_POLICY: a network that holds has no releases', () => {
    const h = { genesis: holding, networkId: networkIdOf(holding) };
    const v = releaseVote('lab-c', 1, payload);
    expectFail(
      validateReleaseVote({ ...v, vote: { ...v.vote, networkId: h.networkId } }, { ...vctx, ...h }),
      'RV_POLICY',
    );
    expectFail(
      validateReleaseCertificate({ ...releaseCert(1, payload), networkId: h.networkId }, { ...kctx, ...h }),
      'RK_POLICY',
    );
  });
  it('RV_*: network, member, payload, stale, future, from the future, signature, partial', () => {
    const v = releaseVote('lab-c', 1, payload);
    expectFail(
      validateReleaseVote({ ...v, vote: { ...v.vote, networkId: new Uint8Array(32) } }, vctx),
      'RV_NETWORK',
    );
    expectFail(validateReleaseVote(releaseVote('lab-x', 1, payload), vctx), 'RV_MEMBER');
    expectFail(
      validateReleaseVote(releaseVote('lab-c', 1, { ...payload, released: ['lab-b', 'lab-a'] }), vctx),
      'RV_PAYLOAD',
    );
    expectFail(
      validateReleaseVote(releaseVote('lab-c', 1, { ...payload, released: ['lab-z'] }), vctx),
      'RV_PAYLOAD',
    );
    expectFail(
      validateReleaseVote(releaseVote('lab-c', 1, payload), { ...vctx, currentSequence: 1 }),
      'RV_STALE',
      'ignore',
    );
    expectFail(
      validateReleaseVote(releaseVote('lab-c', 3, payload), { ...vctx, currentSequence: 1 }),
      'RV_FUTURE',
      'ignore',
    );
    expectFail(validateReleaseVote(v, { ...vctx, now: now - 40_000 }), 'RV_FROM_FUTURE', 'ignore');
    expectFail(validateReleaseVote(releaseVote('lab-c', 1, payload, 'lab-d'), vctx), 'RV_SIGNATURE');
    const wrong = signReleaseVote(
      { ...v.vote, partial: releaseVote('lab-d', 1, payload).vote.partial },
      labKeys['lab-c']!,
    );
    expectFail(validateReleaseVote(wrong, vctx), 'RV_PARTIAL');
  });
  it('RV_SIZE / RK_SIZE, RK_NETWORK, RK_PAYLOAD, RV_NO_DKG / RK_NO_DKG', () => {
    const v = releaseVote('lab-c', 1, payload);
    expectFail(
      validateReleaseVote({ ...v, vote: { ...v.vote, partial: new Uint8Array(95) } }, vctx),
      'RV_SIZE',
    );
    const c = releaseCert(1, payload);
    expectFail(validateReleaseCertificate({ ...c, signature: new Uint8Array(95) }, kctx), 'RK_SIZE');
    expectFail(validateReleaseCertificate({ ...c, networkId: new Uint8Array(32) }, kctx), 'RK_NETWORK');
    expectFail(validateReleaseCertificate({ ...c, released: ['lab-b', 'lab-a'] }, kctx), 'RK_PAYLOAD');
    expectFail(validateReleaseCertificate({ ...c, breaches: [missedC.id, missedC.id] }, kctx), 'RK_PAYLOAD');
    const { dkg: _dkg, ...noDkg } = genesis;
    expectFail(validateReleaseVote(v, { ...vctx, genesis: noDkg }), 'RV_NO_DKG', 'ignore');
    expectFail(validateReleaseCertificate(c, { ...kctx, genesis: noDkg }), 'RK_NO_DKG', 'ignore');
  });
  it('RK_*: stale, future, signers, threshold, signature (the payload is bound by it)', () => {
    const c = releaseCert(1, payload);
    expectFail(validateReleaseCertificate(c, { ...kctx, currentSequence: 1 }), 'RK_STALE', 'ignore');
    expectFail(validateReleaseCertificate(releaseCert(3, payload), kctx), 'RK_FUTURE', 'ignore');
    expectFail(
      validateReleaseCertificate({ ...c, signers: ['lab-c', 'lab-a', 'lab-d'] }, kctx),
      'RK_SIGNERS',
    );
    expectFail(validateReleaseCertificate({ ...c, signers: ['lab-a', 'lab-c'] }, kctx), 'RK_THRESHOLD');
    expectFail(validateReleaseCertificate({ ...c, released: ['lab-a'] }, kctx), 'RK_SIGNATURE');
  });
});

describe('release machine', () => {
  const member = (self = 'lab-c', g = genesis) =>
    releaseStep(
      createReleaseState(g, { self }),
      { type: 'conditions', conditions: pledgeConditions(g, standing) },
      now,
    ).state;
  it('an approval for labs whose condition this member computes as broken signs; t votes recover; the certificate applies', () => {
    const r = releaseStep(member(), { type: 'approve', sequence: 1, ...payload }, now);
    expect(r.validation).toEqual({ ok: true });
    expect(r.effects).toEqual([{ type: 'sign-release-vote', sequence: 1, ...payload }]);
    // The same approval again signs nothing more; another payload for release 1 is refused.
    expect(releaseStep(r.state, { type: 'approve', sequence: 1, ...payload }, now).effects).toEqual([]);
    const other = { released: ['lab-a'], breaches: [violationD.id] };
    expect(releaseStep(r.state, { type: 'approve', sequence: 1, ...other }, now).validation).toMatchObject({
      code: 'RA_ALREADY_SIGNED',
    });
    let s = r.state;
    const effects = [];
    for (const voter of ['lab-a', 'lab-c', 'lab-c', 'lab-d']) {
      const x = releaseStep(s, { type: 'vote', vote: releaseVote(voter, 1, payload) }, now);
      s = x.state;
      effects.push(...x.effects, ...(x.validation.ok ? [] : [x.validation.code]));
    }
    expect(effects.map((e) => (typeof e === 'string' ? e : e.type))).toEqual([
      'RV_DUPLICATE',
      'recover-release',
    ]);
    const c = releaseCert(1, payload);
    const applied = releaseStep(s, { type: 'certificate', certificate: c, local: true }, now);
    expect(applied.effects).toEqual([
      { type: 'apply-release', certificate: c },
      { type: 'publish-release-certificate', certificate: c },
    ]);
    expect([applied.state.sequence, applied.state.votes.size]).toEqual([1, 0]);
  });
  it('never on one node’s word: refused for a lab whose condition holds, breaches that broke nothing, or a lab without its proof', () => {
    const s = member();
    const code = (p: ReleasePayload, sequence = 1) =>
      releaseStep(s, { type: 'approve', sequence, ...p }, now).validation;
    expect(code({ released: ['lab-c'], breaches: [missedC.id] })).toMatchObject({ code: 'RA_NOT_BROKEN' });
    expect(code({ released: ['lab-b'], breaches: [violationD.id] })).toMatchObject({ code: 'RA_NOT_BROKEN' });
    expect(
      code({
        released: ['lab-b'],
        breaches: [missedC.id, violationD.id].sort((a, b) => (toHex(a) < toHex(b) ? -1 : 1)),
      }),
    ).toMatchObject({
      code: 'RA_NOT_BROKEN',
    });
    expect(code(payload, 2)).toMatchObject({ code: 'RA_SEQUENCE' });
    expect(code({ released: ['lab-b', 'lab-a'], breaches: [missedC.id] })).toMatchObject({
      code: 'RA_PAYLOAD',
    });
    // Before this node computed any condition, nothing is broken.
    expect(
      releaseStep(
        createReleaseState(genesis, { self: 'lab-c' }),
        { type: 'approve', sequence: 1, ...payload },
        now,
      ).validation,
    ).toMatchObject({
      code: 'RA_NOT_BROKEN',
    });
    // A network that holds never releases; an observer never signs.
    expect(
      releaseStep(member('lab-c', holding), { type: 'approve', sequence: 1, ...payload }, now).validation,
    ).toMatchObject({
      code: 'RA_POLICY',
    });
    expect(
      releaseStep(member('observer-1' as string), { type: 'approve', sequence: 1, ...payload }, now)
        .validation,
    ).toMatchObject({
      code: 'RA_CANNOT_SIGN',
    });
  });
  it('a release stands while one of its cited breaches is unresolved, and lapses once all are resolved', () => {
    const c = releaseCert(1, payload);
    expect(releasedLabs([c], () => false)).toEqual(
      new Map([
        ['lab-a', [1]],
        ['lab-b', [1]],
      ]),
    );
    expect(releasedLabs([c], (id) => id === toHex(missedC.id)).size).toBe(0);
  });
});
