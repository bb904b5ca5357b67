// Over 400 lines on purpose: the one path of every message kind (rules, duplicate checks, the store write)
// reads top to bottom in one file, so that nothing about accepting a message lives anywhere else.
import { batchVerify as cryptoBatchVerify, verifyPartial as cryptoVerifyPartial } from '@pausenet/crypto';
import {
  breachIdOfKey,
  breachKeyOf,
  breachSubject,
  bytesEqual,
  type Certificate,
  certificateHash,
  type Genesis,
  hashOfCanonical,
  type Level,
  ProtocolError,
  type SignedCommitment,
  type SignedVote,
  type Validation,
  validateCertificate,
  validateCommitment,
  validateCommitmentIntrinsic,
  validateEvidence,
  validateVote,
} from '@pausenet/protocol';
import type { VerdictRecorder } from './gossip/validate.js';
import type { Logger } from './logger.js';
import {
  decodeMessage,
  encodeMessage,
  MAX_SIZE,
  type MessageKind,
  type MessageOf,
  type MessageSource,
  type Validated,
  validated,
} from './message.js';
import type { NodeStore } from './store/repositories.js';
import { type BatchVerifyFn, checkVotesTogether, type VerifyFn } from './vote-batch.js';

export interface IngestOptions {
  source: MessageSource;
  /** Peer the bytes came from (gossip propagation source or sync responder). */
  peer?: string;
}

export interface IngestOutcome<K extends MessageKind = MessageKind> {
  validation: Validation;
  msg?: MessageOf[K];
  hash?: Uint8Array;
}

export type { BatchVerifyFn, VerifyFn } from './vote-batch.js';

/** What ingest reads of the applied pause state (implemented by the agreement; cheap, no store reads). */
export interface AppliedView {
  /** Height of the last applied certificate. */
  readonly height: number;
  /** The applied level. */
  readonly level: Level;
  /** [IGNORE] K_STALE / K_CONFLICT of a certificate the applied state already decides; null if it counts. */
  certificateRule(cert: Certificate): Validation | null;
}

export interface IngestDeps {
  genesis: Genesis;
  networkId: Uint8Array;
  store: NodeStore;
  recorder: VerdictRecorder;
  logger: Logger;
  now: () => number;
  /** The applied state (the agreement, read without a dry run): votes and certificates are judged by it. */
  applied: () => AppliedView;
  /**
   * Every validated message, in acceptance order, once it is durable (a fork: validated, not stored). The
   * agreement steps it synchronously; what it sends back comes in again through the local door.
   */
  apply: (v: Validated) => void;
  /** A commitment (of `lab`) or a certificate (`what` = 'certificates') arrived ahead of us: fetch the gap from `peer`. */
  onGap?: (peer: string | undefined, what: string) => void;
  /** Called after every newly persisted message (status/SSE refresh). */
  onStored?: (kind: MessageKind) => void;
  /** BLS checks of vote partials (default @pausenet/crypto); tests count the pairings with them. */
  verify?: { partial?: VerifyFn; batch?: BatchVerifyFn };
}

function ignore(code: string, detail: string): Validation {
  return { ok: false, action: 'ignore', code, detail };
}
function reject(code: string, detail: string): Validation {
  return { ok: false, action: 'reject', code, detail };
}

/** What processing one message gave: the verdict, and the value to hand on once it is durable. */
interface Step<K extends MessageKind = MessageKind> extends IngestOutcome<K> {
  validated?: Validated<K>;
}

interface Item {
  kind: MessageKind;
  bytes: Uint8Array;
  opts: IngestOptions;
}

/**
 * The one path for every message, whatever its source (docs/protocol.md "Topics and gossip validation";
 * docs/architecture.md): bytes -> size limit -> decode -> validate once (signatures included) -> store (one
 * transaction) -> verdict -> agreement.apply(Validated) after the commit. Everything up to the commit is
 * synchronous, so two messages never interleave between validation and persist.
 */
export class Ingest {
  private readonly verifyPartial: VerifyFn;
  private readonly batchVerify: BatchVerifyFn;

  constructor(private readonly deps: IngestDeps) {
    this.verifyPartial = deps.verify?.partial ?? cryptoVerifyPartial;
    this.batchVerify = deps.verify?.batch ?? cryptoBatchVerify;
  }

  /** Ingest encoded bytes; the verdict is counted and logged; an accepted message is applied at once. */
  ingestBytes<K extends MessageKind>(kind: K, bytes: Uint8Array, opts: IngestOptions): IngestOutcome<K> {
    const step = this.recorded(kind, bytes, opts);
    if (step.validated !== undefined) this.handOn(step.validated);
    return strip(step);
  }

  /** The local door: a message built by this node (encoded canonically first, then the same path). */
  ingestMessage<K extends MessageKind>(
    kind: K,
    msg: MessageOf[K],
    opts: IngestOptions,
  ): IngestOutcome<K> & { bytes: Uint8Array } {
    const bytes = encodeMessage(kind, msg);
    return { ...this.ingestBytes(kind, bytes, opts), bytes };
  }

  /**
   * Ingest several messages (gossip received in one event-loop turn, a sync response) in ONE relaxed
   * transaction: the same steps and verdicts as ingestBytes one by one, in order, with one commit instead
   * of one per message. Their vote partials are checked with one multi-pairing first (the one check of
   * each partial; when it fails, each is checked on its own). Accepted messages reach the agreement only
   * after the commit; if it fails, every verdict is [IGNORE] STORE_ERROR and nothing is handed on.
   */
  ingestBatch(items: readonly Item[]): IngestOutcome[] {
    if (items.length === 1) {
      const [one] = items as [Item];
      return [this.ingestBytes(one.kind, one.bytes, one.opts)];
    }
    const decoded = items.map((it) => this.decode(it.kind, it.bytes));
    const votes = checkVotesTogether(
      items.map((it, i) => {
        const d = decoded[i] as Decoded;
        return it.kind === 'vote' && !('validation' in d) ? (d.msg as SignedVote) : null;
      }),
      {
        stored: (sv) => this.deps.store.votes.has(sv.vote.height, sv.vote.target, sv.vote.voter),
        rules: (sv, partial) => this.voteRules(sv, partial),
        partial: this.verifyPartial,
        batch: this.batchVerify,
      },
    );
    let steps: Step[];
    try {
      steps = this.deps.store.relaxed(() =>
        items.map((it, i) => {
          const d = decoded[i] as Decoded;
          const step = 'validation' in d ? d : this.handle(it.kind, d.msg, it.bytes, it.opts, votes.get(i));
          this.deps.recorder.record(it.kind, step.validation, it.opts.source, it.opts.peer);
          return step;
        }),
      );
    } catch (err) {
      this.deps.logger.error(
        { event: 'ingest.store_failed', err: (err as Error).message, messages: items.length },
        'ingest batch not stored',
      );
      return items.map(() => ({ validation: ignore('STORE_ERROR', (err as Error).message) }));
    }
    for (const step of steps) if (step.validated !== undefined) this.handOn(step.validated);
    return steps.map(strip);
  }

  private recorded<K extends MessageKind>(kind: K, bytes: Uint8Array, opts: IngestOptions): Step<K> {
    const d = this.decode(kind, bytes);
    const step = 'validation' in d ? d : this.handle(kind, d.msg, bytes, opts);
    this.deps.recorder.record(kind, step.validation, opts.source, opts.peer);
    return step;
  }

  /** After the commit: status listeners first, then the agreement (a failing step is logged, not thrown). */
  private handOn(v: Validated): void {
    if (v.stored) this.deps.onStored?.(v.kind);
    try {
      this.deps.apply(v);
    } catch (err) {
      this.deps.logger.error(
        { event: 'ingest.apply_failed', kind: v.kind, err: (err as Error).message },
        'agreement step failed',
      );
    }
  }

  private decode<K extends MessageKind>(kind: K, bytes: Uint8Array): Decoded<K> {
    // [IGNORE] SHUTTING_DOWN: the store is closed (late gossip during stop).
    if (!this.deps.store.isOpen) return { validation: ignore('SHUTTING_DOWN', 'node is stopping') };
    // [REJECT] SIZE: the payload exceeds the kind's maximum encoded size.
    if (bytes.length > MAX_SIZE[kind])
      return { validation: reject('OVERSIZED', `${bytes.length} > ${MAX_SIZE[kind]} bytes`) };
    try {
      return { msg: decodeMessage(kind, bytes) };
    } catch (err) {
      // [REJECT] DECODE: not the canonical encoding of a message of this kind.
      const code = err instanceof ProtocolError ? err.code : 'MALFORMED';
      return { validation: reject(code, (err as Error).message) };
    }
  }

  private voteRules(sv: SignedVote, verifyPartial: VerifyFn): Validation {
    return validateVote(sv, {
      genesis: this.deps.genesis,
      networkId: this.deps.networkId,
      now: this.deps.now(),
      currentHeight: this.deps.applied().height,
      currentLevel: this.deps.applied().level,
      verifyPartial,
    });
  }

  /** Validate (once) and store a decoded message. `pre`: a vote's verdict from the batch check. */
  private handle<K extends MessageKind>(
    kind: K,
    msg: MessageOf[K],
    bytes: Uint8Array,
    opts: IngestOptions,
    pre?: Validation,
  ): Step<K> {
    const historic = opts.source === 'sync';
    const now = this.deps.now();
    const base = { genesis: this.deps.genesis, networkId: this.deps.networkId, now };
    // First seen (docs/protocol.md "First seen"): the node's own clock when it first stores the message;
    // inserts keep the first row, so a later copy (gossip, sync, a re-publish) never moves it.
    const receivedAt = now;
    const accept = (hash: Uint8Array, stored = true): Step<K> => ({
      validation: { ok: true },
      msg,
      hash,
      validated: validated({ kind, msg, bytes, hash, source: opts.source, stored }),
    });
    switch (kind) {
      case 'commitment': {
        const sc = msg as SignedCommitment;
        const c = sc.commitment;
        const hash = hashOfCanonical(bytes); // = hashSignedCommitment(sc): bytes decoded canonically
        const last = this.deps.store.commitments.last(c.lab);
        if (last && c.seq <= last.seq) {
          const stored = this.deps.store.commitments.get(c.lab, c.seq);
          if (stored && bytesEqual(stored.hash, hash))
            return { validation: ignore('DUPLICATE', `commitment ${c.lab}#${c.seq} already stored`) };
          if (stored) return this.fork<K>(sc, hash, bytes, opts, 'seq');
        }
        const v = validateCommitment(sc, {
          ...base,
          historic,
          ...(last ? { lastOfLab: { seq: last.seq, hash: last.hash, epoch: last.epoch } } : {}),
        });
        if (!v.ok) {
          if (v.code === 'C_SEQ_GAP') this.deps.onGap?.(opts.peer, c.lab);
          // C_EPOCH_ORDER runs after the intrinsic rules: a genuine second commitment for an old epoch.
          if (v.code === 'C_EPOCH_ORDER')
            return { ...this.fork<K>(sc, hash, bytes, opts, 'epoch'), validation: v };
          return { validation: v };
        }
        if (!last && c.seq > 0) {
          // [IGNORE] C_SEQ_GAP: first commitment we see of this lab is not seq 0: sync the chain first.
          this.deps.onGap?.(opts.peer, c.lab);
          return {
            validation: ignore('C_SEQ_GAP', `seq ${c.seq} but no earlier commitment of ${c.lab} stored`),
          };
        }
        const res = this.write(kind, opts, () =>
          this.deps.store.commitments.insert({
            lab: c.lab,
            seq: c.seq,
            epoch: c.epoch,
            hash,
            bytes,
            receivedAt,
          }),
        );
        if (res !== 'inserted') return { validation: ignore('DUPLICATE', `store: ${res}`) };
        return accept(hash);
      }
      case 'evidence': {
        const se = msg as MessageOf['evidence'];
        const hash = hashOfCanonical(bytes); // = evidenceHash(se)
        if (this.deps.store.evidence.has(hash))
          return { validation: ignore('DUPLICATE', 'evidence already stored') };
        const v = validateEvidence(se, base);
        if (!v.ok) return { validation: v };
        const key = breachKeyOf(se.evidence);
        const breachId = breachIdOfKey(key);
        const subject = breachSubject(key);
        // [IGNORE] DUPLICATE_BREACH: one evidence per (breach, reporter) is stored; re-signing it with a
        // fresh issuedAt adds nothing (docs/protocol.md "Evidence floods").
        if (this.deps.store.evidence.hasFor(breachId, se.reporter))
          return {
            validation: ignore('DUPLICATE_BREACH', `${se.reporter} already filed evidence for this breach`),
          };
        // [IGNORE] QUOTA: judged evidence beyond policy.judgedQuotaPerEpoch per (reporter, epoch).
        const judged = se.evidence.kind === 'missed' || se.evidence.kind === 'report';
        const quota = this.deps.genesis.policy.judgedQuotaPerEpoch;
        if (judged && this.deps.store.evidence.countJudged(se.reporter, subject.epoch) >= quota)
          return {
            validation: ignore(
              'QUOTA',
              `${se.reporter} already filed ${quota} judged evidence items about epoch ${subject.epoch} (policy.judgedQuotaPerEpoch)`,
            ),
          };
        const stored = this.write(kind, opts, () => {
          const inserted = this.deps.store.evidence.insert({
            hash,
            kind: se.evidence.kind,
            bytes,
            receivedAt,
            breachId,
            reporter: se.reporter,
            epoch: subject.epoch,
          });
          // The breach row is written with its first evidence, in the same transaction.
          if (inserted)
            this.deps.store.breaches.seen({
              id: breachId,
              kind: se.evidence.kind,
              lab: subject.lab,
              epoch: subject.epoch,
              evidenceHash: hash,
              firstSeenAt: receivedAt,
            });
          return inserted;
        });
        if (!stored) return { validation: ignore('DUPLICATE', 'evidence already stored') };
        return accept(hash);
      }
      case 'vote': {
        const sv = msg as MessageOf['vote'];
        const vt = sv.vote;
        // One vote per (height, target, voter) is stored: the target is fixed by the height, so a voter's
        // second statement at a height (a double sign) is a duplicate here and never counted.
        if (this.deps.store.votes.has(vt.height, vt.target, vt.voter))
          return { validation: ignore('DUPLICATE', 'vote already stored') };
        const v = pre ?? this.voteRules(sv, this.verifyPartial);
        if (!v.ok) return { validation: v };
        const stored = this.write(kind, opts, () =>
          this.deps.store.votes.insert({
            height: vt.height,
            target: vt.target,
            voter: vt.voter,
            bytes,
            receivedAt,
          }),
        );
        if (!stored) return { validation: ignore('DUPLICATE', 'vote already stored') };
        return accept(hashOfCanonical(bytes)); // = voteHash(sv)
      }
      case 'certificate': {
        const cert = msg as MessageOf['certificate'];
        const hash = certificateHash(cert);
        const existing = this.deps.store.certificates.get(cert.height);
        if (existing && bytesEqual(existing.hash, hash))
          return { validation: ignore('DUPLICATE', 'certificate already stored') };
        const v = validateCertificate(cert, {
          genesis: this.deps.genesis,
          networkId: this.deps.networkId,
          currentHeight: this.deps.applied().height,
          stale: (c) => this.deps.applied().certificateRule(c),
        });
        if (!v.ok) {
          // A certificate ahead of us: fetch the heights in between from that peer (they apply in order).
          if (v.code === 'K_FUTURE') this.deps.onGap?.(opts.peer, 'certificates');
          return { validation: v };
        }
        const res = this.write(kind, opts, () =>
          this.deps.store.certificates.insert({ height: cert.height, hash, bytes, receivedAt }),
        );
        if (res === 'conflict') {
          this.deps.logger.error(
            { event: 'certificate.conflict', height: cert.height },
            'two valid group-signed certificates at one height: the group key is compromised',
          );
          return {
            validation: ignore('K_CONFLICT', `another certificate is stored at height ${cert.height}`),
          };
        }
        if (res !== 'inserted') return { validation: ignore('DUPLICATE', 'certificate already stored') };
        return accept(hash);
      }
      default:
        return { validation: reject('UNKNOWN_KIND', String(kind)) };
    }
  }

  /**
   * Durability rule (docs/protocol.md "Durability"): this node's own commitments and evidence are fsynced
   * before they are acknowledged or gossiped; everything else is a relaxed commit. Other nodes' messages are
   * re-fetched by sync after a power loss; an own vote is already durable in the slashing-protection table
   * before it is published, and a certificate is fsynced by the transaction that applies it.
   */
  private write<T>(kind: MessageKind, opts: IngestOptions, fn: () => T): T {
    const durable = opts.source === 'local' && (kind === 'commitment' || kind === 'evidence');
    return durable ? this.deps.store.transaction(fn) : this.deps.store.relaxed(fn);
  }

  /**
   * A validly signed commitment that forks its lab's chain (another commitment holds its seq, or its epoch
   * is already committed): not stored, handed on (validated) so that the agreement files equivocation.
   */
  private fork<K extends MessageKind>(
    sc: SignedCommitment,
    hash: Uint8Array,
    bytes: Uint8Array,
    opts: IngestOptions,
    why: 'seq' | 'epoch',
  ): Step<K> {
    if (why === 'seq') {
      const v = validateCommitmentIntrinsic(sc, this.deps.genesis, this.deps.networkId);
      if (!v.ok) return { validation: v };
      this.deps.logger.warn(
        { event: 'commitment.equivocation', lab: sc.commitment.lab, seq: sc.commitment.seq },
        'conflicting commitment (equivocation)',
      );
    }
    return {
      // [IGNORE] C_CONFLICT: a different signed commitment holds this chain slot (equivocation goes out as evidence).
      validation: ignore(
        'C_CONFLICT',
        `${sc.commitment.lab}#${sc.commitment.seq} conflicts with the stored commitment`,
      ),
      validated: validated({
        kind: 'commitment',
        msg: sc,
        bytes,
        hash,
        source: opts.source,
        stored: false,
      }) as unknown as Validated<K>,
    };
  }
}

type Decoded<K extends MessageKind = MessageKind> = { msg: MessageOf[K] } | Step<K>;

function strip<K extends MessageKind>(step: Step<K>): IngestOutcome<K> {
  const { validated: _, ...out } = step;
  return out;
}
