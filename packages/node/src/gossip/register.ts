import type { NodeConfig } from '../config.js';
import type { PausenetLibp2p } from '../host.js';
import type { IngestOptions, IngestOutcome } from '../ingest.js';
import type { Logger } from '../logger.js';
import type { MessageKind } from '../message.js';
import type { NodeMetrics } from '../metrics.js';
import { GOSSIP_KINDS, type GossipKind, topicName } from '../topics.js';
import { GossipAdmission } from './admission.js';
import { GossipIngestBatcher, makeTopicValidator } from './validate.js';

/** The message kind each gossip topic carries, and back. */
export const TOPIC_KIND: Record<GossipKind, MessageKind> = {
  commitments: 'commitment',
  evidence: 'evidence',
  votes: 'vote',
  certificates: 'certificate',
};
export const KIND_TOPIC: Record<MessageKind, GossipKind> = {
  commitment: 'commitments',
  evidence: 'evidence',
  vote: 'votes',
  certificate: 'certificates',
};

/**
 * Install the topic validator of every gossip topic (docs/protocol.md "Topics and gossip validation"):
 * admission first, then the one ingest path, one event-loop turn of messages per transaction.
 */
export function registerGossipValidators(opts: {
  host: PausenetLibp2p;
  networkIdHex: string;
  limits: NodeConfig['limits'];
  isMember: (peer: string) => boolean;
  metrics: NodeMetrics;
  logger: Logger;
  ingestBatch: (
    items: readonly { kind: MessageKind; bytes: Uint8Array; opts: IngestOptions }[],
  ) => IngestOutcome[];
  onReject: (peer: string) => void;
}): void {
  const { limits } = opts;
  const admission = new GossipAdmission({
    isMember: opts.isMember,
    perPeerMsgsPerSec: limits.perPeerMsgsPerSec,
    outsiderMsgsPerSec: limits.outsiderMsgsPerSec,
    outsiderBurst: limits.outsiderBurst,
    outsiderBlsPerSec: limits.outsiderBlsPerSec,
    outsiderEd25519PerSec: limits.outsiderEd25519PerSec,
  });
  const batch = new GossipIngestBatcher((items) => opts.ingestBatch(items));
  for (const gk of GOSSIP_KINDS) {
    opts.host.services.pubsub.topicValidators.set(
      topicName(opts.networkIdHex, gk),
      makeTopicValidator({
        kind: TOPIC_KIND[gk],
        admission,
        metrics: opts.metrics,
        logger: opts.logger,
        ingest: (k, data, peer) => batch.submit(k, data, peer),
        onReject: opts.onReject,
      }),
    );
  }
}
