export { DirLock } from './lock.js';
export type { Migration } from './migrations.js';
export { migrations } from './migrations.js';
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
