import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ed25519Verify } from '@pausenet/crypto';
import {
  type Certificate,
  certificateHash,
  chainEnd,
  chainProblem,
  checkSigning,
  decodeCertificate,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedVote,
  encodeEvidenceBody,
  fromHex,
  type Genesis,
  hashSignedCommitment,
  type Level,
  levelRank,
  orderChain,
  type SignedVote,
  type Step,
  signingBytes,
  statementKey,
  toHex,
  validateCertificate,
  validateCommitmentIntrinsic,
  validateVote,
} from '@pausenet/protocol';
import type { HarnessNode } from '@pausenet/testkit/cluster';
import Database from 'better-sqlite3';

/** What one node holds, read from its SQLite file (read-only) after it stopped. */
export interface NodeSnapshot {
  id: string;
  role: 'member' | 'observer';
  /**
   * Every stored certificate in chain order (docs/protocol.md "Levels": ascending height; within a height the
   * step down first, then ascending level). A height may hold several: REDUCED then PAUSED, or a step down
   * followed by a step up.
   */
  certificates: StoredCertificate[];
  /** lab -> [seq, hash hex][] ordered by seq */
  chains: Map<string, string[]>;
  commitmentRows: { lab: string; seq: number; bytes: Uint8Array }[];
  evidenceRows: { hash: string; bytes: Uint8Array }[];
  voteRows: { height: number; target: string; voter: string; bytes: Uint8Array }[];
  /** The member's slashing-protection table, in the order it signed (one row per (height, level, step)). */
  signed: { height: number; vote: Uint8Array }[];
  pauseState: { height: number; state: string; certificateHash: string | null };
  /** "halt 1" -> runs, from the lab's exec-hook log */
  hookRuns: Map<string, number>;
  hookJournal: {
    certificateHash: string;
    height: number;
    action: string;
    status: string;
    lastError: string | null;
  }[];
  /** The breaches table (migration 3): hex id -> resolved height (null while open). */
  breaches: Map<string, number | null>;
}

export interface StoredCertificate {
  height: number;
  target: Level;
  step: Step;
  /** certificate hash hex */
  hash: string;
  bytes: Uint8Array;
}

/** What the checker needs of a cluster (a harness `Cluster`, or synthetic records in the checker's own test). */
export interface ClusterView {
  genesis: Genesis;
  networkIdHex: string;
  labs: readonly unknown[];
  observers: readonly unknown[];
  opts: { threshold: number };
  nodes: readonly { id: string; restarts: number; crashes: readonly string[] }[];
}

export interface InvariantResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface InvariantReport {
  ok: boolean;
  results: InvariantResult[];
  /** Printable table. */
  text: string;
}

/** Read a node's SQLite file read-only plus its hook log. */
export async function snapshotNode(n: HarnessNode): Promise<NodeSnapshot> {
  const db = new Database(join(n.dataDir, 'pausenet.db'), { readonly: true, fileMustExist: true });
  try {
    const certRows = db.prepare('SELECT height, target, step, hash, bytes FROM certificates').all() as {
      height: number;
      target: Level;
      step: Step;
      hash: Buffer;
      bytes: Buffer;
    }[];
    const cRows = db.prepare('SELECT lab, seq, hash, bytes FROM commitments ORDER BY lab, seq').all() as {
      lab: string;
      seq: number;
      hash: Buffer;
      bytes: Buffer;
    }[];
    const chains = new Map<string, string[]>();
    for (const r of cRows) chains.set(r.lab, [...(chains.get(r.lab) ?? []), `${r.seq}:${toHex(r.hash)}`]);
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    const signed = tables.has('signed_heights')
      ? (db.prepare('SELECT height, vote FROM signed_heights ORDER BY rowid').all() as {
          height: number;
          vote: Buffer;
        }[])
      : [];
    const ps = tables.has('pause_state')
      ? (db.prepare('SELECT height, state, certificate_hash AS h FROM pause_state WHERE id = 1').get() as
          | { height: number; state: string; h: Buffer | null }
          | undefined)
      : undefined;
    const journal = tables.has('hook_journal')
      ? (db
          .prepare(
            'SELECT certificate_hash AS certificateHash, height, action, status, last_error AS lastError FROM hook_journal',
          )
          .all() as {
          certificateHash: string;
          height: number;
          action: string;
          status: string;
          lastError: string | null;
        }[])
      : [];
    const breachRows = tables.has('breaches')
      ? (db.prepare('SELECT id, resolved_height AS h FROM breaches').all() as {
          id: Buffer;
          h: number | null;
        }[])
      : [];
    let lines: string[] = [];
    try {
      lines = (await readFile(n.hookLog, 'utf8')).split('\n').filter(Boolean);
    } catch {
      // no hook ran
    }
    const hookRuns = new Map<string, number>();
    for (const l of lines) hookRuns.set(l, (hookRuns.get(l) ?? 0) + 1);
    return {
      id: n.id,
      role: n.role,
      certificates: orderChain(
        certRows.map((r) => ({
          height: r.height,
          target: r.target,
          step: r.step,
          hash: toHex(r.hash),
          bytes: new Uint8Array(r.bytes),
        })),
      ),
      chains,
      commitmentRows: cRows.map((r) => ({ lab: r.lab, seq: r.seq, bytes: new Uint8Array(r.bytes) })),
      evidenceRows: (
        db.prepare('SELECT hash, bytes FROM evidence').all() as { hash: Buffer; bytes: Buffer }[]
      ).map((r) => ({ hash: toHex(r.hash), bytes: new Uint8Array(r.bytes) })),
      voteRows: (
        db.prepare('SELECT height, target, voter, bytes FROM votes').all() as {
          height: number;
          target: string;
          voter: string;
          bytes: Buffer;
        }[]
      ).map((r) => ({ ...r, bytes: new Uint8Array(r.bytes) })),
      signed: signed.map((r) => ({ height: r.height, vote: new Uint8Array(r.vote) })),
      pauseState: {
        height: ps?.height ?? 0,
        state: ps?.state ?? 'RUNNING',
        certificateHash: ps?.h ? toHex(ps.h) : null,
      },
      hookRuns,
      hookJournal: journal,
      breaches: new Map(breachRows.map((r) => [toHex(r.id), r.h])),
    };
  } finally {
    db.close();
  }
}

export interface CheckInput {
  cluster: ClusterView;
  snapshots: NodeSnapshot[];
  /** Commitment hashes the honest harness driver published (accepted by the origin node). */
  published: Set<string>;
  /** Validly signed commitments published by adversarial members (may be stored, never counted as lost). */
  adversarial: Set<string>;
  /** Members that deliberately misbehave (excluded from honest-signer checks). */
  byzantine: Set<string>;
  /** Violations observed live by the driver (e.g. a height change during a partition). */
  live: InvariantResult[];
}

const certKey = (c: { height: number; target: Level; step: Step }) => `${c.height}/${c.target}/${c.step}`;

/** The hook action the cluster's exec hook logs for a certificate's level (hooks `actionForTarget`). */
const actionOf = (target: Level) =>
  target === 'PAUSED' ? 'halt' : target === 'REDUCED' ? 'reduce' : 'resume';

/**
 * The deciding certificate of each height: its highest level (docs/protocol.md "Levels", Heights). A
 * dominated certificate (a lower level at a height) may be missing on a node that received the higher one
 * first, so chains are compared over deciding certificates only.
 */
function decidingChain(certs: readonly StoredCertificate[]): StoredCertificate[] {
  const top = new Map<number, StoredCertificate>();
  for (const c of orderChain(certs)) top.set(c.height, c);
  return [...top.values()];
}

/** One signed statement as seen in a stored vote. */
interface SeenStatement {
  voter: string;
  height: number;
  target: Level;
  step: Step;
  resolves: readonly Uint8Array[];
  key: string;
}

const seenOf = (sv: SignedVote): SeenStatement => ({
  voter: sv.vote.voter,
  height: sv.vote.height,
  target: sv.vote.target,
  step: sv.vote.step,
  resolves: sv.vote.resolves,
  key: statementKey(sv.vote),
});

/**
 * The first statement of `sts` (one member, one height, in signing order) the protocol's signing rule
 * (checkSigning, P_NO_DOUBLE_SIGN) refuses after the ones before it, as text; null when every one was allowed.
 */
function signingViolation(sts: readonly SeenStatement[]): string | null {
  const record: SeenStatement[] = [];
  for (const st of sts) {
    const c = checkSigning(record, st);
    if (c.kind === 'refused')
      return `${st.voter} at height ${st.height}: ${record.map((r) => `${r.step} ${r.target}`).join(', ')} then ${st.step} ${st.target}: ${c.code}`;
    if (c.kind === 'new') record.push(st);
  }
  return null;
}

/**
 * Statements seen only as votes carry no proof of the order they were signed in (issuedAt is the member's
 * clock), so they are judged in the one order the rule can allow: the step down first, then ascending
 * level. A set refused in that order (two statements at one (height, level), two steps down, a step down
 * not below a step up there) is refused in every order: a provable double signature. The true order is an
 * honest member's own slashing table, judged as signed.
 */
const chainOrder = (a: SeenStatement, b: SeenStatement) =>
  (a.step === 'down' ? -1 : levelRank(a.target)) - (b.step === 'down' ? -1 : levelRank(b.target));

/** Evaluate every invariant (docs/protocol.md "Invariants") over the snapshots; pure apart from BLS/Ed25519 checks. */
export function checkInvariants(inp: CheckInput): InvariantReport {
  const { cluster, snapshots, published, adversarial, byzantine } = inp;
  const g: Genesis = cluster.genesis;
  const networkId = fromHex(cluster.networkIdHex);
  const results: InvariantResult[] = [];
  const add = (name: string, problems: string[], okDetail: string) =>
    results.push({
      name,
      ok: problems.length === 0,
      detail: problems.length ? problems.slice(0, 8).join('; ') : okDetail,
    });

  // 1. at most one certificate per (height, level, step) over every node's store, and the certificates all
  // nodes hold together form one chain the protocol's chainProblem accepts (docs/protocol.md "Levels")
  const byKey = new Map<string, Set<string>>();
  const union = new Map<string, StoredCertificate>();
  for (const s of snapshots)
    for (const c of s.certificates) {
      byKey.set(certKey(c), (byKey.get(certKey(c)) ?? new Set()).add(c.hash));
      union.set(c.hash, c);
    }
  const p1 = [...byKey]
    .filter(([, s]) => s.size > 1)
    .map(([k, s]) => `${k}: ${s.size} different certificates`);
  const chainBad = union.size > 0 ? chainProblem([...union.values()]) : null;
  if (chainBad) p1.push(`the certificates held together: ${chainBad.code} (${chainBad.detail})`);
  add(
    'one certificate per (height, level, step), one valid chain',
    p1,
    `${byKey.size} certificates over ${new Set([...union.values()].map((c) => c.height)).size} heights, chain ok`,
  );

  // 2. identical deciding certificate chain and per-lab commitment chains on every node
  const ref = snapshots[0]!;
  const chainOf = (s: NodeSnapshot) =>
    decidingChain(s.certificates)
      .map((c) => `${c.height}:${c.target}:${c.hash}`)
      .join(',');
  const p2: string[] = [];
  for (const s of snapshots)
    if (chainOf(s) !== chainOf(ref))
      p2.push(`${s.id} certificate chain [${chainOf(s).slice(0, 60)}] != ${ref.id}`);
  add(
    'identical certificate chains',
    p2,
    `${snapshots.length} nodes agree on ${decidingChain(ref.certificates).length} deciding certificates`,
  );

  const p3: string[] = [];
  let lostTotal = 0;
  let unexpectedTotal = 0;
  for (const s of snapshots) {
    const stored = new Set(
      s.commitmentRows.map((r) => toHex(hashSignedCommitment(decodeSignedCommitment(r.bytes)))),
    );
    const lost = [...published].filter((h) => !stored.has(h));
    const unexpected = [...stored].filter((h) => !published.has(h) && !adversarial.has(h));
    lostTotal += lost.length;
    unexpectedTotal += unexpected.length;
    if (lost.length || unexpected.length)
      p3.push(`${s.id}: lost=${lost.length} unexpected=${unexpected.length}`);
    for (const [lab, chain] of ref.chains) {
      const mine = s.chains.get(lab) ?? [];
      if (byzantine.has(lab)) continue;
      if (mine.join() !== chain.join()) p3.push(`${s.id}: chain of ${lab} differs from ${ref.id}`);
    }
  }
  add(
    'identical commitment chains (lost=0, unexpected=0)',
    p3,
    `${published.size} published, lost=${lostTotal}, unexpected=${unexpectedTotal} on ${snapshots.length} nodes`,
  );

  // 3. hooks: every applied certificate ran the lab's hook (ok), effectively once; none without a certificate.
  // Applied: the deciding certificate of each height up to the applied one, and a step up below it (an
  // escalation passes through REDUCED before PAUSED). A step down below a step up at its height may have
  // been dominated on arrival (recorded for what it resolves, never applied): it ran at most once.
  const p4: string[] = [];
  const runsSummary: string[] = [];
  const reruns: string[] = [];
  for (const s of snapshots.filter((x) => x.role === 'member')) {
    const restarts = cluster.nodes.find((n) => n.id === s.id)?.restarts ?? 0;
    const deciding = new Set(decidingChain(s.certificates).map((c) => c.hash));
    const applied = s.certificates.filter((c) => c.height <= s.pauseState.height);
    for (const c of applied) {
      const h = c.height;
      const action = actionOf(c.target);
      const runs = s.hookRuns.get(`${action} ${h}`) ?? 0;
      const journal = s.hookJournal.filter((j) => j.certificateHash === c.hash);
      const journalOk = journal.some((j) => j.status === 'ok');
      // A node catching up applies certificates in order; a newer certificate supersedes an older one's hook
      // run (docs/protocol.md "Halt hooks"), which then ran at most once, maybe not at all.
      const superseded = journal.some((j) => /^superseded/.test(j.lastError ?? ''));
      const mayBeDominated = !deciding.has(c.hash) && c.step === 'down';
      runsSummary.push(`${s.id}:${action}@${h}x${runs}${superseded ? '(superseded)' : ''}`);
      if ((superseded || mayBeDominated) && runs <= 1) continue;
      if (runs < 1 || !journalOk)
        p4.push(`${s.id}: ${action} hook for height ${h} ran ${runs}x, journal ok=${journalOk}`);
      // at-least-once: a second run is only legitimate after the node was stopped (kill -9 or SIGTERM) mid-hook
      if (runs > 1 && restarts === 0)
        p4.push(`${s.id}: ${action} hook for height ${h} ran ${runs}x without a restart`);
      if (runs > 1 && restarts > 0)
        reruns.push(`${s.id}:${action}@${h}x${runs} after ${restarts} restart(s)`);
    }
    for (const key of s.hookRuns.keys()) {
      const [action, h] = key.split(' ');
      if (!s.certificates.some((c) => c.height === Number(h) && actionOf(c.target) === action))
        p4.push(`${s.id}: hook "${key}" ran without a stored certificate`);
    }
  }
  add(
    'hooks ran once per applied certificate',
    p4,
    `${runsSummary.join(' ')}${reruns.length ? `; re-runs after a restart (at-least-once, idempotent hook): ${reruns.join(', ')}` : ''}`,
  );

  // 4. no member signed two statements the signing rule forbids (P_NO_DOUBLE_SIGN: at most one per (height,
  // level, step), a step down only first, levels strictly increasing within a height), judged by the
  // protocol's checkSigning over every vote seen and over each honest member's own slashing table
  const p5: string[] = [];
  const seen = new Map<string, Map<string, SeenStatement>>(); // "height/voter" -> statement key -> statement
  for (const s of snapshots)
    for (const v of s.voteRows) {
      const st = seenOf(decodeSignedVote(v.bytes));
      const k = `${st.height}/${st.voter}`;
      const m = seen.get(k) ?? new Map<string, SeenStatement>();
      m.set(st.key, st);
      seen.set(k, m);
    }
  const detected: string[] = [];
  let statements = 0;
  for (const [, m] of seen) {
    const sts = [...m.values()].sort(chainOrder);
    statements += sts.length;
    const bad = signingViolation(sts);
    if (bad !== null) (byzantine.has(sts[0]!.voter) ? detected : p5).push(bad);
  }
  for (const s of snapshots.filter((x) => x.role === 'member' && !byzantine.has(x.id))) {
    const own = new Map<number, SeenStatement[]>();
    for (const r of s.signed)
      own.set(r.height, [...(own.get(r.height) ?? []), seenOf(decodeSignedVote(r.vote))]);
    for (const sts of own.values()) {
      const bad = signingViolation(sts);
      if (bad !== null) p5.push(`${s.id}'s slashing table: ${bad}`);
    }
    for (const [k, m] of seen) {
      const [h, voter] = k.split('/');
      if (voter !== s.id) continue;
      const mine = new Set((own.get(Number(h)) ?? []).map((x) => x.key));
      for (const st of m.values())
        if (!mine.has(st.key))
          p5.push(
            `${s.id}: vote ${st.step} ${st.target} at height ${h} seen but not in its slashing-protection table`,
          );
    }
  }
  add(
    'no member signed two conflicting statements (one per height, level and step)',
    p5,
    `${seen.size} (height, voter) pairs, ${statements} statements, each allowed by the signing rule${detected.length ? `; byzantine double votes seen and not counted: ${detected.join(', ')}` : ''}`,
  );

  // 5. nothing forged or malformed stored; no node crashed
  const p6: string[] = [];
  let checked = 0;
  const memberKey = new Map(g.members.map((m) => [m.id, m.publicKey]));
  for (const s of snapshots) {
    for (const r of s.commitmentRows) {
      checked++;
      const v = validateCommitmentIntrinsic(decodeSignedCommitment(r.bytes), g, networkId);
      if (!v.ok && v.action === 'reject')
        p6.push(`${s.id}: stored commitment ${r.lab}/${r.seq} fails ${v.code}`);
    }
    for (const r of s.evidenceRows) {
      checked++;
      try {
        const se = decodeSignedEvidence(r.bytes);
        const { signature, ...body } = se;
        const pk =
          memberKey.get(se.reporter) ?? g.policy.auditors.find((a) => a.id === se.reporter)?.publicKey;
        if (
          !pk ||
          !ed25519Verify(pk, signingBytes('evidence', networkId, encodeEvidenceBody(body)), signature)
        )
          p6.push(`${s.id}: stored evidence ${r.hash.slice(0, 12)} has a bad signature`);
      } catch (err) {
        p6.push(`${s.id}: stored evidence ${r.hash.slice(0, 12)} undecodable: ${(err as Error).message}`);
      }
    }
    for (const r of s.voteRows) {
      checked++;
      const sv = decodeSignedVote(r.bytes);
      const v = validateVote(sv, {
        genesis: g,
        networkId,
        now: sv.vote.issuedAt,
        currentHeight: r.height - 1,
      });
      if (!v.ok && v.action === 'reject')
        p6.push(`${s.id}: stored vote ${r.height}/${r.voter} fails ${v.code}`);
    }
    for (const c of s.certificates) {
      checked++;
      const cert: Certificate = decodeCertificate(c.bytes);
      const v = validateCertificate(cert, { genesis: g, networkId, currentHeight: c.height - 1 });
      if (!v.ok) p6.push(`${s.id}: stored certificate ${certKey(c)} fails ${v.code}`);
      if (toHex(certificateHash(cert)) !== c.hash)
        p6.push(`${s.id}: certificate ${certKey(c)} hash mismatch`);
      if (cert.height !== c.height || cert.target !== c.target || cert.step !== c.step)
        p6.push(
          `${s.id}: certificate ${c.hash.slice(0, 12)} stored as ${certKey(c)} but is ${certKey(cert)}`,
        );
    }
  }
  for (const n of cluster.nodes) for (const c of n.crashes) p6.push(`${n.id} crashed: ${c}`);
  add('nothing forged stored, no crash', p6, `${checked} stored messages re-verified, 0 crashes`);

  // 6. applied state is always certified: pause_state is the highest level certified at the highest
  // certified height of the node's own store (docs/protocol.md "Levels", Heights) and points at it
  const p7: string[] = [...inp.live.filter((r) => !r.ok).map((r) => r.detail)];
  for (const s of snapshots) {
    const { height, state, certificateHash: ch } = s.pauseState;
    const end = chainEnd(s.certificates) ?? { height: 0, level: 'RUNNING' };
    if (end.height !== height || end.level !== state)
      p7.push(`${s.id}: applied ${state}@${height} but its certificates end at ${end.level}@${end.height}`);
    if (height === 0) continue;
    const cert = s.certificates.find((c) => c.height === height && c.target === state);
    if (!cert) p7.push(`${s.id}: applied ${state}@${height} without a stored certificate`);
    else if (ch !== null && ch !== cert.hash) p7.push(`${s.id}: pause_state certificate hash mismatch`);
  }
  add(
    'applied state always certified (also while cut off)',
    p7,
    `${snapshots.length} nodes, ${inp.live.length} live checks`,
  );

  // 7. breaches: what each node holds as resolved is exactly what the resume certificates it applied name
  const p8: string[] = [];
  let resolvedTotal = 0;
  for (const s of snapshots) {
    const named = new Map<string, number>();
    for (const c of s.certificates) {
      if (c.height > s.pauseState.height) continue;
      for (const id of decodeCertificate(c.bytes).resolves) named.set(toHex(id), c.height);
    }
    for (const [id, h] of named) {
      resolvedTotal++;
      if (s.breaches.get(id) !== h)
        p8.push(`${s.id}: breach ${id.slice(0, 12)} resolved at ${h} but its row says ${s.breaches.get(id)}`);
    }
    for (const [id, h] of s.breaches)
      if (h !== null && named.get(id) !== h)
        p8.push(`${s.id}: breach ${id.slice(0, 12)} marked resolved at ${h} without a certificate naming it`);
  }
  add(
    'resolved breaches are exactly those certified resumes name',
    p8,
    `${resolvedTotal} (node, breach) resolutions, each by an applied resume certificate`,
  );

  const ok = results.every((r) => r.ok);
  const text = [
    `invariant report (${cluster.labs.length} labs, ${cluster.observers.length} observers, t=${cluster.opts.threshold}): ${ok ? 'ALL HOLD' : 'VIOLATED'}`,
    ...results.map((r) => `  [${r.ok ? 'ok' : 'FAIL'}] ${r.name}: ${r.detail}`),
  ].join('\n');
  return { ok, results, text };
}

export { toHex };
