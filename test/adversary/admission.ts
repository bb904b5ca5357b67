import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { blsSign, ed25519Generate } from '@pausenet/crypto';
import { createHost, handleReqResp, protocolName, topicName } from '@pausenet/node';
import { type Certificate, encodeCertificate, encodeSignedEvidence, signEvidence } from '@pausenet/protocol';
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
  /** sybils: rows of Sybil peer ids over all nodes' peers tables. */
  sybilRows?: number;
  /** sync-liar: evidence pages it served, per node. */
  liarPages?: Record<string, number>;
  /** sync-liar: nodes whose pausenet_peers_banned_total went up while it ran. */
  liarBannedBy?: string[];
  /** sync-liar: "message rejected" log lines about sync input in each node's log. */
  syncRejectLogLines?: Record<string, number>;
  /** cert-flood: forged certificates published, over all fresh peer ids. */
  forgedCertificatesSent?: number;
  /** cert-flood: fresh peer ids that published. */
  certFloodIds?: number;
  /** cert-flood: pairings each node spent on them (its K_SIGNATURE rejects while the flood ran). */
  certPairings?: Record<string, number>;
}

export type AdmissionSpec = Extract<AdversarySpec, { kind: 'sybils' | 'sync-liar' | 'cert-flood' }>;

const ADMISSION_KINDS = new Set<string>(['sybils', 'sync-liar', 'cert-flood']);

export function isAdmissionSpec(spec: AdversarySpec): spec is AdmissionSpec {
  return ADMISSION_KINDS.has(spec.kind);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nodeAddr(n: HarnessNode): string {
  return `/ip4/127.0.0.1/tcp/${n.addr.split('/')[4]}/p2p/${n.peerId}`;
}

/** Peers table rows of a node, read from its SQLite file while it runs (WAL: a read-only reader is fine). */
function peerRows(n: HarnessNode): { peerId: string; lab: string | null }[] {
  const db = new Database(join(n.dataDir, 'pausenet.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT peer_id AS peerId, lab FROM peers').all() as {
      peerId: string;
      lab: string | null;
    }[];
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
  const ids = new Set<string>();
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
      ids.add(host.peerId.toString());
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
    const rows = targets.map((n) => peerRows(n));
    stats.peerRows = Object.fromEntries(targets.map((n, i) => [n.id, rows[i]?.length ?? 0]));
    stats.sybilRows = rows.flat().filter((r) => ids.has(r.peerId)).length;
    note(
      `adversary: victim address got ${stats.victimConnects} connects; peers rows ${JSON.stringify(stats.peerRows)}, of Sybils ${stats.sybilRows}`,
    );
  } finally {
    await v.close();
  }
}

/** A counter summed over its label sets from a node's /metrics (0 when the node does not answer). */
async function metric(n: HarnessNode, name: string, labels: RegExp = /.*/): Promise<number> {
  try {
    const res = await fetch(new URL('/metrics', n.apiUrl), { signal: AbortSignal.timeout(10_000) });
    let sum = 0;
    for (const line of (await res.text()).split('\n')) {
      const m = /^(\w+)(\{[^}]*\})? ([\d.e+-]+)$/.exec(line);
      if (m && m[1] === name && labels.test(m[2] ?? '')) sum += Number(m[3]);
    }
    return sum;
  } catch {
    return 0;
  }
}

/**
 * An outsider serving the sync protocols: its status advertises evidenceCount 2^53-1 and every evidence
 * page it serves is full of forged items (well-formed, signed by a stranger in a member's name). A node
 * must stop at the first invalid item, count it toward a ban, and never page on forever.
 */
async function syncLiar(
  cluster: Cluster,
  spec: { durationMs: number },
  stats: AdmissionStats,
  note: (s: string) => void,
): Promise<void> {
  const nid = cluster.networkIdHex;
  const networkId = new Uint8Array(Buffer.from(nid, 'hex'));
  const stranger = ed25519Generate();
  const page = Array.from({ length: 256 }, (_, i) =>
    encodeSignedEvidence(
      signEvidence(
        {
          networkId,
          evidence: {
            kind: 'report',
            subject: 'lab-b',
            epoch: 0,
            digest: randomBytes(32),
            summary: `lie ${i}`,
          },
          reporter: 'lab-a',
          issuedAt: Date.now(),
        },
        stranger.secretKey,
      ),
    ),
  );
  const host = await createHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    networkIdHex: nid,
  });
  const targets = cluster.nodes.filter((n) => n.child?.running);
  const nodeOf = new Map(targets.map((n) => [n.peerId, n.id]));
  const pages: Record<string, number> = Object.fromEntries(targets.map((n) => [n.id, 0]));
  const bansBefore = await Promise.all(targets.map((n) => metric(n, 'pausenet_peers_banned_total')));
  try {
    await handleReqResp(host, protocolName(nid, 'status'), () => ({
      header: {
        status: {
          networkId: nid,
          role: 'observer',
          heads: [],
          certifiedHeight: 0,
          openVotes: 0,
          evidenceCount: Number.MAX_SAFE_INTEGER,
        },
      },
    }));
    await handleReqResp(
      host,
      protocolName(nid, 'evidence'),
      (_req, ctx) => {
        const id = nodeOf.get(ctx.peerId);
        if (id) pages[id] = (pages[id] ?? 0) + 1;
        return { items: page };
      },
      { maxItems: 256 },
    );
    // dial every node, retrying as any attacker would (refusals under load are not a defence)
    const dialAll = (): Promise<unknown> =>
      Promise.all(
        targets
          .filter((n) => host.getConnections().every((c) => c.remotePeer.toString() !== n.peerId))
          .map((n) =>
            host.dial(multiaddr(nodeAddr(n)), { signal: AbortSignal.timeout(3_000) }).catch(() => {}),
          ),
      );
    const end = Date.now() + spec.durationMs;
    for (let i = 0; i < 5 && Date.now() < end; i++) {
      await dialAll();
      await sleep(300);
    }
    await sleep(Math.max(0, end - Date.now()));
    stats.liarPages = pages;
    const bansAfter = await Promise.all(targets.map((n) => metric(n, 'pausenet_peers_banned_total')));
    stats.liarBannedBy = targets
      .filter((_, i) => (bansAfter[i] ?? 0) > (bansBefore[i] ?? 0))
      .map((n) => n.id);
    stats.syncRejectLogLines = Object.fromEntries(
      await Promise.all(
        targets.map(async (n) => {
          const log = await readFile(join(n.dataDir, 'node.log'), 'utf8').catch(() => '');
          const lines = log.split('\n').filter((l) => l.includes('message rejected') && l.includes('"sync"'));
          return [n.id, lines.length] as const;
        }),
      ),
    );
    note(
      `adversary: sync liar served evidence pages ${JSON.stringify(pages)}; banned by ${stats.liarBannedBy.join(',') || 'nobody'}; sync reject log lines ${JSON.stringify(stats.syncRejectLogLines)}`,
    );
  } finally {
    await host.stop();
  }
}

/** Canonical bytes of a certificate carrying `signature` (not the group's): a forgery. */
function forgedCertificate(networkId: Uint8Array, height: number, signers: string[], signature: Uint8Array) {
  const cert = {
    networkId,
    height,
    target: height % 2 === 1 ? 'PAUSED' : 'RUNNING',
    signers,
    signature,
  };
  try {
    return encodeCertificate(cert as Certificate);
  } catch {
    // protocol versions whose certificates also name the breaches a resume resolves
    return encodeCertificate({ ...cert, resolves: [] } as unknown as Certificate);
  }
}

/**
 * Forged certificates from many fresh peer ids: each id connects to every node, publishes `perId` distinct
 * certificates for the next height (plausible, so only the pairing can refuse them), and leaves. Each one
 * that reaches validation costs a node one BLS pairing (its K_SIGNATURE reject).
 */
async function certFlood(
  cluster: Cluster,
  spec: { ids: number; perId: number },
  stats: AdmissionStats,
  note: (s: string) => void,
): Promise<void> {
  const nid = cluster.networkIdHex;
  const networkId = new Uint8Array(Buffer.from(nid, 'hex'));
  const topic = topicName(nid, 'certificates');
  const targets = cluster.nodes.filter((n) => n.child?.running);
  const signers = cluster.genesis.members.slice(0, cluster.genesis.threshold).map((m) => m.id);
  const kSig = /topic="certificate".*code="K_SIGNATURE"|code="K_SIGNATURE".*topic="certificate"/;
  const before = await Promise.all(targets.map((n) => metric(n, 'pausenet_messages_total', kSig)));
  let sent = 0;
  let published = 0;
  for (let i = 0; i < spec.ids; i++) {
    const height = (await cluster.status(targets[0] as HarnessNode).catch(() => ({ height: 0 }))).height + 1;
    const certs = Array.from({ length: spec.perId }, () =>
      forgedCertificate(
        networkId,
        height,
        signers,
        blsSign(cluster.keys.shares[1] as Uint8Array, randomBytes(32)),
      ),
    );
    const host = await createHost({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      networkIdHex: nid,
    });
    try {
      host.services.pubsub.subscribe(topic);
      await Promise.all(
        targets.map((n) =>
          host.dial(multiaddr(nodeAddr(n)), { signal: AbortSignal.timeout(3_000) }).catch(() => {}),
        ),
      );
      const end = Date.now() + 3_000;
      while (host.services.pubsub.getSubscribers(topic).length < targets.length && Date.now() < end)
        await sleep(50);
      if (host.services.pubsub.getSubscribers(topic).length > 0) published++;
      // all at once: they are on the wire before the first verdict (and score update) comes back
      sent += certs.length;
      await Promise.all(certs.map((c) => host.services.pubsub.publish(topic, c).catch(() => {})));
      await sleep(300);
    } finally {
      await host.stop();
    }
  }
  await sleep(1_000); // validations still queued
  const after = await Promise.all(targets.map((n) => metric(n, 'pausenet_messages_total', kSig)));
  stats.forgedCertificatesSent = sent;
  stats.certFloodIds = published;
  stats.certPairings = Object.fromEntries(targets.map((n, i) => [n.id, (after[i] ?? 0) - (before[i] ?? 0)]));
  note(
    `adversary: ${published} fresh peer ids published ${sent} forged certificates; pairings spent per node ${JSON.stringify(stats.certPairings)}`,
  );
}

/** Run one admission-control adversary to completion, filling `stats`. */
export async function runAdmission(
  cluster: Cluster,
  spec: AdmissionSpec,
  stats: AdmissionStats,
  note: (s: string) => void,
): Promise<void> {
  if (spec.delayMs) await sleep(spec.delayMs);
  if (spec.kind === 'sybils') return sybils(cluster, spec, stats, note);
  if (spec.kind === 'sync-liar') return syncLiar(cluster, spec, stats, note);
  if (spec.kind === 'cert-flood') return certFlood(cluster, spec, stats, note);
}
