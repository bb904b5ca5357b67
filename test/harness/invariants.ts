import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ed25519Verify } from '@pausenet/crypto';
import {
  type Certificate,
  certificateHash,
  decodeCertificate,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedVote,
  encodeEvidenceBody,
  fromHex,
  type Genesis,
  hashSignedCommitment,
  signingBytes,
  toHex,
  validateCertificate,
  validateCommitmentIntrinsic,
  validateVote,
} from '@pausenet/protocol';
import type { Cluster, HarnessNode } from '@pausenet/testkit/cluster';
import Database from 'better-sqlite3';

/** What one node holds, read from its SQLite file (read-only) after it stopped. */
export interface NodeSnapshot {
  id: string;
  role: 'member' | 'observer';
  /** height -> certificate hash hex */
  certificates: Map<number, string>;
  certBytes: Map<number, Uint8Array>;
  /** lab -> [seq, hash hex][] ordered by seq */
  chains: Map<string, string[]>;
  commitmentRows: { lab: string; seq: number; bytes: Uint8Array }[];
  evidenceRows: { hash: string; bytes: Uint8Array }[];
  voteRows: { height: number; target: string; voter: string; bytes: Uint8Array }[];
  signedHeights: Map<number, string>;
  pauseState: { height: number; state: string; certificateHash: string | null };
  /** "halt 1" -> runs, from the lab's exec-hook log */
  hookRuns: Map<string, number>;
  hookJournal: { height: number; action: string; status: string; lastError: string | null }[];
  /** The breaches table (migration 3): hex id -> resolved height (null while open). */
  breaches: Map<string, number | null>;
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
    // Chain order within a height (a height may hold REDUCED, then PAUSED): the map below keeps the last,
    // the certificate that decides the height.
    const certRows = db
      .prepare(
        `SELECT height, hash, bytes FROM certificates ORDER BY height, CASE WHEN step = 'down' THEN -1
           WHEN target = 'RUNNING' THEN 0 WHEN target = 'REDUCED' THEN 1 ELSE 2 END`,
      )
      .all() as {
      height: number;
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
      ? (db.prepare('SELECT height, target FROM signed_heights').all() as {
          height: number;
          target: string;
        }[])
      : [];
    const ps = tables.has('pause_state')
      ? (db.prepare('SELECT height, state, certificate_hash AS h FROM pause_state WHERE id = 1').get() as
          | { height: number; state: string; h: Buffer | null }
          | undefined)
      : undefined;
    const journal = tables.has('hook_journal')
      ? (db.prepare('SELECT height, action, status, last_error AS lastError FROM hook_journal').all() as {
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
      certificates: new Map(certRows.map((r) => [r.height, toHex(r.hash)])),
      certBytes: new Map(certRows.map((r) => [r.height, new Uint8Array(r.bytes)])),
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
      signedHeights: new Map(signed.map((r) => [r.height, r.target])),
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
  cluster: Cluster;
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

  // 1. no two different certificates decide one height (over every node's store)
  const byHeight = new Map<number, Set<string>>();
  for (const s of snapshots)
    for (const [h, c] of s.certificates) byHeight.set(h, (byHeight.get(h) ?? new Set()).add(c));
  add(
    'one certificate per height',
    [...byHeight]
      .filter(([, s]) => s.size > 1)
      .map(([h, s]) => `height ${h}: ${s.size} different certificates`),
    `${byHeight.size} heights, 1 certificate each`,
  );

  // 2. identical certificate chain and per-lab commitment chains on every node
  const ref = snapshots[0]!;
  const chainOf = (s: NodeSnapshot) =>
    [...s.certificates]
      .sort((a, b) => a[0] - b[0])
      .map(([h, c]) => `${h}:${c}`)
      .join(',');
  const p2: string[] = [];
  for (const s of snapshots)
    if (chainOf(s) !== chainOf(ref))
      p2.push(`${s.id} certificate chain [${chainOf(s).slice(0, 60)}] != ${ref.id}`);
  add(
    'identical certificate chains',
    p2,
    `${snapshots.length} nodes agree on ${ref.certificates.size} certificates`,
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

  // 3. hooks: every applied certificate ran the lab's hook (ok), effectively once; none without a certificate
  const p4: string[] = [];
  const runsSummary: string[] = [];
  const reruns: string[] = [];
  for (const s of snapshots.filter((x) => x.role === 'member')) {
    const node = cluster.node(s.id);
    const applied = [...s.certificates].filter(([h]) => h <= s.pauseState.height);
    for (const [h] of applied) {
      const cert = decodeCertificate(s.certBytes.get(h)!);
      const action = cert.target === 'PAUSED' ? 'halt' : 'resume';
      const runs = s.hookRuns.get(`${action} ${h}`) ?? 0;
      const journalOk = s.hookJournal.some((j) => j.height === h && j.action === action && j.status === 'ok');
      // A node catching up applies heights in order; a newer certificate supersedes an older one's hook
      // run (docs/protocol.md "Halt hooks"), which then ran at most once, maybe not at all.
      const superseded =
        h < s.pauseState.height &&
        s.hookJournal.some(
          (j) => j.height === h && j.action === action && /^superseded/.test(j.lastError ?? ''),
        );
      runsSummary.push(`${s.id}:${action}@${h}x${runs}${superseded ? '(superseded)' : ''}`);
      if (superseded && runs <= 1) continue;
      if (runs < 1 || !journalOk)
        p4.push(`${s.id}: ${action} hook for height ${h} ran ${runs}x, journal ok=${journalOk}`);
      // at-least-once: a second run is only legitimate after the node was stopped (kill -9 or SIGTERM) mid-hook
      if (runs > 1 && node.restarts === 0)
        p4.push(`${s.id}: ${action} hook for height ${h} ran ${runs}x without a restart`);
      if (runs > 1 && node.restarts > 0)
        reruns.push(`${s.id}:${action}@${h}x${runs} after ${node.restarts} restart(s)`);
    }
    for (const key of s.hookRuns.keys()) {
      const h = Number(key.split(' ')[1]);
      if (!s.certificates.has(h)) p4.push(`${s.id}: hook "${key}" ran without a stored certificate`);
    }
  }
  add(
    'hooks ran once per applied certificate',
    p4,
    `${runsSummary.join(' ')}${reruns.length ? `; re-runs after a restart (at-least-once, idempotent hook): ${reruns.join(', ')}` : ''}`,
  );

  // 4. no honest member signed two statements for one height (own slashing table + every vote seen)
  const p5: string[] = [];
  const seen = new Map<string, Set<string>>();
  for (const s of snapshots)
    for (const v of s.voteRows) {
      const k = `${v.height}/${v.voter}`;
      seen.set(k, (seen.get(k) ?? new Set()).add(v.target));
    }
  const detected: string[] = [];
  for (const [k, targets] of seen) {
    const voter = k.split('/')[1]!;
    if (targets.size > 1) (byzantine.has(voter) ? detected : p5).push(`${k}: ${[...targets].join('+')}`);
  }
  for (const s of snapshots.filter((x) => x.role === 'member' && !byzantine.has(x.id))) {
    for (const [k, targets] of seen) {
      const [h, voter] = k.split('/');
      if (voter !== s.id) continue;
      const own = s.signedHeights.get(Number(h));
      if (own === undefined)
        p5.push(`${s.id}: vote for height ${h} seen but not in its slashing-protection table`);
      else if (!targets.has(own) || targets.size > 1)
        p5.push(`${s.id}: height ${h} signed ${own}, seen ${[...targets].join('+')}`);
    }
  }
  add(
    'no member signed two statements for one height',
    p5,
    `${seen.size} (height, voter) pairs, 1 statement each${detected.length ? `; byzantine double votes seen and not counted: ${detected.join(', ')}` : ''}`,
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
    for (const [h, bytes] of s.certBytes) {
      checked++;
      const cert: Certificate = decodeCertificate(bytes);
      const v = validateCertificate(cert, { genesis: g, networkId, currentHeight: h - 1 });
      if (!v.ok) p6.push(`${s.id}: stored certificate ${h} fails ${v.code}`);
      if (toHex(certificateHash(cert)) !== s.certificates.get(h))
        p6.push(`${s.id}: certificate ${h} hash mismatch`);
    }
  }
  for (const n of cluster.nodes) for (const c of n.crashes) p6.push(`${n.id} crashed: ${c}`);
  add('nothing forged stored, no crash', p6, `${checked} stored messages re-verified, 0 crashes`);

  // 6. applied state is always certified (pause_state points at a stored, valid certificate)
  const p7: string[] = [...inp.live.filter((r) => !r.ok).map((r) => r.detail)];
  for (const s of snapshots) {
    const { height, state, certificateHash: ch } = s.pauseState;
    if (height === 0) continue;
    const cert = s.certBytes.get(height);
    if (!cert) p7.push(`${s.id}: applied height ${height} without a stored certificate`);
    else if (decodeCertificate(cert).target !== state)
      p7.push(`${s.id}: state ${state} != certificate target`);
    if (ch && ch !== s.certificates.get(height)) p7.push(`${s.id}: pause_state certificate hash mismatch`);
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
    for (const [h, bytes] of s.certBytes) {
      if (h > s.pauseState.height) continue;
      for (const id of decodeCertificate(bytes).resolves) named.set(toHex(id), h);
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
