import { EventEmitter } from 'node:events';
import {
  createPauseState,
  decodeCertificate,
  decodeSignedVote,
  type Genesis,
  type LabId,
  type PauseEffect,
  type PauseEvent,
  type PauseMachineState,
  pauseStep,
  type Validation,
} from '@pausenet/protocol';
import type { Logger } from '../logger.js';
import type { MessageKind, MessageOf } from '../message.js';
import type { NodeStore } from '../store/repositories.js';
import type { PublishFn, SelfIdentity } from './types.js';

/** A member that can sign votes (has a BLS share, and the genesis a DKG result). */
export type Voter = SelfIdentity & { blsShare: Uint8Array };

interface OutboxItem {
  kind: MessageKind;
  msg: MessageOf[MessageKind];
}

/** What executes each kind of effect the pure machine asks for (voting, certificates). */
export type EffectHandlers = { [T in PauseEffect['type']]: (e: Extract<PauseEffect, { type: T }>) => void };

export interface AgreementCoreOptions {
  genesis: Genesis;
  networkId: Uint8Array;
  self: SelfIdentity | null;
  voter: Voter | null;
  store: NodeStore;
  publish: PublishFn;
  log: Logger;
  now: () => number;
}

/**
 * Queue and effects: the state every part of the agreement shares — the pure machine's state, the step
 * that feeds it one event and executes its effects, and the outbox of messages this node sends through
 * the local door (the node's ingest path). Everything here is synchronous except the outbox's flush.
 */
export class AgreementCore {
  readonly genesis: Genesis;
  readonly networkId: Uint8Array;
  readonly self: SelfIdentity | null;
  readonly voter: Voter | null;
  readonly store: NodeStore;
  readonly log: Logger;
  readonly now: () => number;
  readonly threshold: number;
  readonly memberIndex = new Map<LabId, number>();
  machine: PauseMachineState;
  stopped = false;

  private handlers: EffectHandlers | null = null;
  private readonly publish: PublishFn;
  private readonly outbox: OutboxItem[] = [];
  private flushing: Promise<void> | null = null;
  private readonly emitter = new EventEmitter();

  constructor(opts: AgreementCoreOptions) {
    this.genesis = opts.genesis;
    this.networkId = opts.networkId;
    this.self = opts.self;
    this.voter = opts.voter;
    this.store = opts.store;
    this.publish = opts.publish;
    this.log = opts.log;
    this.now = opts.now;
    this.threshold = opts.genesis.threshold;
    for (const m of opts.genesis.members) this.memberIndex.set(m.id, m.index);
    this.machine = this.load();
  }

  /** Who executes the machine's effects (set once, by the agreement's wiring). */
  handleEffects(handlers: EffectHandlers): void {
    this.handlers = handlers;
  }

  /**
   * The machine as the store has it (docs/protocol.md "Restart"): the applied certificate, the heights this
   * member signed, and the breaches table (not a replay of stored evidence).
   */
  load(): PauseMachineState {
    const applied = this.store.pauseState.get();
    const row = applied.height > 0 ? this.store.certificates.get(applied.height) : undefined;
    return createPauseState(this.genesis, {
      networkId: this.networkId,
      ...(this.voter !== null ? { self: this.voter.lab } : {}),
      certificate: row === undefined ? null : decodeCertificate(row.bytes),
      since: applied.since ?? 0,
      signed: this.store.signedHeights.all().map((s) => {
        const v = decodeSignedVote(s.vote).vote;
        return { height: s.height, target: v.target, step: v.step, resolves: v.resolves };
      }),
      breaches: {
        open: this.store.breaches
          .open()
          .flatMap((b) =>
            b.kind !== null && b.evidenceHash !== null
              ? [{ id: b.id, kind: b.kind, ref: b.evidenceHash }]
              : [],
          ),
        resolved: this.store.breaches.resolved(),
      },
    });
  }

  /** Feed one event to the pure machine and execute its effects. */
  step(event: PauseEvent): Validation {
    const r = pauseStep(this.machine, event, this.now());
    this.machine = r.state;
    const handlers = this.handlers;
    if (handlers === null) throw new Error('agreement effects are not wired');
    for (const e of r.effects) (handlers[e.type] as (x: PauseEffect) => void)(e);
    if (r.validation.ok && event.type === 'vote') this.emitChange();
    return r.validation;
  }

  /** Queue a message for the local door (sent by flush, in order). */
  send<K extends MessageKind>(kind: K, msg: MessageOf[K]): void {
    this.outbox.push({ kind, msg });
  }

  /** Whether a message (of `kind`, or of any kind) waits in the outbox. */
  queued(kind?: MessageKind): boolean {
    return kind === undefined ? this.outbox.length > 0 : this.outbox.some((o) => o.kind === kind);
  }

  /**
   * Send queued messages in order through the local door (the node's ingest path: validated, stored,
   * applied there like any message, then gossiped). Nothing is stepped here: a message counts once, when
   * the door applies it.
   */
  flush(): Promise<void> {
    if (this.flushing !== null) return this.flushing;
    this.flushing = (async () => {
      for (let item = this.outbox.shift(); item !== undefined; item = this.outbox.shift()) {
        try {
          const verdict = await this.publish(item.kind, item.msg as never);
          if (!verdict.ok && verdict.action === 'reject') {
            this.log.error(
              { event: 'message.own_rejected', kind: item.kind, code: verdict.code, detail: verdict.detail },
              'own message rejected by ingest',
            );
          }
        } catch (e) {
          this.log.warn(
            { event: 'message.publish_failed', kind: item.kind, err: (e as Error).message },
            'publish failed (re-sent later for votes)',
          );
        }
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Settles when the outbox is empty and nothing is being sent. */
  async drained(): Promise<boolean> {
    await this.flushing?.catch(() => undefined);
    return this.outbox.length === 0 && this.flushing === null;
  }

  on(fn: () => void): void {
    this.emitter.on('change', fn);
  }

  off(fn: () => void): void {
    this.emitter.off('change', fn);
  }

  emitChange(): void {
    this.emitter.emit('change');
  }

  removeListeners(): void {
    this.emitter.removeAllListeners();
  }
}
