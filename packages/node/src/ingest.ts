import {
  breachIdOfKey,
  breachKeyOf,
  breachSubject,
  bytesEqual,
  certificateHash,
  decodeCertificate,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedVote,
  encodeCertificate,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedVote,
  type Genesis,
  hashOfCanonical,
  MAX_BYTES,
  ProtocolError,
  type SignedCommitment,
  type Validation,
  validateCertificate,
  validateCommitment,
  validateCommitmentIntrinsic,
  validateEvidence,
  validateVote,
} from '@pausenet/protocol';
import type { AcceptInfo, Agreement, MessageKind, MessageOf } from './agreement-port.js';
import type { MessageSource, VerdictRecorder } from './gossip/validate.js';
import type { Logger } from './logger.js';
import type { Store } from './store/store.js';
import { blsVerifyCached, verifyPartialCached } from './verifyCache.js';

const MAX_SIZE: Record<MessageKind, number> = {
  commitment: MAX_BYTES.signedCommitment,
  evidence: MAX_BYTES.signedEvidence,
  vote: MAX_BYTES.signedVote,
  certificate: MAX_BYTES.certificate,
};

export interface IngestOptions {
  source: MessageSource;
  /** Peer the bytes came from (gossip propagation source or sync responder). */
  peer?: string;
}

export interface IngestOutcome<K extends MessageKind = MessageKind> {
  validation: Validation;
  msg?: MessageOf[K];
  hash?: Uint8Array;
  /** For accepted messages: settles when agreement.onAccepted has run. */
  applied?: Promise<void>;
}

export interface IngestDeps {
  genesis: Genesis;
  networkId: Uint8Array;
  store: Store;
  agreement: () => Agreement;
  recorder: VerdictRecorder;
  logger: Logger;
  now: () => number;
  /** A commitment (of `lab`) or a certificate (`what` = 'certificates') arrived ahead of us: fetch the gap from `peer`. */
  onGap?: (peer: string | undefined, what: string) => void;
  /**
   * A validly signed commitment that forks the lab's chain (occupied seq, or a second commitment for an
   * epoch): not stored, handed on so that equivocation evidence gets filed.
   */
  onConflict?: (sc: SignedCommitment) => void;
  /** Called after every newly persisted message (status/SSE refresh). */
  onStored?: (kind: MessageKind) => void;
}

function ignore(code: string, detail: string): Validation {
  return { ok: false, action: 'ignore', code, detail };
}
function reject(code: string, detail: string): Validation {
  return { ok: false, action: 'reject', code, detail };
}

/**
 * The one ingest path for every message, whatever its source (docs/protocol.md "Topics and gossip validation"):
 * bytes -> size limit -> decode -> protocol validate -> agreement.check -> store (one transaction) -> ACCEPT
 * -> agreement.onAccepted (serialised, after persist). Steps up to the store commit are synchronous, so two
 * messages never interleave between validation and persist.
 */
export class Ingest {
  private applyChain: Promise<void> = Promise.resolve();
  /** Set while ingestBatch runs: accepted messages wait here for the batch commit. */
  private gates: (() => void)[] | null = null;

  constructor(private readonly deps: IngestDeps) {}

  /** Ingest encoded bytes; the verdict is counted and logged. */
  ingestBytes<K extends MessageKind>(kind: K, bytes: Uint8Array, opts: IngestOptions): IngestOutcome<K> {
    const out = this.process(kind, bytes, opts);
    this.deps.recorder.record(kind, out.validation, opts.source, opts.peer);
    return out;
  }

  /** Ingest a message object built locally (encoded canonically first, then the same path). */
  ingestMessage<K extends MessageKind>(
    kind: K,
    msg: MessageOf[K],
    opts: IngestOptions,
  ): IngestOutcome<K> & { bytes: Uint8Array } {
    const bytes = encode(kind, msg);
    return { ...this.ingestBytes(kind, bytes, opts), bytes };
  }

  private process<K extends MessageKind>(kind: K, bytes: Uint8Array, opts: IngestOptions): IngestOutcome<K> {
    // [IGNORE] SHUTTING_DOWN: the store is closed (late gossip during stop).
    if (!this.deps.store.isOpen) return { validation: ignore('SHUTTING_DOWN', 'node is stopping') };
    // [REJECT] SIZE: the payload exceeds the kind's maximum encoded size.
    if (bytes.length > MAX_SIZE[kind])
      return { validation: reject('OVERSIZED', `${bytes.length} > ${MAX_SIZE[kind]} bytes`) };
    let msg: MessageOf[K];
    try {
      msg = decode(kind, bytes);
    } catch (err) {
      // [REJECT] DECODE: not the canonical encoding of a message of this kind.
      const code = err instanceof ProtocolError ? err.code : 'MALFORMED';
      return { validation: reject(code, (err as Error).message) };
    }
    const historic = opts.source === 'sync';
    const now = this.deps.now();
    const base = { genesis: this.deps.genesis, networkId: this.deps.networkId, now };
    const agreement = this.deps.agreement();
    // First seen (docs/protocol.md "First seen"): the node's own clock when it first stores the message;
    // inserts keep the first row, so a later copy (gossip, sync, a re-publish) never moves it.
    const receivedAt = now;
    switch (kind) {
      case 'commitment': {
        const sc = msg as SignedCommitment;
        const c = sc.commitment;
        const hash = hashOfCanonical(bytes); // = hashSignedCommitment(sc): bytes decoded canonically
        const last = this.deps.store.lastCommitment(c.lab);
        if (last && c.seq <= last.seq) {
          const stored = this.deps.store.getCommitment(c.lab, c.seq);
          if (stored && bytesEqual(stored.hash, hash))
            return { validation: ignore('DUPLICATE', `commitment ${c.lab}#${c.seq} already stored`) };
          if (stored) return { validation: this.conflict(sc) };
        }
        const v = validateCommitment(sc, {
          ...base,
          historic,
          ...(last ? { lastOfLab: { seq: last.seq, hash: last.hash, epoch: last.epoch } } : {}),
        });
        if (!v.ok) {
          if (v.code === 'C_SEQ_GAP') this.deps.onGap?.(opts.peer, c.lab);
          // C_EPOCH_ORDER runs after the intrinsic rules: a genuine second commitment for an old epoch.
          if (v.code === 'C_EPOCH_ORDER') this.deps.onConflict?.(sc);
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
          this.deps.store.insertCommitment({
            lab: c.lab,
            seq: c.seq,
            epoch: c.epoch,
            hash,
            bytes,
            receivedAt,
          }),
        );
        if (res !== 'inserted') return { validation: ignore('DUPLICATE', `store: ${res}`) };
        return this.accepted(kind, msg, hash);
      }
      case 'evidence': {
        const se = msg as MessageOf['evidence'];
        const hash = hashOfCanonical(bytes); // = evidenceHash(se)
        if (this.deps.store.hasEvidence(hash))
          return { validation: ignore('DUPLICATE', 'evidence already stored') };
        const v = validateEvidence(se, base);
        if (!v.ok) return { validation: v };
        const key = breachKeyOf(se.evidence);
        const breachId = breachIdOfKey(key);
        const subject = breachSubject(key);
        // [IGNORE] DUPLICATE_BREACH: one evidence per (breach, reporter) is stored; re-signing it with a
        // fresh issuedAt adds nothing (docs/protocol.md "Evidence floods").
        if (this.deps.store.hasEvidenceFor(breachId, se.reporter))
          return {
            validation: ignore('DUPLICATE_BREACH', `${se.reporter} already filed evidence for this breach`),
          };
        // [IGNORE] QUOTA: judged evidence beyond policy.judgedQuotaPerEpoch per (reporter, epoch).
        const judged = se.evidence.kind === 'missed' || se.evidence.kind === 'report';
        const quota = this.deps.genesis.policy.judgedQuotaPerEpoch;
        if (judged && this.deps.store.countJudgedEvidence(se.reporter, subject.epoch) >= quota)
          return {
            validation: ignore(
              'QUOTA',
              `${se.reporter} already filed ${quota} judged evidence items about epoch ${subject.epoch} (policy.judgedQuotaPerEpoch)`,
            ),
          };
        const a = agreement.check('evidence', se);
        if (!a.ok) return { validation: a };
        const stored = this.write(kind, opts, () => {
          const inserted = this.deps.store.insertEvidence({
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
        return this.accepted(kind, msg, hash);
      }
      case 'vote': {
        const sv = msg as MessageOf['vote'];
        const vt = sv.vote;
        if (this.deps.store.hasVote(vt.height, vt.target, vt.voter))
          return { validation: ignore('DUPLICATE', 'vote already stored') };
        const v = validateVote(sv, {
          ...base,
          currentHeight: agreement.status().height,
          verifyPartial: verifyPartialCached,
        });
        if (!v.ok) return { validation: v };
        const a = agreement.check('vote', sv);
        if (!a.ok) return { validation: a };
        const stored = this.write(kind, opts, () =>
          this.deps.store.insertVote({
            height: vt.height,
            target: vt.target,
            voter: vt.voter,
            bytes,
            receivedAt,
          }),
        );
        if (!stored) return { validation: ignore('DUPLICATE', 'vote already stored') };
        return this.accepted(kind, msg, hashOfCanonical(bytes)); // = voteHash(sv)
      }
      case 'certificate': {
        const cert = msg as MessageOf['certificate'];
        const hash = certificateHash(cert);
        const existing = this.deps.store.getCertificate(cert.height);
        if (existing && bytesEqual(existing.hash, hash))
          return { validation: ignore('DUPLICATE', 'certificate already stored') };
        const v = validateCertificate(cert, {
          genesis: this.deps.genesis,
          networkId: this.deps.networkId,
          currentHeight: agreement.status().height,
          blsVerify: blsVerifyCached,
        });
        if (!v.ok) {
          // A certificate ahead of us: fetch the heights in between from that peer (they apply in order).
          if (v.code === 'K_FUTURE') this.deps.onGap?.(opts.peer, 'certificates');
          return { validation: v };
        }
        const a = agreement.check('certificate', cert);
        if (!a.ok) return { validation: a };
        const res = this.write(kind, opts, () =>
          this.deps.store.insertCertificate({ height: cert.height, hash, bytes, receivedAt }),
        );
        if (res === 'conflict') {
          this.deps.logger.error(
            { height: cert.height },
            'two valid group-signed certificates at one height: the group key is compromised',
          );
          return {
            validation: ignore('K_CONFLICT', `another certificate is stored at height ${cert.height}`),
          };
        }
        if (res !== 'inserted') return { validation: ignore('DUPLICATE', 'certificate already stored') };
        return this.accepted(kind, msg, hash);
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

  /** A valid, different commitment for an occupied chain slot: equivocation, not stored, handed on as evidence. */
  private conflict(sc: SignedCommitment): Validation {
    const v = validateCommitmentIntrinsic(sc, this.deps.genesis, this.deps.networkId);
    if (!v.ok) return v;
    this.deps.logger.warn(
      { lab: sc.commitment.lab, seq: sc.commitment.seq },
      'conflicting commitment (equivocation)',
    );
    this.deps.onConflict?.(sc);
    // [IGNORE] C_CONFLICT: a different signed commitment holds this chain slot (equivocation goes out as evidence).
    return ignore(
      'C_CONFLICT',
      `${sc.commitment.lab}#${sc.commitment.seq} conflicts with the stored commitment`,
    );
  }

  private accepted<K extends MessageKind>(kind: K, msg: MessageOf[K], hash: Uint8Array): IngestOutcome<K> {
    const gates = this.gates;
    if (gates !== null) {
      // Inside ingestBatch: hand on only once the batch's transaction has committed.
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      gates.push(() => {
        this.deps.onStored?.(kind);
        open();
      });
      return {
        validation: { ok: true },
        msg,
        hash,
        applied: gate.then(() => this.handOff(kind, msg, { stored: true })),
      };
    }
    this.deps.onStored?.(kind);
    return { validation: { ok: true }, msg, hash, applied: this.handOff(kind, msg, { stored: true }) };
  }

  /**
   * Ingest several messages (gossip received in one event-loop turn) in ONE relaxed transaction: the same
   * steps and verdicts as ingestBytes one by one, in order, with one commit instead of one per message.
   * Accepted messages reach the agreement only after that commit; if it fails, every verdict is
   * [IGNORE] STORE_ERROR and nothing is handed on.
   */
  ingestBatch(
    items: readonly { kind: MessageKind; bytes: Uint8Array; opts: IngestOptions }[],
  ): IngestOutcome[] {
    if (items.length === 1) {
      const [one] = items as [{ kind: MessageKind; bytes: Uint8Array; opts: IngestOptions }];
      return [this.ingestBytes(one.kind, one.bytes, one.opts)];
    }
    const gates: (() => void)[] = [];
    let outs: IngestOutcome[];
    this.gates = gates;
    try {
      outs = this.deps.store.relaxed(() => items.map((it) => this.ingestBytes(it.kind, it.bytes, it.opts)));
    } catch (err) {
      this.deps.logger.error(
        { err: (err as Error).message, messages: items.length },
        'ingest batch not stored',
      );
      return items.map(() => ({ validation: ignore('STORE_ERROR', (err as Error).message) }));
    } finally {
      this.gates = null;
    }
    for (const open of gates) open();
    return outs;
  }

  /** Hand a message to agreement.onAccepted in acceptance order without storing it (forks for breach detection). */
  handOff<K extends MessageKind>(
    kind: K,
    msg: MessageOf[K],
    info: AcceptInfo = { stored: false },
  ): Promise<void> {
    const agreement = this.deps.agreement();
    const applied = this.applyChain.then(() => agreement.onAccepted(kind, msg, info));
    this.applyChain = applied.catch((err) => {
      this.deps.logger.error({ kind, err: (err as Error).message }, 'agreement.onAccepted failed');
    });
    return this.applyChain;
  }

  /** Settles when every onAccepted scheduled so far has run. */
  async drain(): Promise<void> {
    await this.applyChain;
  }
}

function decode<K extends MessageKind>(kind: K, bytes: Uint8Array): MessageOf[K] {
  switch (kind) {
    case 'commitment':
      return decodeSignedCommitment(bytes) as MessageOf[K];
    case 'evidence':
      return decodeSignedEvidence(bytes) as MessageOf[K];
    case 'vote':
      return decodeSignedVote(bytes) as MessageOf[K];
    default:
      return decodeCertificate(bytes) as MessageOf[K];
  }
}

/** Canonical encoding of a message of `kind`. */
export function encode<K extends MessageKind>(kind: K, msg: MessageOf[K]): Uint8Array {
  switch (kind) {
    case 'commitment':
      return encodeSignedCommitment(msg as MessageOf['commitment']);
    case 'evidence':
      return encodeSignedEvidence(msg as MessageOf['evidence']);
    case 'vote':
      return encodeSignedVote(msg as MessageOf['vote']);
    default:
      return encodeCertificate(msg as MessageOf['certificate']);
  }
}
