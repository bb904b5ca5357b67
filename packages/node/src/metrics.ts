import { createRequire } from 'node:module';
import { type Level, levelRank, PROTOCOL_VERSION } from '@pausenet/protocol';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const LEVELS: readonly Level[] = ['RUNNING', 'REDUCED', 'PAUSED'];

/** This package's version (package.json sits next to src/ and dist/). */
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

let processRegistry: Registry | undefined;

/**
 * What belongs to the process, not to one node: prom-client's default metrics (CPU, memory, event loop
 * lag, GC, file descriptors) and the build. Collected once per process, however many nodes it runs.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'pausenet_' });
    // Gauges named like counters (promtool: "non-counter metrics should not have _total suffix"); each
    // is the sum of the by-type gauge of the same name without the suffix, which stays.
    for (const what of ['handles', 'requests', 'resources'])
      registry.removeSingleMetric(`pausenet_nodejs_active_${what}_total`);
    new Gauge({
      name: 'pausenet_build_info',
      help: 'Always 1; the labels name the pausenet version, the Node.js version and the protocol version',
      labelNames: ['version', 'node', 'protocol'] as const,
      registers: [registry],
    }).set({ version: VERSION, node: process.version, protocol: String(PROTOCOL_VERSION) }, 1);
    processRegistry = registry;
  }
  return processRegistry;
}

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
  readonly apiRequests = new Histogram({
    name: 'pausenet_api_request_seconds',
    help: 'Local API latency by route and status',
    labelNames: ['route', 'status'] as const,
    buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2],
    registers: [this.registry],
  });

  readonly pauseLevel = new Gauge({
    name: 'pausenet_pause_level',
    help: 'Level the applied certificates put in force: 0 RUNNING, 1 REDUCED, 2 PAUSED',
    registers: [this.registry],
  });
  readonly pauseState = new Gauge({
    name: 'pausenet_pause_state',
    help: 'Level in force by name: 1 for the current level, 0 for the others',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly pauseHeight = new Gauge({
    name: 'pausenet_pause_height',
    help: 'Height of the last applied certificate (0 before the first)',
    registers: [this.registry],
  });
  readonly hookFailing = new Gauge({
    name: 'pausenet_hook_failing',
    help: 'Per configured hook: 1 while its last attempt failed (retrying or given up), 0 once one succeeds',
    labelNames: ['hook'] as const,
    registers: [this.registry],
  });
  readonly labCommitmentAge = new Gauge({
    name: 'pausenet_lab_last_commitment_age_seconds',
    help: 'Per member lab: seconds since the issuedAt of its latest stored commitment (no series before its first)',
    labelNames: ['lab'] as const,
    registers: [this.registry],
  });
  readonly labMissedDeadlines = new Gauge({
    name: 'pausenet_lab_missed_deadlines',
    help: "Per member lab: epochs since the network's first committed epoch whose deadline and grace passed with no commitment of the lab stored",
    labelNames: ['lab'] as const,
    registers: [this.registry],
  });

  /** The level in force and the height of the certificate that put it in force. */
  setPause(level: Level, height: number): void {
    this.pauseLevel.set(levelRank(level));
    for (const l of LEVELS) this.pauseState.set({ state: l }, l === level ? 1 : 0);
    this.pauseHeight.set(height);
  }

  /** Prometheus text exposition: this node's metrics and the process's. */
  async text(): Promise<string> {
    return Registry.merge([this.registry, processMetrics()]).metrics();
  }
}
