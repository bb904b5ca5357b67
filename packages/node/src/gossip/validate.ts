import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import type { Validation } from '@pausenet/protocol';
import type { MessageKind } from '../agreement-port.js';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';
import type { PeerRateLimiter } from './ratelimit.js';

/** Where a message came from: a gossip peer, a sync response, or this node itself (API/agreement). */
export type MessageSource = 'gossip' | 'sync' | 'local';

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
  ) {}

  record(kind: MessageKind, v: Validation, source: MessageSource, peer?: string): void {
    const result = v.ok ? 'accept' : v.action;
    const code = v.ok ? 'OK' : v.code;
    this.metrics.messages.inc({ topic: kind, result, code, source });
    if (v.ok) this.logger.debug({ kind, source, peer }, 'message accepted');
    else if (v.action === 'reject')
      this.logger.warn({ kind, source, peer, code: v.code, detail: v.detail }, 'message rejected');
    else this.logger.debug({ kind, source, peer, code: v.code, detail: v.detail }, 'message ignored');
  }
}

export type IngestFn = (kind: MessageKind, data: Uint8Array, peer: string) => Validation;

/**
 * Build the gossipsub topic validator: per-peer rate limit (-> Ignore, counted), then the ingest path
 * (decode, validate, agreement check, persist), then the one mapping above. With `prepare` (votes: the
 * batch BLS pre-check) the validator awaits it between the rate limit and the synchronous ingest.
 */
export function makeTopicValidator(opts: {
  kind: MessageKind;
  ingest: IngestFn;
  limiter: PeerRateLimiter;
  metrics: NodeMetrics;
  logger: Logger;
  prepare?: (data: Uint8Array) => Promise<void>;
}): (peer: PeerId, msg: { data: Uint8Array }) => TopicValidatorResult | Promise<TopicValidatorResult> {
  const admit = (id: string): boolean => {
    if (opts.limiter.take(id)) return true;
    // [IGNORE] RATE_LIMITED: the sender exceeded its per-peer message rate.
    opts.metrics.rateLimited.inc({ topic: opts.kind });
    opts.metrics.messages.inc({
      topic: opts.kind,
      result: 'ignore',
      code: 'RATE_LIMITED',
      source: 'gossip',
    });
    opts.logger.debug({ kind: opts.kind, peer: id }, 'rate limited');
    return false;
  };
  const prepare = opts.prepare;
  if (prepare !== undefined) {
    return async (peer, msg) => {
      const id = peer.toString();
      if (!admit(id)) return TopicValidatorResult.Ignore;
      await prepare(msg.data);
      return toTopicResult(opts.ingest(opts.kind, msg.data, id));
    };
  }
  return (peer, msg) => {
    const id = peer.toString();
    if (!admit(id)) return TopicValidatorResult.Ignore;
    return toTopicResult(opts.ingest(opts.kind, msg.data, id));
  };
}
