/**
 * @packageDocumentation The pausenet node: libp2p gossip of signed messages with one validation/ingest path,
 * a durable SQLite store, req/resp sync, and a local HTTP API. See docs/node.md.
 */

export type { AgreementOptions, AgreementStatus } from './agreement/index.js';
export { Agreement } from './agreement/index.js';
export type { AgreementDeps, HookStatusView, PublishFn, Readiness, SelfIdentity } from './agreement/types.js';
export type { ApiBackend, ApiServerOptions } from './api/server.js';
export { ApiServer } from './api/server.js';
export { checkBearer, loadOrCreateApiToken } from './api/token.js';
export type { CommitmentRequest } from './commit.js';
export { buildCommitment, parseCommitmentRequest } from './commit.js';
export type { NodeConfig, NodeConfigInput } from './config.js';
export { dataPaths, loadNodeConfig, nodeConfigSchema, parseNodeConfig } from './config.js';
export type { ConnectionLimits, InboundGateOptions, InboundRefusal } from './connections.js';
export { defaultConnectionLimits, InboundGate, ipKey, ipOf } from './connections.js';
export type {
  DkgCeremonyErrorCode,
  DkgCeremonyOptions,
  DkgCeremonyResult,
  DkgProgress,
} from './dkg/index.js';
export {
  ceremonyNames,
  createDkgHost,
  DkgCeremonyError,
  DkgTransport,
  defaultDkgTimeouts,
  envelopeLimits,
  genesisOnlyGater,
  genesisPeerIds,
  runDkgCeremony,
} from './dkg/index.js';
export type { ConfigErrorCode, StoreErrorCode, SyncErrorCode } from './errors.js';
export { ApiError, ConfigError, StoreError, SyncError } from './errors.js';
export { PeerRateLimiter } from './gossip/rate-limit.js';
export type { IngestFn } from './gossip/validate.js';
export { makeTopicValidator, toTopicResult, VerdictRecorder } from './gossip/validate.js';
export type { GossipTuning, HostOptions, PausenetLibp2p, PausenetServices } from './host.js';
export {
  createHost,
  defaultGossipTuning,
  loadOrCreateNodeKey,
  messageId,
  peerScore,
  peerScoreParams,
  peerScoreThresholds,
} from './host.js';
export type { BatchVerifyFn, IngestDeps, IngestOptions, IngestOutcome, VerifyFn } from './ingest.js';
export { Ingest } from './ingest.js';
export type { KeystoreSource } from './keystore.js';
export { DEFAULT_PASSPHRASE_ENV, loadSelfIdentity } from './keystore.js';
export type { LogEvent } from './log-events.js';
export { LOG_EVENTS } from './log-events.js';
export type { LogBindings, LogFields, Logger, LogLevel } from './logger.js';
export { createLogger, silentLogger } from './logger.js';
export type { AnyMessage, MessageKind, MessageOf, MessageSource, Validated } from './message.js';
export { decodeMessage, encodeMessage } from './message.js';
export { NodeMetrics } from './metrics.js';
export type { PausenetNodeOptions } from './node.js';
export { loadGenesisFile, PausenetNode } from './node.js';
export type {
  CertificateRow,
  ChainHead,
  CommitmentRow,
  EvidenceRow,
  InsertResult,
  Migration,
  NodeStore,
  PeerRow,
  StoreOpenOptions,
  VoteRow,
} from './store/index.js';
export { DirLock, MemoryStore, migrations, Store } from './store/index.js';
export type {
  CertificatesByRangeRequest,
  CommitmentsByRangeRequest,
  EvidenceRequest,
  StatusMessage,
  VotesRequest,
} from './sync/protocol.js';
export { SyncResponder } from './sync/protocol.js';
export type {
  ReqRespHandler,
  ReqRespHandlerContext,
  ReqRespLimits,
  ReqRespResponse,
  ReqRespResult,
  ReqRespServeOptions,
  RequestOptions,
} from './sync/reqresp.js';
export { defaultReqRespLimits, handleReqResp, ReqRespRemoteError, requestReqResp } from './sync/reqresp.js';
export type { SyncerDeps } from './sync/syncer.js';
export { lagAgainst, Syncer } from './sync/syncer.js';
export type { GossipKind, ReqRespMethod } from './topics.js';
export { GOSSIP_KINDS, kindOfTopic, protocolName, REQRESP_METHODS, topicName, topicNames } from './topics.js';
