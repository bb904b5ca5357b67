import type { NodeConfig } from '../config.js';
import { PeerRateLimiter } from '../gossip/rate-limit.js';
import type { PausenetLibp2p } from '../host.js';
import type { NodeMetrics } from '../metrics.js';
import type { NodeStore } from '../store/repositories.js';
import { protocolName } from '../topics.js';
import { type StatusMessage, SyncResponder } from './protocol.js';
import { handleReqResp, type ReqRespHandler } from './reqresp.js';

/**
 * Serve the req/resp sync protocols (docs/protocol.md "Req/resp sync"): status, commitments, certificates,
 * votes and evidence by range, each answer capped, with one request budget per peer over all of them.
 */
export async function registerSyncHandlers(opts: {
  host: PausenetLibp2p;
  networkIdHex: string;
  store: NodeStore;
  status: () => StatusMessage;
  sync: NodeConfig['sync'];
  reqRespPerPeerPerSec: number;
  metrics: NodeMetrics;
}): Promise<void> {
  const responder = new SyncResponder(opts.store, opts.status, opts.sync.maxBatch);
  const lim = { maxItems: opts.sync.maxBatch, timeoutMs: opts.sync.timeoutMs };
  const requests = new PeerRateLimiter(opts.reqRespPerPeerPerSec, Math.max(1, 2 * opts.reqRespPerPeerPerSec));
  const serve = (method: string) => ({
    admit: (peer: string) => requests.take(peer),
    onRefused: () => opts.metrics.reqRespRateLimited.inc({ protocol: method }),
  });
  const handlers: [string, ReqRespHandler][] = [
    ['status', () => responder.handleStatus()],
    ['commitments-by-range', (r) => responder.commitmentsByRange(r)],
    ['certificates-by-range', (r) => responder.certificatesByRange(r)],
    ['votes', (r) => responder.votes(r)],
    ['evidence', (r) => responder.evidence(r)],
  ];
  for (const [method, handler] of handlers)
    await handleReqResp(opts.host, protocolName(opts.networkIdHex, method), handler, lim, serve(method));
}
