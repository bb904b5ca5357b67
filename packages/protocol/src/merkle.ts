import { bytesEqual, sha256, ZERO_HASH } from './bytes.js';
import { encodeRunRecord } from './codec/codec.js';
import { ProtocolError } from './errors.js';
import type { RunProof, RunRecord } from './types.js';

/**
 * Binary Merkle tree over salted run records (docs/protocol.md "Encoding"): leaf = SHA-256(0x00 ‖ cbor(record)),
 * node = SHA-256(0x01 ‖ left ‖ right); an odd last node is promoted unchanged; the empty tree's root is 32 zero bytes.
 */
export interface RunsTree {
  root: Uint8Array;
  leaves: Uint8Array[];
  /** levels[0] = leaves, last level = [root]. */
  levels: Uint8Array[][];
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/** Leaf hash of one run record. */
export function runLeafHash(record: RunRecord): Uint8Array {
  return sha256(LEAF, encodeRunRecord(record));
}

function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE, left, right);
}

/** Build the tree; `root` goes into Commitment.runsRoot. */
export function buildRunsTree(records: RunRecord[]): RunsTree {
  const leaves = records.map(runLeafHash);
  if (leaves.length === 0) return { root: ZERO_HASH, leaves, levels: [[]] };
  const levels: Uint8Array[][] = [leaves];
  let level = leaves;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const l = level[i] as Uint8Array;
      const r = level[i + 1];
      next.push(r ? nodeHash(l, r) : l);
    }
    levels.push(next);
    level = next;
  }
  return { root: level[0] as Uint8Array, leaves, levels };
}

/** Inclusion proof for run `index` (selective disclosure of that one record to an auditor). */
export function proveRun(tree: RunsTree, index: number): RunProof {
  const n = tree.leaves.length;
  if (!Number.isInteger(index) || index < 0 || index >= n)
    throw new ProtocolError('INVALID_ARGUMENT', `run index ${index} not in [0, ${n})`, 'index');
  const siblings: Uint8Array[] = [];
  let idx = index;
  for (let d = 0; d < tree.levels.length - 1; d++) {
    const level = tree.levels[d] as Uint8Array[];
    const sib = idx % 2 === 0 ? level[idx + 1] : level[idx - 1];
    if (sib) siblings.push(sib);
    idx = Math.floor(idx / 2);
  }
  return { index, leafCount: n, siblings };
}

/** Check that `record` is leaf `proof.index` of the tree with `root`; never throws. */
export function verifyRunProof(root: Uint8Array, record: RunRecord, proof: RunProof): boolean {
  try {
    let { index: idx, leafCount: n } = proof;
    if (!Number.isSafeInteger(idx) || !Number.isSafeInteger(n) || idx < 0 || idx >= n) return false;
    let h = runLeafHash(record);
    let s = 0;
    while (n > 1) {
      if (idx % 2 === 1) {
        const sib = proof.siblings[s++];
        if (!sib) return false;
        h = nodeHash(sib, h);
      } else if (idx + 1 < n) {
        const sib = proof.siblings[s++];
        if (!sib) return false;
        h = nodeHash(h, sib);
      }
      idx = Math.floor(idx / 2);
      n = Math.ceil(n / 2);
    }
    return s === proof.siblings.length && bytesEqual(h, root);
  } catch {
    return false;
  }
}
