import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ApproveResultBody,
  type CertificateView,
  COMMITMENTS_QUERY_CODES,
  type CommitmentView,
  commitmentsQuerySchema,
  type EvidenceView,
  type HealthBody,
  parseApiBody,
  type StatusBody,
  type SubmittedCommitment,
} from '@pausenet/protocol/api';
import { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';
import { StatusStream } from './sse.js';
import { type DashboardFiles, serveStatic } from './static.js';
import { checkBearer } from './token.js';

const MAX_BODY = 65_536;

/**
 * What the HTTP API needs from the node (api/handlers.ts). Response shapes are the shared ones of
 * @pausenet/protocol/api; request bodies arrive as parsed JSON and each handler checks its own schema.
 */
export interface ApiBackend {
  status(): StatusBody;
  /** Readiness (GET /v1/health: 200 when ready, else 503). */
  health(): HealthBody;
  genesis(): Record<string, unknown>;
  submitCommitment(body: unknown): Promise<SubmittedCommitment>;
  listCommitments(query: { lab?: string; from?: number; to?: number }): CommitmentView[];
  submitEvidence(body: unknown): Promise<EvidenceView>;
  listEvidence(): EvidenceView[];
  approve(body: unknown): Promise<ApproveResultBody>;
  listCertificates(): CertificateView[];
  /** Subscribe to status changes (SSE); returns an unsubscribe function. */
  onChange(fn: () => void): () => void;
}

export interface ApiServerOptions {
  host: string;
  port: number;
  token: string;
  backend: ApiBackend;
  metrics: NodeMetrics;
  /** Refresh gauges before /metrics renders. */
  beforeMetrics?: () => void;
  logger: Logger;
  dashboard?: DashboardFiles | null;
  /** Most `GET /v1/events` streams at once (default 64). */
  maxSseClients?: number;
  /** An events client whose unsent backlog passes this many bytes is dropped (default 1 MiB). */
  sseMaxBufferBytes?: number;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'BODY_TOO_LARGE', `request body exceeds ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'BAD_JSON', 'request body is not valid JSON');
  }
}

/** The node's local HTTP API (docs/node.md "HTTP API"): loopback by default, bearer token for writes. */
export class ApiServer {
  private server: Server | undefined;
  private readonly sse: StatusStream;
  private url = '';

  constructor(private readonly opts: ApiServerOptions) {
    this.sse = new StatusStream({
      status: () => opts.backend.status(),
      onChange: (fn) => opts.backend.onChange(fn),
      maxClients: opts.maxSseClients ?? 64,
      maxBufferBytes: opts.sseMaxBufferBytes ?? 1_048_576,
      onDrop: () => opts.metrics.sseDropped.inc(),
    });
  }

  /** Listen; resolves to the base URL (http://host:port). */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.url = `http://${host}:${addr.port}`;
    return this.url;
  }

  get baseUrl(): string {
    return this.url;
  }

  async stop(): Promise<void> {
    this.sse.close();
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private requireAuth(req: IncomingMessage): void {
    if (!checkBearer(req.headers.authorization, this.opts.token)) {
      throw new ApiError(
        401,
        'UNAUTHORIZED',
        'writes need "Authorization: Bearer <token>" (token in <dataDir>/api-token)',
      );
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method} ${url.pathname}`;
    let status = 200;
    try {
      status = await this.route(req, res, url);
    } catch (err) {
      if (err instanceof ApiError) {
        status = err.status;
        sendJson(res, err.status, { error: { code: err.code, message: err.message } });
      } else {
        status = 500;
        this.opts.logger.error(
          { event: 'api.handler_failed', route, err: (err as Error).message },
          'API handler failed',
        );
        if (!res.headersSent)
          sendJson(res, 500, { error: { code: 'INTERNAL', message: (err as Error).message } });
        else res.end();
      }
    } finally {
      const known = /^(GET|POST) \/(v1\/[a-z]+|metrics)?$/.test(route) ? route : 'other';
      this.opts.metrics.apiRequests.observe(
        { route: known, status: String(status) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const b = this.opts.backend;
    const m = req.method ?? 'GET';
    const p = url.pathname;
    if (m === 'GET' && p === '/v1/status') return this.ok(res, b.status());
    if (m === 'GET' && p === '/v1/health') {
      const h = b.health();
      return this.ok(res, h, h.ready ? 200 : 503);
    }
    if (m === 'GET' && p === '/v1/genesis') return this.ok(res, b.genesis());
    if (m === 'GET' && p === '/v1/commitments') {
      const query = Object.fromEntries([...url.searchParams].filter(([, v]) => v !== ''));
      const q = parseApiBody(commitmentsQuerySchema, query, COMMITMENTS_QUERY_CODES);
      if (!q.ok) throw new ApiError(400, q.code, q.message);
      const { lab, from, to } = q.value;
      return this.ok(
        res,
        b.listCommitments({
          ...(lab ? { lab } : {}),
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
        }),
      );
    }
    if (m === 'POST' && p === '/v1/commitments') {
      this.requireAuth(req);
      return this.ok(res, await b.submitCommitment(await readJson(req)), 201);
    }
    if (m === 'GET' && p === '/v1/evidence') return this.ok(res, b.listEvidence());
    if (m === 'POST' && p === '/v1/evidence') {
      this.requireAuth(req);
      return this.ok(res, await b.submitEvidence(await readJson(req)), 201);
    }
    if (m === 'POST' && p === '/v1/approve') {
      this.requireAuth(req);
      return this.ok(res, await b.approve(await readJson(req)));
    }
    if (m === 'GET' && p === '/v1/certificates') return this.ok(res, b.listCertificates());
    if (m === 'GET' && p === '/v1/events') return this.events(req, res);
    if (m === 'GET' && p === '/metrics') {
      this.opts.beforeMetrics?.();
      const text = await this.opts.metrics.text();
      res.writeHead(200, { 'content-type': this.opts.metrics.registry.contentType });
      res.end(text);
      return 200;
    }
    const dash = this.opts.dashboard;
    if (m === 'GET' && dash && !p.startsWith('/v1/')) {
      if (serveStatic(dash.dir, p, res, dash.csp)) return 200;
    }
    if (
      p.startsWith('/v1/') &&
      [
        '/v1/status',
        '/v1/health',
        '/v1/genesis',
        '/v1/commitments',
        '/v1/evidence',
        '/v1/approve',
        '/v1/certificates',
        '/v1/events',
      ].includes(p)
    ) {
      throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${m} is not allowed on ${p}`);
    }
    throw new ApiError(404, 'NOT_FOUND', `no route ${m} ${p}`);
  }

  private ok(res: ServerResponse, body: unknown, status = 200): number {
    sendJson(res, status, body);
    return status;
  }

  /** Server-Sent Events: `event: status` with the /v1/status body now and whenever it changes (shared). */
  private events(_req: IncomingMessage, res: ServerResponse): number {
    if (!this.sse.canAccept())
      throw new ApiError(
        503,
        'TOO_MANY_EVENT_STREAMS',
        `${this.sse.size} event streams are open (api.maxSseClients); close one or poll GET /v1/status`,
      );
    this.sse.add(res);
    return 200;
  }
}
