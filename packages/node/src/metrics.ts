import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one node (own registry: several nodes can share a process in tests). */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly peers = new Gauge({
    name: 'pausenet_peers',
    help: 'Connected libp2p peers',
    registers: [this.registry],
  });
  readonly messages = new Counter({
    name: 'pausenet_messages_total',
    help: 'Messages processed by topic, verdict (accept|reject|ignore) and code',
    labelNames: ['topic', 'result', 'code', 'source'] as const,
    registers: [this.registry],
  });
  readonly peersBanned = new Counter({
    name: 'pausenet_peers_banned_total',
    help: 'Non-member peers disconnected and refused for 10 min after a flood of invalid messages',
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'pausenet_rate_limited_total',
    help: 'Gossip messages dropped by the per-peer rate limit',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly storeBytes = new Gauge({
    name: 'pausenet_store_bytes',
    help: 'SQLite database + WAL size',
    registers: [this.registry],
  });
  readonly commitments = new Gauge({
    name: 'pausenet_commitments',
    help: 'Stored commitments',
    registers: [this.registry],
  });
  readonly syncLag = new Gauge({
    name: 'pausenet_sync_lag',
    help: 'Commitments + certificates peers advertise that this node does not hold (last sync round)',
    registers: [this.registry],
  });
  readonly syncRounds = new Counter({
    name: 'pausenet_sync_requests_total',
    help: 'Req/resp sync requests by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly hookResults = new Counter({
    name: 'pausenet_hook_results_total',
    help: 'Halt/resume hook runs by hook and status',
    labelNames: ['hook', 'action', 'status'] as const,
    registers: [this.registry],
  });
  readonly inboundRefused = new Counter({
    name: 'pausenet_inbound_refused_total',
    help: 'Inbound connections refused by the admission gate, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly inboundPending = new Gauge({
    name: 'pausenet_inbound_pending',
    help: 'Inbound connection upgrades pending from non-member IPs',
    registers: [this.registry],
  });
  readonly sseDropped = new Counter({
    name: 'pausenet_sse_dropped_total',
    help: 'GET /v1/events clients disconnected for not reading (backlog over api.sseMaxBufferBytes)',
    registers: [this.registry],
  });
  readonly reqRespRateLimited = new Counter({
    name: 'pausenet_reqresp_rate_limited_total',
    help: 'Req/resp requests refused because the peer exceeded its request rate',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  readonly level = new Gauge({
    name: 'pausenet_level',
    help: 'Applied level: 0 RUNNING, 1 REDUCED, 2 PAUSED',
    registers: [this.registry],
  });
  readonly receiptStatus = new Gauge({
    name: 'pausenet_receipt_status',
    help: 'Per lab, 1 for its receipt status of the applied certificate (confirmed | failing | pending | not-confirmed), else 0',
    labelNames: ['lab', 'status'] as const,
    registers: [this.registry],
  });
  readonly apiRequests = new Histogram({
    name: 'pausenet_api_request_seconds',
    help: 'Local API latency by route and status',
    labelNames: ['route', 'status'] as const,
    buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2],
    registers: [this.registry],
  });

  /** Prometheus text exposition. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
