import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import Database from 'better-sqlite3';
import { createLibp2p } from 'libp2p';
import type { Cluster, HarnessNode } from '../harness/cluster.js';
import type { AdversarySpec } from '../harness/manifest.js';

/** What the admission adversaries saw, for the scenario's assertions. */
export interface AdmissionStats {
  /** sybils: peer ids that connected to at least one node. */
  sybilsConnected?: number;
  /** sybils: TCP connects the victim address received (nodes dialling where a peer told them to). */
  victimConnects?: number;
  /** sybils: rows in each node's peers table after the Sybils came and went. */
  peerRows?: Record<string, number>;
}

export type AdmissionSpec = Extract<AdversarySpec, { kind: 'sybils' }>;

export function isAdmissionSpec(spec: AdversarySpec): spec is AdmissionSpec {
  return spec.kind === 'sybils';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nodeAddr(n: HarnessNode): string {
  return `/ip4/127.0.0.1/tcp/${n.addr.split('/')[4]}/p2p/${n.peerId}`;
}

/** Peers table rows of a node, read from its SQLite file while it runs (WAL: a read-only reader is fine). */
function peerRows(n: HarnessNode): number {
  const db = new Database(join(n.dataDir, 'pausenet.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS c FROM peers').get() as { c: number }).c;
  } finally {
    db.close();
  }
}

/** A TCP listener on another loopback address that only counts who connects to it. */
async function victim(): Promise<{ addr: string; connects: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.9', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    addr: `/ip4/127.0.0.9/tcp/${port}`,
    connects: () => n,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Many fresh peer ids, each connecting to every node once and announcing (identify) a third party's
 * address as its own: a node must neither remember them (peers table) nor dial that address.
 */
async function sybils(
  cluster: Cluster,
  spec: { count: number; watchMs: number },
  stats: AdmissionStats,
  note: (s: string) => void,
): Promise<void> {
  const v = await victim();
  const targets = cluster.nodes.filter((n) => n.child?.running);
  let connected = 0;
  try {
    const one = async (): Promise<void> => {
      const host = await createLibp2p({
        privateKey: await generateKeyPair('Ed25519'),
        addresses: { listen: ['/ip4/127.0.0.1/tcp/0'], announce: [v.addr] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        services: { identify: identify() },
      });
      try {
        let any = false;
        await Promise.all(
          targets.map((n) =>
            host
              .dial(multiaddr(nodeAddr(n)), { signal: AbortSignal.timeout(5_000) })
              .then(() => {
                any = true;
              })
              .catch(() => {}),
          ),
        );
        if (any) connected++;
        await sleep(300); // identify both ways
      } finally {
        await host.stop();
      }
    };
    for (let i = 0; i < spec.count; i += 10)
      await Promise.all(Array.from({ length: Math.min(10, spec.count - i) }, () => one()));
    note(`adversary: ${connected} Sybil peer ids came and went, each announcing ${v.addr}`);
    await sleep(spec.watchMs); // nodes redial what they remembered every sync interval
    stats.sybilsConnected = connected;
    stats.victimConnects = v.connects();
    stats.peerRows = Object.fromEntries(targets.map((n) => [n.id, peerRows(n)]));
    note(
      `adversary: victim address got ${stats.victimConnects} connects; peers rows ${JSON.stringify(stats.peerRows)}`,
    );
  } finally {
    await v.close();
  }
}

/** Run one admission-control adversary to completion, filling `stats`. */
export async function runAdmission(
  cluster: Cluster,
  spec: AdmissionSpec,
  stats: AdmissionStats,
  note: (s: string) => void,
): Promise<void> {
  if (spec.kind === 'sybils') return sybils(cluster, spec, stats, note);
}
