/**
 * A stand-in for the node's local HTTP API (docs/node.md) for dashboard tests "(mock API)": real
 * protocol objects (Ed25519-signed commitments and evidence, threshold-BLS certificates recovered from
 * partials) rendered through @pausenet/protocol's JSON views, plus static files from a built dist/.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { DASHBOARD_CSP } from '@pausenet/dashboard';
import {
  type Certificate,
  type CertificateJson,
  type CommitmentJson,
  certificateToJson,
  commitmentToJson,
  evidenceToJson,
  fromHex,
  genesisToJson,
  hashSignedCommitment,
  type Metrics,
  type PauseState,
  type SignedCommitment,
  toHex,
  ZERO_HASH,
} from '@pausenet/protocol';
import {
  certificate,
  labId,
  makeLabs,
  signedCommitment,
  signedEvidence,
  testGenesis,
} from '@pausenet/testkit';
import { CAPS, EPOCH_MS, LAB_NAMES } from './constants.js';

const LABS = LAB_NAMES.slice(0, 4).map((name, i) => ({ id: labId(i), name }));
const THRESHOLD = 3;

export interface MockNodeOptions {
  /** Built dashboard directory to serve at GET /. */
  distDir: string;
  /** Serve GET /v1/events (default true); false exercises the page's polling fallback. */
  sse?: boolean;
  /** Epochs of history before now (default 10). */
  epochs?: number;
}

export interface MockNode {
  url: string;
  /** lab-b publishes a commitment over the trainingFlop cap and lab-a files cap-exceeded evidence. */
  breach(): void;
  /** Members vote for the next transition; `signers` of them reach the threshold (recovers the BLS signature). */
  certify(opts?: { tamper?: boolean }): Certificate;
  /** Hook runs this node reports for a height. */
  hooksRan(height: number, action: 'halt' | 'resume'): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Start the mock API on 127.0.0.1 (random port). */
export async function startMockNode(opts: MockNodeOptions): Promise<MockNode> {
  const now = Date.now();
  const epochs = opts.epochs ?? 10;
  const net = testGenesis({
    labs: makeLabs(LABS.length, { names: LABS.map((l) => l.name) }),
    threshold: THRESHOLD,
    name: 'devnet-dashboard',
    policy: {
      genesisTime: now - epochs * EPOCH_MS - EPOCH_MS / 2,
      epochMs: EPOCH_MS,
      deadlineMs: 10_000,
      graceMs: 5_000,
      caps: CAPS,
    },
    dkg: { transcriptHash: crypto.getRandomValues(new Uint8Array(32)) },
  });
  const { genesis, networkId } = net;
  const chains = new Map<string, SignedCommitment[]>(LABS.map((l) => [l.id, []]));
  const certs: Certificate[] = [];
  const commit = (li: number, epoch: number, metrics: Metrics, issuedAt?: number): SignedCommitment => {
    const lab = LABS[li]!.id;
    const chain = chains.get(lab)!;
    const prevSc = chain[chain.length - 1];
    const sc = signedCommitment(net, lab, {
      epoch,
      seq: chain.length,
      prev: prevSc ? hashSignedCommitment(prevSc) : ZERO_HASH,
      issuedAt: issuedAt ?? genesis.policy.genesisTime + (epoch + 1) * EPOCH_MS + 2_000 + li * 500,
      height: certs.length,
      level: certs.length % 2 === 1 ? 'PAUSED' : 'RUNNING',
      metrics,
    });
    chain.push(sc);
    return sc;
  };
  const metricsAt = (li: number, e: number, scale = 1): Metrics => {
    const pct = BigInt(Math.round((30 + li * 9 + e * 3 + ((e * 7 + li * 5) % 11)) * scale));
    return {
      trainingFlop: (CAPS.trainingFlop * pct) / 100n,
      largestRunFlop: (CAPS.largestRunFlop * (pct - 10n)) / 100n,
      maxParams: (CAPS.maxParams * BigInt(40 + li * 10)) / 100n,
      datasetTokens: (CAPS.datasetTokens * (pct / 2n + 20n)) / 100n,
      acceleratorHours: BigInt(120_000 + li * 40_000 + e * 1_000),
      utilizationBps: 6_000 + li * 700 + (e % 5) * 100,
    };
  };
  // History: every lab commits every finished epoch, except lab-c which missed one deadline.
  for (let e = 0; e < epochs; e++) {
    LABS.forEach((_, li) => {
      if (li === 2 && e === epochs - 3) return;
      commit(li, e, metricsAt(li, e));
    });
  }

  const evidence: Record<string, unknown>[] = [];
  const hooks: {
    height: number;
    action: string;
    hook: string;
    status: 'ok';
    attempts: number;
    lastError: null;
  }[] = [];
  let pending: { height: number; target: PauseState; voters: string[]; needed: number }[] = [];
  let since: number | null = null;

  const state = (): PauseState => (certs.length % 2 === 1 ? 'PAUSED' : 'RUNNING');
  const status = () => ({
    networkId: toHex(networkId),
    role: 'observer',
    self: null,
    peerId: '12D3KooWMockObserverPeerIdForDashboardTestsOnly0000',
    peers: LABS.map((l, i) => ({ peerId: `12D3KooWMockPeer${i}`, lab: l.id })),
    state: state(),
    height: certs.length,
    since,
    threshold: THRESHOLD,
    labs: LABS.map((l, i) => {
      const chain = chains.get(l.id)!;
      const last = chain[chain.length - 1];
      return {
        id: l.id,
        name: l.name,
        connected: i !== 3,
        lastCommitment: last ? commitmentToJson(last) : null,
      };
    }),
    pendingVotes: pending,
    approvals: [],
    hooks,
  });

  const streams = new Set<ServerResponse>();
  const notify = (): void => {
    const data = `event: status\ndata: ${JSON.stringify(status())}\n\n`;
    for (const res of streams) res.write(data);
  };

  const json = (res: ServerResponse, code: number, body: unknown): void => {
    res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const serveStatic = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const rel = normalize(path === '/' ? '/index.html' : decodeURIComponent(path)).replace(/^[/\\]+/, '');
    const file = join(opts.distDir, rel);
    if (!file.startsWith(opts.distDir + sep))
      return json(res, 404, { error: { code: 'NOT_FOUND', message: path } });
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': DASHBOARD_CSP,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      json(res, 404, { error: { code: 'NOT_FOUND', message: path } });
    }
  };

  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const p = u.pathname;
    if (p === '/v1/status') return json(res, 200, status());
    if (p === '/v1/genesis') return json(res, 200, genesisToJson(genesis));
    if (p === '/v1/certificates') return json(res, 200, certs.map(certificateToJson));
    if (p === '/v1/evidence') return json(res, 200, evidence);
    if (p === '/v1/commitments') {
      const from = Number(u.searchParams.get('from') ?? 0);
      const to = Number(u.searchParams.get('to') ?? Number.MAX_SAFE_INTEGER);
      const lab = u.searchParams.get('lab');
      const all: CommitmentJson[] = [...chains.values()]
        .flat()
        .map(commitmentToJson)
        .filter((c) => c.epoch >= from && c.epoch <= to && (!lab || c.lab === lab));
      return json(res, 200, all);
    }
    if (p === '/v1/events' && opts.sse !== false) {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(`event: status\ndata: ${JSON.stringify(status())}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (p.startsWith('/v1/')) return json(res, 404, { error: { code: 'NOT_FOUND', message: p } });
    void serveStatic(req, res, p);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    breach() {
      const cur = Math.floor((Date.now() - genesis.policy.genesisTime) / EPOCH_MS);
      const over = commit(1, cur, metricsAt(1, cur, 3), Date.now());
      evidence.push(
        evidenceToJson(
          signedEvidence(net, 'lab-a', { kind: 'cap-exceeded', commitment: over, cap: 'trainingFlop' }),
        ),
      );
      pending = [{ height: certs.length + 1, target: 'PAUSED', voters: ['lab-a'], needed: THRESHOLD }];
      notify();
    },
    certify(o = {}) {
      const height = certs.length + 1;
      const target: PauseState = height % 2 === 1 ? 'PAUSED' : 'RUNNING';
      // A resume resolves every breach the mock's evidence proved (ascending ids).
      const resolves =
        target === 'RUNNING'
          ? [...new Set(evidence.map((e) => (e as { breach: string }).breach))].sort().map((h) => fromHex(h))
          : [];
      const step = target === 'RUNNING' ? 'down' : 'up';
      // Members 1, 2 and 4 vote: a threshold of partials, recovered by Lagrange interpolation.
      const cert: Certificate = certificate(net, {
        height,
        target,
        step,
        resolves,
        signers: ['lab-a', 'lab-b', 'lab-d'],
      });
      if (o.tamper) cert.signature[cert.signature.length - 1]! ^= 0x01;
      certs.push(cert);
      pending = [];
      since = Date.now();
      notify();
      return cert;
    },
    hooksRan(height, action) {
      for (const hook of ['slurm-main', 'k8s-training']) {
        hooks.push({ height, action, hook, status: 'ok', attempts: 1, lastError: null });
      }
      notify();
    },
    async close() {
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type { CertificateJson };
