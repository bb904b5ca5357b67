import {
  type DkgBundle,
  type DkgFailure,
  type DkgMember,
  type DkgOutput,
  type DkgState,
  type DkgStepResult,
  decodeDkgBundle,
  dkgInit,
  dkgStep,
  ed25519Generate,
  encodeDkgBundle,
} from '../src/index.js';

/** In-process broadcast network for DKG tests: every bundle goes through the CBOR codec. */

export const TIMEOUTS = { deal: 1_000, response: 1_000, justification: 1_000 };

export interface Identity {
  index: number;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function identities(n: number): Identity[] {
  return Array.from({ length: n }, (_, i) => ({ index: i + 1, ...ed25519Generate() }));
}

export const roster = (ids: Identity[]): DkgMember[] =>
  ids.map((m) => ({ index: m.index, publicKey: m.publicKey }));

export interface Node {
  name: string;
  state: DkgState;
  done?: DkgOutput;
  failed?: DkgFailure;
  /** Faults this node attributed to a signing dealer (DkgStepResult.rejected), in order. */
  rejected: NonNullable<DkgStepResult['rejected']>[];
}

export interface RunOptions {
  /** Rewrite (or drop, by returning null) a bundle before it is delivered to `to`. */
  intercept?: (bundle: DkgBundle, to: string) => DkgBundle | null;
  start?: number;
}

/** Deliver every outgoing bundle to every other node until all finish; ticks the clock when idle. */
export function runCeremony(
  starts: { name: string; init: DkgStepResult }[],
  opts: RunOptions = {},
): { nodes: Map<string, Node>; now: number; bundles: number; log: Uint8Array[] } {
  let now = opts.start ?? 0;
  const nodes = new Map<string, Node>();
  const queue: { from: string; bytes: Uint8Array }[] = [];
  const log: Uint8Array[] = [];
  let bundles = 0;
  const absorb = (name: string, r: DkgStepResult): void => {
    const node = nodes.get(name)!;
    node.state = r.state;
    if (r.done) node.done = r.done;
    if (r.failed) node.failed = r.failed;
    if (r.rejected) node.rejected.push(r.rejected);
    for (const b of r.out) {
      const bytes = encodeDkgBundle(b);
      queue.push({ from: name, bytes });
      log.push(bytes);
    }
  };
  for (const s of starts) {
    nodes.set(s.name, { name: s.name, state: s.init.state, rejected: [] });
    absorb(s.name, s.init);
  }
  const finished = () => [...nodes.values()].every((n) => n.done || n.failed);
  for (let guard = 0; guard < 100_000 && !finished(); guard++) {
    const next = queue.shift();
    if (next) {
      bundles++;
      for (const node of nodes.values()) {
        if (node.name === next.from) continue;
        const decoded = decodeDkgBundle(next.bytes);
        const b = opts.intercept ? opts.intercept(decoded, node.name) : decoded;
        if (b) absorb(node.name, dkgStep(node.state, { type: 'bundle', bundle: b }, now));
      }
    } else {
      now += 250;
      for (const node of nodes.values()) absorb(node.name, dkgStep(node.state, { type: 'tick' }, now));
    }
  }
  if (!finished()) throw new Error('ceremony did not finish');
  return { nodes, now, bundles, log };
}

/** Fresh DKG among `ids` (all participating unless `silent` lists indices that never start). */
export function freshDkg(
  ids: Identity[],
  t: number,
  opts: RunOptions & { silent?: number[]; sessionId?: Uint8Array } = {},
) {
  const sessionId = opts.sessionId ?? new Uint8Array(32).fill(9);
  const members = roster(ids);
  const starts = ids
    .filter((m) => !opts.silent?.includes(m.index))
    .map((m) => ({
      name: `m${m.index}`,
      init: dkgInit({
        sessionId,
        members,
        threshold: t,
        self: { index: m.index, secretKey: m.secretKey },
        now: opts.start ?? 0,
        timeouts: TIMEOUTS,
      }),
    }));
  return runCeremony(starts, opts);
}
