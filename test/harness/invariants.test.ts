import {
  type Certificate,
  certificateHash,
  encodeCertificate,
  encodeSignedVote,
  type Level,
  orderChain,
  type SignedVote,
  type Step,
  toHex,
} from '@pausenet/protocol';
import { certificate, signedVote, type TestNet, testGenesis } from '@pausenet/testkit';
import { describe, expect, it } from 'vitest';
import { type CheckInput, checkInvariants, type NodeSnapshot } from './invariants.js';

// The invariant checker on synthetic stores (no process): real signatures from the trusted test dealer, the
// records a network of 4 labs (t = 3) and 1 observer would hold after an escalation REDUCED@1 -> PAUSED@1
// (docs/protocol.md "Levels") and a resume RUNNING@2.

const net: TestNet = testGenesis({ labs: 4, threshold: 3 });
const [A, B] = [new Uint8Array(32).fill(0xa1), new Uint8Array(32).fill(0xb2)] as [Uint8Array, Uint8Array];
const T0 = Date.now();

interface Tr {
  height: number;
  target: Level;
  step: Step;
  resolves?: Uint8Array[];
  breaches?: Uint8Array[];
}
const REDUCED_1: Tr = { height: 1, target: 'REDUCED', step: 'up', breaches: [A] };
const PAUSED_1: Tr = { height: 1, target: 'PAUSED', step: 'up', breaches: [B] };
const RUNNING_2: Tr = { height: 2, target: 'RUNNING', step: 'down', resolves: [A, B] };

const vote = (lab: string, t: Tr, issuedAt: number): SignedVote =>
  signedVote(net, lab, {
    height: t.height,
    target: t.target,
    step: t.step,
    resolves: t.resolves ?? [],
    breaches: t.breaches ?? [],
    issuedAt,
  });
const cert = (t: Tr): Certificate =>
  certificate(net, { height: t.height, target: t.target, step: t.step, resolves: t.resolves ?? [] });

const SIGNERS = ['lab-a', 'lab-b', 'lab-c'];
const STEPS: Tr[] = [REDUCED_1, PAUSED_1, RUNNING_2];
/** Each signer's votes, in the order it signed them. */
const votesOf = new Map(SIGNERS.map((l) => [l, STEPS.map((t, i) => vote(l, t, T0 + i * 1000))]));
const certs = STEPS.map(cert);
const hashOf = (c: Certificate) => toHex(certificateHash(c));
const actions = ['reduce 1', 'halt 1', 'resume 2'];

const voteRow = (sv: SignedVote) => ({
  height: sv.vote.height,
  target: sv.vote.target,
  voter: sv.vote.voter,
  bytes: encodeSignedVote(sv),
});

/** What node `id` holds at the end of the escalation and resume. */
function snapshot(id: string, role: 'member' | 'observer'): NodeSnapshot {
  const member = role === 'member';
  const last = certs[2] as Certificate;
  return {
    id,
    role,
    certificates: orderChain(
      certs.map((c) => ({
        height: c.height,
        target: c.target,
        step: c.step,
        hash: hashOf(c),
        bytes: encodeCertificate(c),
      })),
    ),
    chains: new Map(),
    commitmentRows: [],
    evidenceRows: [],
    voteRows: [...votesOf.values()].flat().map(voteRow),
    signed: (votesOf.get(id) ?? []).map((sv) => ({ height: sv.vote.height, vote: encodeSignedVote(sv) })),
    pauseState: { height: 2, state: 'RUNNING', certificateHash: hashOf(last) },
    hookRuns: new Map(member ? actions.map((a) => [a, 1]) : []),
    hookJournal: member
      ? certs.map((c, i) => ({
          certificateHash: hashOf(c),
          height: c.height,
          action: (actions[i] as string).split(' ')[0] as string,
          status: 'ok',
          lastError: null,
        }))
      : [],
    breaches: new Map([
      [toHex(A), 2],
      [toHex(B), 2],
    ]),
  };
}

function input(snapshots: NodeSnapshot[], byzantine: string[] = []): CheckInput {
  return {
    cluster: {
      genesis: net.genesis,
      networkIdHex: toHex(net.networkId),
      labs: net.labs,
      observers: ['observer-1'],
      opts: { threshold: 3 },
      nodes: snapshots.map((s) => ({ id: s.id, restarts: 0, crashes: [] })),
    },
    snapshots,
    published: new Set(),
    adversarial: new Set(),
    byzantine: new Set(byzantine),
    live: [],
  };
}

const network = () => [...net.labs.map((l) => snapshot(l.id, 'member')), snapshot('observer-1', 'observer')];
const signing = (r: ReturnType<typeof checkInvariants>) =>
  r.results.find((x) => x.name.startsWith('no member signed')) as { ok: boolean; detail: string };

describe('invariant checker (synthetic stores, trusted test dealer)', () => {
  it('a legitimate escalation REDUCED@1 -> PAUSED@1 then RUNNING@2 holds every invariant', () => {
    const report = checkInvariants(input(network()));
    expect(report.ok, report.text).toBe(true);
    expect(signing(report).detail).toContain('9 statements');
  });

  it('flags a member that signed two steps down at one height (resolving different breaches)', () => {
    const nodes = network();
    const second = vote('lab-b', { ...RUNNING_2, resolves: [A] }, T0 + 5000);
    // lab-d stored lab-b's second step down at height 2 instead of its first (one vote per height, level, voter).
    const d = nodes[3] as NodeSnapshot;
    d.voteRows = d.voteRows.map((r) => (r.voter === 'lab-b' && r.height === 2 ? voteRow(second) : r));
    const report = checkInvariants(input(nodes));
    expect(report.ok).toBe(false);
    expect(signing(report).ok).toBe(false);
    expect(signing(report).detail).toContain('lab-b at height 2');
    expect(signing(report).detail).toContain('P_DOWN_NOT_FIRST');
  });

  it("flags a lower level signed after a higher one at one height in a member's own slashing table", () => {
    const nodes = network();
    // lab-d (not a signer of the certificates) signed PAUSED@1, then REDUCED@1: its table holds them in that order.
    const extra = [vote('lab-d', PAUSED_1, T0 + 100), vote('lab-d', REDUCED_1, T0 + 200)];
    for (const n of nodes) n.voteRows.push(...extra.map(voteRow));
    const d = nodes[3] as NodeSnapshot;
    d.signed = extra.map((sv) => ({ height: 1, vote: encodeSignedVote(sv) }));
    const report = checkInvariants(input(nodes));
    expect(signing(report).ok).toBe(false);
    expect(signing(report).detail).toContain(
      "lab-d's slashing table: lab-d at height 1: up PAUSED then up REDUCED: P_LEVEL_ORDER",
    );
  });

  it("reports a byzantine member's provable double signature without failing the run", () => {
    const nodes = network();
    const downs = [
      vote('lab-d', RUNNING_2, T0 + 100),
      vote('lab-d', { ...RUNNING_2, resolves: [A] }, T0 + 200),
    ];
    (nodes[0] as NodeSnapshot).voteRows.push(voteRow(downs[0] as SignedVote));
    (nodes[1] as NodeSnapshot).voteRows.push(voteRow(downs[1] as SignedVote));
    const honest = checkInvariants(input(nodes));
    expect(signing(honest).ok).toBe(false);
    expect(signing(honest).detail).toContain('lab-d at height 2');
    const byz = checkInvariants(input(nodes, ['lab-d']));
    expect(signing(byz).ok, byz.text).toBe(true);
    expect(signing(byz).detail).toContain('byzantine double votes seen and not counted: lab-d at height 2');
  });

  it('flags an honest member whose own slashing table lacks a vote seen from it', () => {
    const nodes = network();
    const a = nodes[0] as NodeSnapshot;
    a.signed = a.signed.filter((r) => r.height !== 1 || toHex(r.vote) !== toHex(a.signed[0]!.vote));
    const report = checkInvariants(input(nodes));
    expect(signing(report).ok).toBe(false);
    expect(signing(report).detail).toContain(
      'up REDUCED at height 1 seen but not in its slashing-protection table',
    );
  });

  it('flags an applied state below the highest certified level of the highest height', () => {
    const nodes = network();
    const c = nodes[2] as NodeSnapshot;
    c.certificates = c.certificates.filter((x) => x.height === 1);
    c.pauseState = { height: 1, state: 'REDUCED', certificateHash: hashOf(certs[0] as Certificate) };
    const report = checkInvariants(input(nodes));
    const applied = report.results.find((x) => x.name.startsWith('applied state'));
    expect(applied?.ok).toBe(false);
    expect(applied?.detail).toContain('lab-c: applied REDUCED@1 but its certificates end at PAUSED@1');
  });

  it('flags two different certificates at one (height, level, step)', () => {
    const nodes = network();
    // lab-d holds a step down at height 2 that resolves only A: another statement at (2, RUNNING, down).
    const other = cert({ ...RUNNING_2, resolves: [A] });
    const d = nodes[3] as NodeSnapshot;
    d.certificates = d.certificates.map((x) =>
      x.height === 2 ? { ...x, hash: hashOf(other), bytes: encodeCertificate(other) } : x,
    );
    const report = checkInvariants(input(nodes));
    const one = report.results.find((x) => x.name.startsWith('one certificate'));
    expect(one?.ok).toBe(false);
    expect(one?.detail).toContain('2/RUNNING/down: 2 different certificates');
    expect(one?.detail).toContain('CHAIN_TWO_DOWNS');
  });
});
