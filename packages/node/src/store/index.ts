export { DirLock } from './lock.js';
export { MemoryStore } from './memory.js';
export type { Migration } from './migrations.js';
export { migrations } from './migrations.js';
export type {
  AppliedState,
  ApprovalRecord,
  ApprovalRepository,
  BreachRepository,
  BreachRow,
  CertificateRepository,
  CertificateRow,
  ChainHead,
  CommitmentRepository,
  CommitmentRow,
  EvidenceRepository,
  EvidenceRow,
  HookJournalRepository,
  InsertResult,
  MetaRepository,
  NodeRunRepository,
  NodeStore,
  PauseStateRepository,
  PeerRepository,
  PeerRow,
  SignedHeightRepository,
  SignOnceResult,
  Transactions,
  VoteRepository,
  VoteRow,
} from './repositories.js';
export type { StoreOpenOptions } from './store.js';
export { Store } from './store.js';
