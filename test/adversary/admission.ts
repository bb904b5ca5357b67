import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identify } from '@libp2p/identify';
import { type TCPSocketOptions, tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { blsSign, ed25519Generate } from '@pausenet/crypto';
import { createHost, handleReqResp, protocolName, topicName } from '@pausenet/node';
import { encodeCertificate, encodeSignedEvidence, fromHex, signEvidence } from '@pausenet/protocol';
import type { Cluster, HarnessNode } from '@pausenet/testkit/cluster';
import Database from 'better-sqlite3';
import { createLibp2p } from 'libp2p';
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
  /** sync-liar: nodes that refused its connections after serving it pages (banned it). */
  liarBannedBy?: string[];
  /** sync-liar: "message rejected" log lines about sync input in each node's log. */
  syncRejectLogLines?: Record<string, number>;
  /** slowloris: silent sockets opened in all (each held until the node closes it, then reopened). */
  slowlorisOpened?: number;
  /** slowloris: most silent sockets open at once, per node. */
  slowlorisHeld?: Record<string, number>;
  /** slowloris: fresh libp2p dials made while the sockets were held, by source address: [ok, total]. */
  probesUnderSlowloris?: Record<string, [number, number]>;
  /** slowloris: every node (the restarted lab too) was PAUSED at height >= 1 while the sockets were held. */
  pausedUnderSlowloris?: boolean;
  /** slowloris: each node's height when the sockets were released. */
  heightsUnderSlowloris?: Record<string, number | null>;
  /** cert-flood: forged certificates published, over all fresh peer ids. */
  forgedCertificatesSent?: number;
  /** cert-flood: fresh peer ids that published. */
  certFloodIds?: number;
  /** cert-flood: pairings each node spent on them (its K_SIGNATURE rejects while the flood ran). */
  certPairings?: Record<string, number>;
}

export type AdmissionSpec = Extract<
  AdversarySpec,
  { kind: 'sybils' | 'sync-liar' | 'cert-flood' | 'slowloris' }
>;

const ADMISSION_KINDS = new Set<string>(['sybils', 'sync-liar', 'cert-flood', 'slowloris']);

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
 * must stop at the first invalid item, ban it (a forged signature has no honest excuse), and never page on
 * forever. It runs until every node has banned it or had `durationMs` since the liar (re)reached it.
 */
async function syncLiar(
  cluster: Cluster,
  spec: { durationMs: number },
  stats: AdmissionStats,
  note: (s: string) => void,
): Promise<void> {
  const nid = cluster.networkIdHex;
  const networkId = fromHex(nid);
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
  // Every node, also one that is restarting right now: each has the whole duration to reach the liar.
  const targets = cluster.nodes;
  const nodeOf = new Map(targets.map((n) => [n.peerId, n.id]));
  const pages: Record<string, number> = Object.fromEntries(targets.map((n) => [n.id, 0]));
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
    // One loop per node, all at once (a slow dial to one node must not keep the liar from the others). A node
    // syncs with a peer as it connects; the liar keeps (re)connecting, as any attacker would, until the node
    // has banned it: after the node took a page, a fresh connection is closed by the node right after the
    // handshake (its gater refuses a banned peer) while its API answers. Nothing but the node's own verdict on
    // its first page bans the liar in time: the liar never makes a node sync twice within 10 s.
    const banned = new Set<string>();
    const reach = async (n: HarnessNode): Promise<void> => {
      // Each node gets `durationMs` from the moment the liar reaches it (again, after a restart: a node restarting
      // under load can be down for half a minute), within three times that in all.
      const cap = Date.now() + 3 * spec.durationMs;
      let end = cap;
      let reachable = false;
      while (Date.now() < end) {
        const before = pages[n.id] ?? 0;
        const conn = await host
          .dial(multiaddr(nodeAddr(n)), { signal: AbortSignal.timeout(Math.max(1, end - Date.now())) })
          .catch(() => undefined);
        if (!conn) {
          reachable = false;
          await sleep(500); // down (restarting) or not answering yet
          continue;
        }
        if (!reachable) {
          reachable = true;
          end = Math.min(cap, Date.now() + spec.durationMs);
        }
        // The node's connect-time sync takes a page, and its verdict on it (a ban) hangs up.
        const since = Date.now();
        while (conn.status === 'open' && Date.now() - since < 15_000 && Date.now() < end) await sleep(100);
        if (conn.status === 'open') {
          // No verdict (or no sync) within 15 s, e.g. its request failed under load: a fresh connection
          // gets a fresh connect-time sync. 15 s: two pages would never fall in one 10 s ban window.
          await conn.close().catch(() => {});
          continue;
        }
        // Closed by the node without taking a page, after it took one before: refused, if it is up.
        if (
          before > 0 &&
          (pages[n.id] ?? 0) === before &&
          (await cluster.status(n).then(
            () => true,
            () => false,
          ))
        ) {
          banned.add(n.id);
          return;
        }
      }
    };
    await Promise.all(targets.map((n) => reach(n)));
    stats.liarPages = pages;
    stats.liarBannedBy = [...banned];
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
  return encodeCertificate({
    networkId,
    height,
    target: height % 2 === 1 ? 'PAUSED' : 'RUNNING',
    step: height % 2 === 1 ? 'up' : 'down',
    signers,
    resolves: [],
    signature,
  });
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
  const networkId = fromHex(nid);
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
        blsSign(cluster.shares[1] as Uint8Array, randomBytes(32)),
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

/**
 * A fresh peer dials `n` from source address `from`, up to 4 times a second apart (a newcomer retries; on an
 * overloaded 2-core box a handshake can miss the node's upgrade deadline, and in one full-suite run at load ~40
 * two tries in a row did for a whole round of five): true when the node kept a connection. While the attack
 * holds the node's slots every try fails alike.
 */
async function probe(n: HarnessNode, from: string): Promise<boolean> {
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await sleep(1000);
    if (await probeOnce(n, from)) return true;
  }
  return false;
}

async function probeOnce(n: HarnessNode, from: string): Promise<boolean> {
  const host = await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    // net.connect options pass through: bind the dialling socket to `from`
    transports: [tcp({ dialOpts: { localAddress: from } as TCPSocketOptions })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  try {
    const c = await host.dial(multiaddr(nodeAddr(n)), { signal: AbortSignal.timeout(10_000) });
    await sleep(300);
    return c.status === 'open';
  } catch {
    return false;
  } finally {
    await host.stop();
  }
}

/** A socket the node closed is reopened this soon (an attacker races honest dials for every freed slot). */
const REOPEN_MS = 10;

/**
 * TCP sockets that connect to a node's libp2p port and never say a word (no multistream, no Noise), from
 * several loopback source addresses (127.0.0.2, 127.0.0.3, ...: other hosts as far as the node can tell).
 * A socket the node closes is reopened at once (REOPEN_MS), for `durationMs`. The node must keep admitting its
 * members: a restarted lab still rejoins and the pause completes.
 */
async function slowloris(
  cluster: Cluster,
  spec: { socketsPerNode: number; sources: number; durationMs: number; probes?: boolean },
  stats: AdmissionStats,
  note: (s: string) => void,
): Promise<void> {
  const targets = cluster.nodes;
  const sources = Array.from({ length: spec.sources }, (_, i) => `127.0.0.${i + 2}`);
  const end = Date.now() + spec.durationMs;
  const open = new Map<string, number>(targets.map((n) => [n.id, 0]));
  const held: Record<string, number> = Object.fromEntries(targets.map((n) => [n.id, 0]));
  const sockets = new Set<Socket>();
  let opened = 0;
  let stopped = false;
  const hold = (n: HarnessNode, localAddress: string): void => {
    if (stopped || Date.now() >= end) return;
    const port = Number(n.addr.split('/')[4]);
    const s = connect({ host: '127.0.0.1', port, localAddress });
    sockets.add(s);
    let connected = false;
    s.on('connect', () => {
      connected = true;
      opened++;
      const now = (open.get(n.id) ?? 0) + 1;
      open.set(n.id, now);
      held[n.id] = Math.max(held[n.id] ?? 0, now);
    });
    s.on('data', () => {}); // read and ignore whatever the node says; never answer
    s.on('error', () => {});
    s.on('close', () => {
      sockets.delete(s);
      if (connected) open.set(n.id, Math.max(0, (open.get(n.id) ?? 0) - 1));
      setTimeout(() => hold(n, localAddress), REOPEN_MS);
    });
  };
  for (const n of targets)
    for (let i = 0; i < spec.socketsPerNode; i++) hold(n, sources[i % sources.length] as string);
  note(
    `adversary: slowloris holds ${spec.socketsPerNode} silent sockets per node from ${sources.join(',')} for up to ${spec.durationMs} ms`,
  );
  // Newcomers while the attack holds: from a member's IP (127.0.0.1 here) and from an honest outsider's,
  // once every node is up (a restarted one too: its API answers).
  await sleep(2_000);
  while (spec.probes !== false && Date.now() < end) {
    const up = await Promise.all(
      targets.map((n) =>
        cluster.status(n).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (up.every(Boolean)) break;
    await sleep(250);
  }
  stats.probesUnderSlowloris = {};
  for (const from of spec.probes === false ? [] : ['127.0.0.1', '127.0.0.7']) {
    let ok = 0;
    let total = 0;
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(targets.map((n) => probe(n, from)));
      ok += results.filter(Boolean).length;
      total += results.length;
      await sleep(500);
    }
    stats.probesUnderSlowloris[from] = [ok, total];
  }
  // Hold until every node has applied the pause (then the attack failed to block it) or time is up.
  const heights = async (): Promise<(number | null)[]> =>
    Promise.all(
      targets.map((n) =>
        n.child?.running
          ? cluster.status(n).then(
              (st) => (st.state === 'PAUSED' ? st.height : -1),
              () => null,
            )
          : Promise.resolve(null),
      ),
    );
  let last: (number | null)[] = [];
  while (Date.now() < end) {
    last = await heights();
    if (last.every((h) => h !== null && h >= 1)) break;
    await sleep(250);
  }
  stats.pausedUnderSlowloris = last.every((h) => h !== null && h >= 1);
  stats.heightsUnderSlowloris = Object.fromEntries(targets.map((n, i) => [n.id, last[i] ?? null]));
  stopped = true;
  for (const s of sockets) s.destroy();
  stats.slowlorisOpened = opened;
  stats.slowlorisHeld = held;
  note(
    `adversary: slowloris opened ${opened} sockets, most held at once per node ${JSON.stringify(held)}; newcomer dials ok/total by source ${JSON.stringify(stats.probesUnderSlowloris)}; PAUSED (state height, -1 running) while held: ${JSON.stringify(stats.heightsUnderSlowloris)}`,
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
  if (spec.kind === 'slowloris') return slowloris(cluster, spec, stats, note);
}
