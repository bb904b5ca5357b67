import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import type { Validation } from '@pausenet/protocol';
import { type Logger, LogThrottle } from '../logger.js';
import type { MessageKind, MessageSource } from '../message.js';
import type { NodeMetrics } from '../metrics.js';
import type { AdmissionDrop } from './admission.js';

export type { MessageSource } from '../message.js';

/**
 * THE mapping from protocol validation to the gossipsub verdict (docs/protocol.md "Topics and gossip
 * validation"): ok -> Accept (already durable), reject -> Reject (sender penalised), ignore -> Ignore.
 */
export function toTopicResult(v: Validation): TopicValidatorResult {
  if (v.ok) return TopicValidatorResult.Accept;
  return v.action === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
}

/** Counts and logs every verdict of the ingest path (gossip, sync and local alike). */
export class VerdictRecorder {
  constructor(
    private readonly metrics: NodeMetrics,
    private readonly logger: Logger,
    /** Told of every peer that delivered an accepted message (the peer book remembers useful peers). */
    private readonly onAccept?: (peer: string) => void,
    private readonly throttle: LogThrottle = new LogThrottle(),
  ) {}

  record(kind: MessageKind, v: Validation, source: MessageSource, peer?: string): void {
    const result = v.ok ? 'accept' : v.action;
    const code = v.ok ? 'OK' : v.code;
    this.metrics.messages.inc({ topic: kind, result, code, source });
    if (v.ok && peer !== undefined && source !== 'local') this.onAccept?.(peer);
    if (v.ok) this.logger.debug({ event: 'message.accepted', kind, source, peer }, 'message accepted');
    else if (v.action === 'reject') {
      // One warn line per (kind, code, source) every 10 s: a flood must not become a log flood.
      const suppressed = this.throttle.admit(`${kind}|${v.code}|${source}`);
      if (suppressed !== null)
        this.logger.warn(
          {
            event: 'message.rejected',
            kind,
            source,
            peer,
            code: v.code,
            detail: v.detail,
            ...(suppressed > 0 ? { suppressed } : {}),
          },
          'message rejected',
        );
    } else
      this.logger.debug(
        { event: 'message.ignored', kind, source, peer, code: v.code, detail: v.detail },
        'message ignored',
      );
  }
}

export type IngestFn = (
  kind: MessageKind,
  data: Uint8Array,
  peer: string,
) => Validation | Promise<Validation>;

/**
 * Build the gossipsub topic validator: admission (per-peer rate limit, non-members' shared signature-check
 * budget: -> Ignore, counted), then the ingest path (decode, validate once, persist, apply; the node batches
 * one event-loop turn of gossip into one transaction, its vote partials into one multi-pairing), then the
 * one mapping above.
 */
export function makeTopicValidator(opts: {
  kind: MessageKind;
  ingest: IngestFn;
  admission: { admit(peer: string, kind: MessageKind): AdmissionDrop | null };
  metrics: NodeMetrics;
  logger: Logger;
  /** Told of every REJECT verdict (the node's flood defence: PeerBans). */
  onReject?: (peer: string) => void;
}): (peer: PeerId, msg: { data: Uint8Array }) => Promise<TopicValidatorResult> {
  return async (peer, msg) => {
    const id = peer.toString();
    const drop = opts.admission.admit(id, opts.kind);
    if (drop !== null) {
      // [IGNORE] RATE_LIMITED: the sender exceeded its per-peer message rate (a non-member: its small burst).
      // [IGNORE] VERIFY_BUDGET: non-members together exceeded their signature-check budget.
      if (drop === 'RATE_LIMITED') opts.metrics.rateLimited.inc({ topic: opts.kind });
      opts.metrics.messages.inc({ topic: opts.kind, result: 'ignore', code: drop, source: 'gossip' });
      opts.logger.debug(
        { event: 'message.dropped', kind: opts.kind, peer: id, code: drop },
        'message dropped before validation',
      );
      return TopicValidatorResult.Ignore;
    }
    const result = toTopicResult(await opts.ingest(opts.kind, msg.data, id));
    if (result === TopicValidatorResult.Reject) opts.onReject?.(id);
    return result;
  };
}

/**
 * Gossip messages whose validators run in one event-loop turn, ingested together (Ingest.ingestBatch:
 * one relaxed commit for all of them instead of one each). Verdicts are the ones ingestBytes gives.
 */
export class GossipIngestBatcher {
  private queue: {
    kind: MessageKind;
    bytes: Uint8Array;
    opts: { source: 'gossip'; peer: string };
    resolve: (v: Validation) => void;
  }[] = [];
  private scheduled = false;

  constructor(
    private readonly ingestBatch: (
      items: readonly { kind: MessageKind; bytes: Uint8Array; opts: { source: 'gossip'; peer: string } }[],
    ) => { validation: Validation }[],
  ) {}

  submit(kind: MessageKind, bytes: Uint8Array, peer: string): Promise<Validation> {
    return new Promise<Validation>((resolve) => {
      this.queue.push({ kind, bytes, opts: { source: 'gossip', peer }, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const items = this.queue;
    this.queue = [];
    this.scheduled = false;
    const outs = this.ingestBatch(items);
    items.forEach((it, i) => {
      it.resolve(
        outs[i]?.validation ?? { ok: false, action: 'ignore', code: 'STORE_ERROR', detail: 'no verdict' },
      );
    });
  }
}
