import type { ApiTarget } from '../io/api-client.js';
import type { ManagedChild } from './children.js';
import type { DevnetReceipt } from './receipts.js';

export type Scenario =
  | 'honest'
  | 'cap-breach'
  | 'reduce'
  | 'equivocation'
  | 'missed'
  | 'partition'
  | 'rejoin';
export const SCENARIOS: Scenario[] = [
  'honest',
  'cap-breach',
  'reduce',
  'equivocation',
  'missed',
  'partition',
  'rejoin',
];

/** One node process of a devnet. */
export interface DevnetNode {
  id: string;
  role: 'member' | 'observer';
  /** BLS share index for members (1-based). */
  index: number;
  dataDir: string;
  configFile: string;
  genesisFile: string;
  p2pPort: number;
  peerId: string;
  addr: string;
  /** Filled in when the node has started (it picks its API port). */
  api: ApiTarget;
  /** Exec hook log (members): one line "<action> <height> <level>" per hook run. */
  hookLog: string;
  child?: ManagedChild;
}

/** The last line of `pausenet devnet --json` (docs/cli.md). */
export interface DevnetResult {
  ok: boolean;
  problems: string[];
  scenario: Scenario;
  labs: number;
  observers: number;
  threshold: number;
  networkId: string;
  groupPublicKey: string;
  finalState: 'RUNNING' | 'REDUCED' | 'PAUSED';
  height: number;
  certificates: {
    height: number;
    /** The level the certificate sets: PAUSED or REDUCED (a step up), RUNNING (the resume). */
    target: string;
    step: 'up' | 'down';
    statement: string;
    signature: string;
    signers: string[];
  }[];
  /**
   * The newest receipt of each lab for each certificate, from the first running node's GET /v1/receipts,
   * checked again with the protocol's receipt validation (signature included).
   */
  receipts: DevnetReceipt[];
  nodes: {
    id: string;
    role: 'member' | 'observer';
    state: string;
    height: number;
    commitments: number;
    certificates: number;
    /**
     * Runs of the devnet's exec hook per (height, action), with the level it was given
     * (PAUSENET_LEVEL; null when its log has no line for the run).
     */
    hooks: {
      height: number;
      action: 'halt' | 'reduce' | 'resume';
      level: 'RUNNING' | 'REDUCED' | 'PAUSED' | null;
      runs: number;
      ok: boolean;
    }[];
  }[];
  timings: {
    dkgMs: number | null;
    breachToCertificateMs: number | null;
    breachToAllHaltedMs: number | null;
    resumeToAllResumedMs: number | null;
  };
  dataDir?: string;
}
