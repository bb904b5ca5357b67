export type { BreachRow } from './breaches.js';
export { BreachTable } from './breaches.js';
export { DirLock } from './lock.js';
export type { Migration } from './migrations.js';
export { migrations } from './migrations.js';
export { NodeRuns } from './runs.js';
export type {
  CertificateRow,
  ChainHead,
  CommitmentRow,
  EvidenceRow,
  InsertResult,
  PeerRow,
  StoreOpenOptions,
  VoteRow,
} from './store.js';
export { Store } from './store.js';
