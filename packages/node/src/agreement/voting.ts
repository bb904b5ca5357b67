import { blsSign } from '@pausenet/crypto';
import {
  bytesEqual,
  compareBytes,
  decodeSignedVote,
  encodeSignedVote,
  escalationHeight,
  type LabId,
  LIMITS,
  levelRank,
  type PauseEffect,
  type PauseEvent,
  type PauseState,
  resolvesDigest,
  type Step,
  signVote,
  statementBytes,
  toHex,
} from '@pausenet/protocol';
import type { AgreementCore } from './core.js';
import type { ApprovalSource, ApprovedBreach, ApproveOptions, ApproveResult } from './types.js';

/** Ascending, distinct breach ids. */
function sortedIds(ids: readonly Uint8Array[]): Uint8Array[] {
  const byHex = new Map(ids.map((id) => [toHex(id), id]));
  return [...byHex.values()].sort(compareBytes);
}

const sameIds = (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean =>
  a.length === b.length && a.every((x, i) => compareBytes(x, b[i] as Uint8Array) === 0);

/** The step an approval of `target` is: down below the applied level, up otherwise. */
export function stepFor(applied: PauseState, target: PauseState): Step {
  return levelRank(target) < levelRank(applied) ? 'down' : 'up';
}

/** The machine event of an operator approval (docs/protocol.md "Approvals"). */
export function approveEvent(
  applied: PauseState,
  height: number,
  target: PauseState,
  breaches: Uint8Array[],
): PauseEvent {
  return stepFor(applied, target) === 'down'
    ? { type: 'approve', step: 'down', height, target, breaches }
    : { type: 'approve', step: 'up', height, breaches };
}

/**
 * Voting: signs votes behind slashing protection (one statement per height, durable before it leaves the
 * process) and handles operator approvals (docs/protocol.md "Approvals").
 */
export class Voting {
  /** Heights for which the machine asked the operator (approval-needed). */
  private readonly awaitingApproval = new Set<number>();

  constructor(private readonly core: AgreementCore) {}

  /** The machine's approval-needed effect: say once per height that judged evidence waits for the operator. */
  approvalNeeded(e: Extract<PauseEffect, { type: 'approval-needed' }>): void {
    if (this.awaitingApproval.has(e.height)) return;
    this.awaitingApproval.add(e.height);
    this.core.log.warn(
      { event: 'approval.needed', height: e.height, target: e.target, breaches: e.breaches.map(toHex) },
      'judged evidence: waiting for operator approval (pausenet approve)',
    );
    this.core.emitChange();
  }

  /** Whether the machine asked the operator about `height`. */
  awaiting(height: number): boolean {
    return this.awaitingApproval.has(height);
  }

  /** A certificate was applied: what the operator was asked is decided. */
  certificateApplied(): void {
    this.awaitingApproval.clear();
  }

  /**
   * Slashing protection: sign only if nothing, or the same statement, was signed at this height — the
   * check and the insert are one fsynced transaction before anything leaves the process; a repeat
   * re-sends the stored bytes, a different statement is refused.
   */
  castVote(
    height: number,
    target: PauseState,
    what: { step: Step; breaches: Uint8Array[]; evidenceRefs: Uint8Array[]; resolves: Uint8Array[] },
  ): { signed: boolean; reason?: string } {
    const voter = this.core.voter;
    if (voter === null)
      return { signed: false, reason: 'this node has no BLS share (observer, or member before the DKG)' };
    const step = what.step;
    const statement = statementBytes({
      networkId: this.core.networkId,
      height,
      target,
      step,
      resolves: what.resolves,
    });
    const res = this.core.store.signedHeights.signOnce(
      height,
      target,
      statement,
      () =>
        encodeSignedVote(
          signVote(
            {
              networkId: this.core.networkId,
              height,
              target,
              step,
              voter: voter.lab,
              partial: blsSign(voter.blsShare, statement),
              evidence: what.evidenceRefs,
              breaches: what.breaches,
              resolves: what.resolves,
              issuedAt: this.core.now(),
            },
            voter.identitySecretKey,
          ),
        ),
      this.core.now(),
    );
    if (res.kind === 'conflict') {
      this.core.log.error(
        { event: 'vote.refused', height, target, alreadySigned: res.signedTarget },
        'slashing protection: refusing to sign a different statement at an already signed height',
      );
      return { signed: false, reason: `already signed ${res.signedTarget} at height ${height}` };
    }
    if (res.kind === 'new')
      this.core.log.info(
        {
          event: 'vote.signed',
          height,
          target,
          breaches: what.breaches.map(toHex),
          step,
          ...(step === 'down' ? { resolves: what.resolves.map(toHex) } : {}),
        },
        'vote signed and persisted',
      );
    this.core.send('vote', decodeSignedVote(res.vote));
    this.core.emitChange();
    return { signed: true };
  }

  /** Send this member's stored vote for the open height again (timer; see AgreementOptions.republishMs). */
  republishOwnVote(): void {
    if (this.core.voter === null || this.core.stopped) return;
    const open = this.core.machine.height + 1;
    const mine = this.core.store.signedHeights.signedAt(open);
    if (mine === undefined) return;
    this.core.send('vote', decodeSignedVote(mine.vote));
    void this.core.flush();
  }

  /**
   * Operator approval of the transition at `height` (docs/protocol.md "Approvals"): PAUSED approves judged
   * breaches, RUNNING names what the resume resolves. Records it durably and may sign and publish a vote.
   */
  async approve(height: number, target: PauseState, opts: ApproveOptions = {}): Promise<ApproveResult> {
    const refuse = (code: string, reason: string): ApproveResult => ({
      signed: false,
      refused: code,
      reason,
      height,
      target,
      breaches: [],
      source: 'explicit',
    });
    if (this.core.voter === null)
      return refuse('CANNOT_VOTE', 'this node cannot vote (observer, or member before the DKG)');
    const r = ((): ApproveResult => {
      const machine = this.core.machine;
      const open = machine.height + 1;
      const step = stepFor(machine.state, target);
      const expected = step === 'down' ? open : escalationHeight(machine);
      const notOpen = () =>
        refuse(
          'NOT_OPEN_HEIGHT',
          `height ${height} is not the open height ${expected} (the network is ${machine.state} at height ${machine.height}; see pausenet status)`,
        );
      if (height !== open && height !== escalationHeight(machine)) return notOpen();
      if (step === 'up' && levelRank(target) <= levelRank(machine.state))
        return refuse(
          'WRONG_TARGET',
          `the network is ${machine.state}: an approval at height ${height} steps down to a lower level or approves breaches that lead above it`,
        );
      if (height !== expected) return notOpen();
      const chosen = this.chooseBreaches(step, opts);
      if ('refused' in chosen) {
        // Nothing judged to approve, but this member already voted PAUSED (an automatic breach): say so.
        const mine = this.core.store.signedHeights.signedAt(height);
        if (chosen.refused === 'NOTHING_TO_APPROVE' && mine !== undefined && mine.target === 'PAUSED') {
          this.core.send('vote', decodeSignedVote(mine.vote));
          const cited = decodeSignedVote(mine.vote).vote.breaches;
          return {
            signed: true,
            reason: `already voted PAUSED at height ${height} (automatic breach evidence)`,
            height,
            target,
            breaches: cited.map((id) => this.describeBreach(id)),
            source: 'open-breaches',
          };
        }
        return refuse(chosen.refused, chosen.reason);
      }
      const result: ApproveResult = {
        signed: false,
        height,
        target,
        breaches: chosen.ids.map((id) => this.describeBreach(id)),
        source: chosen.source,
        ...(chosen.voters ? { voters: chosen.voters } : {}),
        ...(step === 'down' ? { leftOpen: this.leftOpenBy(chosen.ids) } : {}),
      };
      const resolves = step === 'down' ? chosen.ids : [];
      const statement = statementBytes({ networkId: this.core.networkId, height, target, step, resolves });
      const mine = this.core.store.signedHeights.signedAt(height);
      // One member signs one statement per height: a resume with another set cannot be signed any more.
      if (mine !== undefined && !bytesEqual(mine.statement, statement))
        return refuse(
          'ALREADY_SIGNED',
          `this member already signed a different ${mine.target} statement at height ${height} (its vote resolves ${this.votedResolves(mine.vote)}); one member signs one statement per height`,
        );
      if (opts.dryRun === true) return { ...result, signed: mine !== undefined, dryRun: true };
      this.core.store.approvals.approve(height, target, chosen.ids, this.core.now());
      this.core.log.info(
        {
          event: 'approval.recorded',
          height,
          target,
          breaches: chosen.ids.map(toHex),
          source: chosen.source,
        },
        'operator approval recorded',
      );
      const v = this.core.step(approveEvent(machine.state, height, target, chosen.ids));
      this.core.emitChange();
      if (!v.ok) return { ...result, reason: v.detail };
      const signed = this.core.store.signedHeights.signedAt(height);
      if (signed !== undefined) {
        if (!this.core.queued('vote')) this.core.send('vote', decodeSignedVote(signed.vote));
        return { ...result, signed: true };
      }
      const waiting = chosen.ids.filter((id) => !this.core.machine.open.has(toHex(id)));
      return {
        ...result,
        reason:
          waiting.length > 0
            ? `approval recorded; no evidence for ${waiting.map((id) => toHex(id).slice(0, 12)).join(', ')} on this node yet: the vote is cast when it arrives`
            : 'approval recorded',
      };
    })();
    await this.core.flush();
    return r;
  }

  /** The breach ids an approval names: the operator's, else the default (docs/protocol.md "Approvals"). */
  private chooseBreaches(
    step: Step,
    opts: ApproveOptions,
  ): { ids: Uint8Array[]; source: ApprovalSource; voters?: LabId[] } | { refused: string; reason: string } {
    const pending = step === 'down' ? this.pendingResumes() : [];
    if (opts.breaches !== undefined) {
      const ids = sortedIds(opts.breaches);
      if (step === 'up' && ids.length === 0)
        return { refused: 'NOTHING_TO_APPROVE', reason: 'a pause approval names at least one breach id' };
      if (ids.length > LIMITS.resolves)
        return {
          refused: 'TOO_MANY_BREACHES',
          reason: `${ids.length} breach ids > ${LIMITS.resolves} per approval`,
        };
      for (const id of ids) {
        const at = this.core.machine.resolved.get(toHex(id));
        if (at !== undefined)
          return {
            refused: 'BREACH_RESOLVED',
            reason: `breach ${toHex(id)} was already resolved by the resume at height ${at}`,
          };
      }
      if (step === 'down' && opts.force !== true) {
        if (pending.length > 0 && !pending.some((p) => sameIds(p.resolves, ids))) {
          const p = pending[0] as { resolves: Uint8Array[]; voters: LabId[] };
          return {
            refused: 'RESOLVES_MISMATCH',
            reason: `the pending resume vote of ${p.voters.join(', ')} resolves [${p.resolves.map(toHex).join(', ')}]: a resume that resolves another set is another statement, so the members' votes split and the network stays PAUSED at this height. Approve that set (omit the breach ids), or pass force to split on purpose`,
          };
        }
        const named = new Set(pending.flatMap((p) => p.resolves.map(toHex)));
        const unknown = ids.filter((id) => !this.core.machine.open.has(toHex(id)) && !named.has(toHex(id)));
        if (unknown.length > 0)
          return {
            refused: 'UNKNOWN_BREACH',
            reason: `this node holds no open breach ${unknown.map(toHex).join(', ')} (pausenet status lists the open breaches); check the ids, or pass force`,
          };
      }
      return { ids, source: 'explicit' };
    }
    if (step === 'up') {
      const ids: Uint8Array[] = [];
      for (const b of this.core.machine.open.values()) {
        if (b.auto) continue;
        ids.push(b.id);
        if (ids.length === LIMITS.resolves) break;
      }
      if (ids.length === 0)
        return {
          refused: 'NOTHING_TO_APPROVE',
          reason: `no open judged breach on this node at height ${this.core.machine.height + 1}: wait for the evidence to arrive (pausenet status lists open breaches) or name the breach id`,
        };
      return { ids, source: 'open-breaches' };
    }
    // A resume: adopt the set another member already voted for, so that operators converge on one statement.
    const top = pending[0];
    if (top !== undefined) return { ids: top.resolves, source: 'pending-vote', voters: top.voters };
    const ids = sortedIds(this.core.store.breaches.openForResume(LIMITS.resolves).map((b) => b.id));
    return { ids, source: 'open-breaches' };
  }

  /** Resume votes at the open height grouped by what they resolve: most voters first, then lowest index. */
  private pendingResumes(): { resolves: Uint8Array[]; voters: LabId[] }[] {
    const groups = new Map<string, { resolves: Uint8Array[]; voters: LabId[] }>();
    for (const sv of this.core.machine.votes.values()) {
      if (sv.vote.step !== 'down' || sv.vote.height !== this.core.machine.height + 1) continue;
      const key = toHex(resolvesDigest('down', sv.vote.resolves));
      const g = groups.get(key) ?? { resolves: [...sv.vote.resolves], voters: [] };
      g.voters.push(sv.vote.voter);
      groups.set(key, g);
    }
    const minIndex = (g: { voters: LabId[] }) =>
      Math.min(...g.voters.map((v) => this.core.memberIndex.get(v) ?? Number.MAX_SAFE_INTEGER));
    for (const g of groups.values())
      g.voters.sort((a, b) => (this.core.memberIndex.get(a) ?? 0) - (this.core.memberIndex.get(b) ?? 0));
    return [...groups.values()].sort(
      (a, b) => b.voters.length - a.voters.length || minIndex(a) - minIndex(b),
    );
  }

  /** Open breaches a resume resolving `ids` leaves open (they lead to a new pause by policy). */
  private leftOpenBy(ids: readonly Uint8Array[]): number {
    const named = ids.filter((id) => this.core.machine.open.has(toHex(id))).length;
    return this.core.machine.open.size - named;
  }

  /** What this node knows about breach `id`. */
  private describeBreach(id: Uint8Array): ApprovedBreach {
    const row = this.core.store.breaches.get(id);
    return {
      id: toHex(id),
      kind: row?.kind ?? null,
      lab: row?.lab ?? null,
      epoch: row?.epoch ?? null,
      evidence: row?.evidenceHash ? toHex(row.evidenceHash) : null,
      status:
        row?.resolvedHeight !== null && row?.resolvedHeight !== undefined
          ? 'resolved'
          : row?.kind
            ? 'open'
            : 'unknown',
    };
  }

  private votedResolves(voteBytes: Uint8Array): string {
    const v = decodeSignedVote(voteBytes).vote;
    return `[${v.resolves.map((id) => toHex(id).slice(0, 12)).join(', ')}]`;
  }
}
