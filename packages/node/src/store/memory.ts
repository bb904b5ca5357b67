// Over 400 lines on purpose: the in-memory NodeStore implements every repository of store/repositories.ts
// with the same rules as SQLite, for agreement unit tests; one file mirrors the one interface file.
import type { HookAction, HookJournalEntry, HookStateStore } from '@pausenet/hooks';
import { compareBytes, type PauseState, toHex } from '@pausenet/protocol';
import type {
  AppliedState,
  ApprovalRecord,
  ApprovalRepository,
  BreachRepository,
  BreachRow,
  CertificateRepository,
  CertificateRow,
  ChainHead,
  CommitmentRepository,
  CommitmentRow,
  EvidenceRepository,
  EvidenceRow,
  HookJournalRepository,
  InsertResult,
  MetaRepository,
  NodeRunRepository,
  NodeStore,
  PauseStateRepository,
  PeerRepository,
  PeerRow,
  SignedHeightRepository,
  SignOnceResult,
  VoteRepository,
  VoteRow,
} from './repositories.js';

/*
 * In-memory repositories with the SQLite ones' semantics (orderings, duplicate/conflict rules, first row
 * wins), so agreement and ingest logic is unit-tested without a database (test/unit). Transactions run
 * their function and roll nothing back: durability and crash behaviour are tested on the real store.
 * Long, on purpose: one small class per repository, kept side by side so their rules stay comparable.
 */

const byNum = (a: number, b: number): number => a - b;

class MemoryCommitments implements CommitmentRepository {
  private readonly rows: CommitmentRow[] = [];

  insert(r: CommitmentRow): InsertResult {
    const at = this.get(r.lab, r.seq);
    if (at) return toHex(at.hash) === toHex(r.hash) ? 'duplicate' : 'conflict';
    if (this.byHash(r.hash)) return 'duplicate';
    this.rows.push({ ...r });
    return 'inserted';
  }
  private ofLab(lab: string): CommitmentRow[] {
    return this.rows.filter((r) => r.lab === lab).sort((a, b) => a.seq - b.seq);
  }
  last(lab: string): CommitmentRow | undefined {
    return this.ofLab(lab).at(-1);
  }
  get(lab: string, seq: number): CommitmentRow | undefined {
    return this.rows.find((r) => r.lab === lab && r.seq === seq);
  }
  byHash(hash: Uint8Array): CommitmentRow | undefined {
    const h = toHex(hash);
    return this.rows.find((r) => toHex(r.hash) === h);
  }
  range(lab: string, fromSeq: number, toSeq: number, limit: number): CommitmentRow[] {
    return this.ofLab(lab)
      .filter((r) => r.seq >= fromSeq && r.seq <= toSeq)
      .slice(0, limit);
  }
  byEpoch(lab: string | undefined, fromEpoch: number, toEpoch: number, limit: number): CommitmentRow[] {
    return this.rows
      .filter((r) => (lab === undefined || r.lab === lab) && r.epoch >= fromEpoch && r.epoch <= toEpoch)
      .sort((a, b) => (a.lab < b.lab ? -1 : a.lab > b.lab ? 1 : a.seq - b.seq))
      .slice(0, limit);
  }
  rivals(lab: string, epoch: number, seq: number): CommitmentRow[] {
    return this.ofLab(lab).filter((r) => r.epoch === epoch || r.seq === seq);
  }
  heads(): ChainHead[] {
    const labs = [...new Set(this.rows.map((r) => r.lab))].sort();
    return labs.map((lab) => {
      const h = this.last(lab) as CommitmentRow;
      return { lab, seq: h.seq, hash: h.hash };
    });
  }
  count(lab?: string, epochs?: { from: number; to: number }): number {
    const rows = lab === undefined ? this.rows : this.ofLab(lab);
    return epochs === undefined
      ? rows.length
      : rows.filter((r) => r.epoch >= epochs.from && r.epoch <= epochs.to).length;
  }
}

class MemoryEvidence implements EvidenceRepository {
  private readonly rows = new Map<string, EvidenceRow>();

  insert(r: EvidenceRow): boolean {
    const k = toHex(r.hash);
    if (this.rows.has(k)) return false;
    this.rows.set(k, { ...r });
    return true;
  }
  has(hash: Uint8Array): boolean {
    return this.rows.has(toHex(hash));
  }
  hasFor(breachId: Uint8Array, reporter: string): boolean {
    const id = toHex(breachId);
    return [...this.rows.values()].some(
      (r) => r.breachId !== undefined && toHex(r.breachId) === id && r.reporter === reporter,
    );
  }
  countJudged(reporter: string, epoch: number): number {
    return [...this.rows.values()].filter(
      (r) => r.reporter === reporter && r.epoch === epoch && (r.kind === 'missed' || r.kind === 'report'),
    ).length;
  }
  count(): number {
    return this.rows.size;
  }
  list(limit = 1000, offset = 0): EvidenceRow[] {
    return [...this.rows.values()]
      .sort((a, b) => a.receivedAt - b.receivedAt || compareBytes(a.hash, b.hash))
      .slice(offset, offset + limit);
  }
}

class MemoryVotes implements VoteRepository {
  private readonly rows = new Map<string, VoteRow>();
  private readonly key = (h: number, t: string, v: string): string => `${h}|${t}|${v}`;

  insert(r: VoteRow): boolean {
    const k = this.key(r.height, r.target, r.voter);
    if (this.rows.has(k)) return false;
    this.rows.set(k, { ...r });
    return true;
  }
  has(height: number, target: string, voter: string): boolean {
    return this.rows.has(this.key(height, target, voter));
  }
  range(fromHeight: number, toHeight: number, limit: number): VoteRow[] {
    return [...this.rows.values()]
      .filter((r) => r.height >= fromHeight && r.height <= toHeight)
      .sort(
        (a, b) =>
          a.height - b.height ||
          (a.target < b.target
            ? -1
            : a.target > b.target
              ? 1
              : a.voter < b.voter
                ? -1
                : a.voter > b.voter
                  ? 1
                  : 0),
      )
      .slice(0, limit);
  }
  count(height: number): number {
    return [...this.rows.values()].filter((r) => r.height === height).length;
  }
}

class MemoryCertificates implements CertificateRepository {
  private readonly rows = new Map<number, CertificateRow>();

  insert(r: CertificateRow): InsertResult {
    const at = this.rows.get(r.height);
    if (at) return toHex(at.hash) === toHex(r.hash) ? 'duplicate' : 'conflict';
    this.rows.set(r.height, { ...r });
    return 'inserted';
  }
  get(height: number): CertificateRow | undefined {
    return this.rows.get(height);
  }
  byHash(hash: Uint8Array): CertificateRow | undefined {
    const h = toHex(hash);
    return [...this.rows.values()].find((r) => toHex(r.hash) === h);
  }
  height(): number {
    return Math.max(0, ...this.rows.keys());
  }
  range(fromHeight: number, toHeight: number, limit: number): CertificateRow[] {
    return [...this.rows.keys()]
      .filter((h) => h >= fromHeight && h <= toHeight)
      .sort(byNum)
      .slice(0, limit)
      .map((h) => this.rows.get(h) as CertificateRow);
  }
}

class MemoryBreaches implements BreachRepository {
  private readonly rows = new Map<string, BreachRow>();

  seen(b: Parameters<BreachRepository['seen']>[0]): void {
    const k = toHex(b.id);
    const at = this.rows.get(k);
    if (at !== undefined && at.kind !== null) return;
    this.rows.set(k, {
      id: b.id,
      kind: b.kind,
      lab: b.lab,
      epoch: b.epoch,
      evidenceHash: b.evidenceHash,
      firstSeenAt: b.firstSeenAt,
      actedOnHeight: at?.actedOnHeight ?? null,
      resolvedHeight: at?.resolvedHeight ?? null,
    });
  }
  get(id: Uint8Array): BreachRow | undefined {
    return this.rows.get(toHex(id));
  }
  private openRows(): BreachRow[] {
    return [...this.rows.values()].filter((r) => r.resolvedHeight === null && r.kind !== null);
  }
  private static byAge(a: BreachRow, b: BreachRow): number {
    return (a.firstSeenAt ?? 0) - (b.firstSeenAt ?? 0) || compareBytes(a.id, b.id);
  }
  open(limit = 1_000_000): BreachRow[] {
    return this.openRows().sort(MemoryBreaches.byAge).slice(0, limit);
  }
  openForResume(limit: number): BreachRow[] {
    const acted = (r: BreachRow): number => (r.actedOnHeight === null ? 1 : 0);
    return this.openRows()
      .sort((a, b) => acted(a) - acted(b) || MemoryBreaches.byAge(a, b))
      .slice(0, limit);
  }
  resolved(): { id: Uint8Array; height: number }[] {
    return [...this.rows.values()]
      .filter((r) => r.resolvedHeight !== null)
      .sort((a, b) => (a.resolvedHeight ?? 0) - (b.resolvedHeight ?? 0))
      .map((r) => ({ id: r.id, height: r.resolvedHeight as number }));
  }
  actOn(height: number): void {
    for (const r of this.openRows()) if (r.actedOnHeight === null) r.actedOnHeight = height;
  }
  resolve(ids: readonly Uint8Array[], height: number): void {
    for (const id of ids) {
      const k = toHex(id);
      const at = this.rows.get(k);
      if (at === undefined)
        this.rows.set(k, {
          id,
          kind: null,
          lab: null,
          epoch: null,
          evidenceHash: null,
          firstSeenAt: null,
          actedOnHeight: null,
          resolvedHeight: height,
        });
      else at.resolvedHeight ??= height;
    }
  }
  counts(): { open: number; resolved: number } {
    return {
      open: this.openRows().length,
      resolved: [...this.rows.values()].filter((r) => r.resolvedHeight !== null).length,
    };
  }
}

class MemoryPeers implements PeerRepository {
  private readonly rows = new Map<string, PeerRow>();

  upsert(r: PeerRow): void {
    this.rows.set(r.peerId, { ...r, addrs: [...r.addrs] });
  }
  private static order(a: PeerRow, b: PeerRow): number {
    const member = (r: PeerRow): number => (r.lab === null ? 1 : 0);
    return member(a) - member(b) || b.lastSeen - a.lastSeen || (a.peerId < b.peerId ? -1 : 1);
  }
  prune(maxNonMembers: number): number {
    const others = [...this.rows.values()].filter((r) => r.lab === null).sort(MemoryPeers.order);
    const drop = others.slice(maxNonMembers);
    for (const r of drop) this.rows.delete(r.peerId);
    return drop.length;
  }
  list(limit: number): PeerRow[] {
    return [...this.rows.values()].sort(MemoryPeers.order).slice(0, limit);
  }
}

class MemorySignedHeights implements SignedHeightRepository {
  private readonly rows = new Map<number, { target: PauseState; statement: Uint8Array; vote: Uint8Array }>();
  constructor(private readonly inTransaction: () => boolean) {}

  signOnce(
    height: number,
    target: PauseState,
    statement: Uint8Array,
    sign: () => Uint8Array,
    _now: number,
  ): SignOnceResult {
    if (this.inTransaction())
      throw new Error(
        'slashing protection must commit (fsync) on its own: signOnce ran inside a transaction',
      );
    const at = this.rows.get(height);
    if (at !== undefined) {
      if (at.target === target && toHex(at.statement) === toHex(statement))
        return { kind: 'same', vote: at.vote };
      return { kind: 'conflict', signedTarget: at.target };
    }
    const vote = sign();
    this.rows.set(height, { target, statement, vote });
    return { kind: 'new', vote };
  }
  all(): { height: number; target: PauseState; vote: Uint8Array }[] {
    return [...this.rows.entries()]
      .sort(([a], [b]) => a - b)
      .map(([height, r]) => ({ height, target: r.target, vote: r.vote }));
  }
  signedAt(height: number): { target: PauseState; statement: Uint8Array; vote: Uint8Array } | undefined {
    return this.rows.get(height);
  }
}

class MemoryPauseState implements PauseStateRepository {
  private state: AppliedState = { height: 0, state: 'RUNNING', since: null, certificateHash: null };
  get(): AppliedState {
    return { ...this.state };
  }
  set(s: AppliedState): void {
    this.state = { ...s };
  }
}

class MemoryApprovals implements ApprovalRepository {
  private readonly rows = new Map<string, ApprovalRecord>();
  approve(height: number, target: PauseState, breaches: readonly Uint8Array[], now: number): void {
    const k = `${height}|${target}`;
    const at = this.rows.get(k) ?? { height, target, at: now, breaches: [] };
    // A resume names exactly one set; pause approvals add up.
    const ids = target === 'RUNNING' ? [...breaches] : [...at.breaches, ...breaches];
    const unique = new Map(ids.map((id) => [toHex(id), id]));
    this.rows.set(k, { ...at, breaches: [...unique.values()].sort(compareBytes) });
  }
  above(height: number): ApprovalRecord[] {
    return [...this.rows.values()]
      .filter((r) => r.height > height)
      .sort((a, b) => a.height - b.height || (a.target < b.target ? -1 : 1));
  }
}

class MemoryHookJournal implements HookJournalRepository {
  private readonly rows = new Map<string, HookJournalEntry>();
  private readonly key = (cert: string, hook: string): string => `${cert}|${hook}`;
  private sorted(): HookJournalEntry[] {
    return [...this.rows.values()].sort(
      (a, b) => b.height - a.height || (a.hookName < b.hookName ? -1 : a.hookName > b.hookName ? 1 : 0),
    );
  }

  async get(certificateHash: string, hookName: string): Promise<HookJournalEntry | undefined> {
    return this.rows.get(this.key(certificateHash, hookName));
  }
  async put(e: HookJournalEntry): Promise<void> {
    this.rows.set(this.key(e.certificateHash, e.hookName), { ...e, reasserts: e.reasserts ?? 0 });
  }
  async listUnfinished(): Promise<HookJournalEntry[]> {
    return [...this.rows.values()]
      .filter((e) => e.status !== 'ok')
      .sort((a, b) => a.height - b.height || (a.hookName < b.hookName ? -1 : 1));
  }
  async list(opts: { limit?: number } = {}): Promise<HookJournalEntry[]> {
    return this.latest(opts.limit ?? 1000);
  }
  entriesFor(certificateHash: string): HookJournalEntry[] {
    return [...this.rows.values()]
      .filter((e) => e.certificateHash === certificateHash)
      .sort((a, b) => (a.hookName < b.hookName ? -1 : 1));
  }
  latest(limit: number): HookJournalEntry[] {
    return this.sorted().slice(0, limit);
  }
  recordPending(
    cert: { certificateHash: string; height: number; action: HookAction },
    hookNames: readonly string[],
    now: number,
  ): void {
    for (const hookName of hookNames) {
      const k = this.key(cert.certificateHash, hookName);
      if (this.rows.has(k)) continue;
      this.rows.set(k, {
        certificateHash: cert.certificateHash,
        hookName,
        height: cert.height,
        action: cert.action,
        status: 'pending',
        attempts: 0,
        lastError: null,
        updatedAt: now,
        reasserts: 0,
      });
    }
  }
}

class MemoryHookState implements HookStateStore {
  constructor(private readonly values: Map<string, string>) {}
  async get(key: string): Promise<unknown | undefined> {
    const v = this.values.get(key);
    return v === undefined ? undefined : JSON.parse(v);
  }
  async set(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`hook state value for ${key} is not JSON-serialisable`);
    this.values.set(key, text);
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
  async keys(prefix = ''): Promise<string[]> {
    return [...this.values.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

class MemoryRuns implements NodeRunRepository {
  private readonly runs = new Map<number, number>();
  start(now: number): number {
    this.runs.set(now, now);
    return now;
  }
  alive(startedAt: number, now: number): void {
    if (this.runs.has(startedAt)) this.runs.set(startedAt, now);
  }
  observed(t: number, settleMs: number): boolean {
    return [...this.runs.entries()].some(([start, alive]) => start + settleMs <= t && alive >= t);
  }
}

class MemoryMeta implements MetaRepository {
  private readonly values = new Map<string, string>();
  get(key: string): string | undefined {
    return this.values.get(key);
  }
  set(key: string, value: string): void {
    this.values.set(key, value);
  }
}

/** A NodeStore in memory (unit tests): the repositories' rules without SQLite. */
export class MemoryStore implements NodeStore {
  private depth = 0;
  private open = true;
  private readonly hookStates = new Map<string, Map<string, string>>();
  readonly meta = new MemoryMeta();
  readonly commitments = new MemoryCommitments();
  readonly evidence = new MemoryEvidence();
  readonly votes = new MemoryVotes();
  readonly certificates = new MemoryCertificates();
  readonly breaches = new MemoryBreaches();
  readonly peers = new MemoryPeers();
  readonly signedHeights = new MemorySignedHeights(() => this.depth > 0);
  readonly pauseState = new MemoryPauseState();
  readonly approvals = new MemoryApprovals();
  readonly hookJournal = new MemoryHookJournal();
  readonly runs = new MemoryRuns();

  get isOpen(): boolean {
    return this.open;
  }
  close(): void {
    this.open = false;
  }
  hookState(hookName: string): HookStateStore {
    let values = this.hookStates.get(hookName);
    if (values === undefined) {
      values = new Map();
      this.hookStates.set(hookName, values);
    }
    return new MemoryHookState(values);
  }
  transaction<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }
  relaxed<T>(fn: () => T): T {
    return this.transaction(fn);
  }
}
