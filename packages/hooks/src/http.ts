import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Minimal HTTP(S) client on node:http(s): custom CA / client certs, AbortSignal, bounded response body. */
export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
  signal?: AbortSignal;
  maxResponseBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Network-level failure (no HTTP status): connection refused, TLS, reset, aborted. */
export class HttpTransportError extends Error {
  readonly code: string;
  constructor(code: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'HttpTransportError';
    this.code = code;
  }
}

/** Sends one request; resolves with any HTTP status, rejects only on transport failure or abort. */
export function sendHttp(req: HttpRequest): Promise<HttpResponse> {
  const u = new URL(req.url);
  const isHttps = u.protocol === 'https:';
  const max = req.maxResponseBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (req.signal?.aborted) {
      reject(new HttpTransportError('ABORTED', 'request aborted', req.signal.reason));
      return;
    }
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const opts = {
      method: req.method,
      headers,
      signal: req.signal,
      ...(isHttps ? { ...req.tls } : {}),
    };
    const r = (isHttps ? httpsRequest : httpRequest)(u, opts, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) {
          res.destroy(new HttpTransportError('TOO_LARGE', `response larger than ${max} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('error', (e) => reject(wrap(e, req.signal)));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    r.on('error', (e) => reject(wrap(e, req.signal)));
    r.end(req.body);
  });
}

function wrap(e: unknown, signal: AbortSignal | undefined): HttpTransportError {
  if (e instanceof HttpTransportError) return e;
  if (signal?.aborted) return new HttpTransportError('ABORTED', 'request aborted', e);
  const code = (e as NodeJS.ErrnoException).code ?? 'NETWORK';
  return new HttpTransportError(code, `${code}: ${(e as Error).message}`, e);
}
