import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { messageStreamToDuplex } from '@libp2p/utils';
import * as lp from 'it-length-prefixed';
import { pipe } from 'it-pipe';
import { SyncError } from '../errors.js';
import type { PausenetLibp2p } from '../host.js';

/**
 * Req/resp framing (docs/protocol.md "Req/resp sync"): the requester writes ONE length-prefixed JSON
 * frame and closes its write side; the responder writes a JSON header frame `{ok:true, n, ...}` or
 * `{ok:false, error:{code,message}}`, then exactly `n` length-prefixed binary items, then closes.
 */

export interface ReqRespResponse {
  /** Extra header fields (JSON-safe). */
  header?: Record<string, unknown>;
  items?: Uint8Array[];
}

export interface ReqRespHandlerContext {
  peerId: string;
  signal: AbortSignal;
}

export type ReqRespHandler = (
  request: unknown,
  ctx: ReqRespHandlerContext,
) => Promise<ReqRespResponse> | ReqRespResponse;

export interface ReqRespLimits {
  /** Max bytes of the request frame (default 4 KiB). */
  maxRequestBytes: number;
  /** Max bytes of one response item (default 256 KiB). */
  maxItemBytes: number;
  /** Max items in one response (default 1024). */
  maxItems: number;
  /** Max bytes of all items of one response together (requester side; default 16 MiB). */
  maxTotalBytes: number;
  /** Whole-exchange timeout in ms (default 10 s). */
  timeoutMs: number;
}

export const defaultReqRespLimits: ReqRespLimits = {
  maxRequestBytes: 4096,
  maxItemBytes: 262_144,
  maxItems: 1024,
  maxTotalBytes: 16 * 1024 * 1024,
  timeoutMs: 10_000,
};

/** A typed failure a handler may throw to send `{ok:false,error}` to the requester. */
export class ReqRespRemoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Bytes per write of a response: one muxer frame per item (and a window update back for each) cost more than the items. */
const WRITE_CHUNK = 64 * 1024;

/** Length-prefix every frame and cut the whole response into WRITE_CHUNK writes (the reader's lp.decode re-frames). */
export function coalesce(frames: readonly Uint8Array[]): Uint8Array[] {
  const encoded = frames.map((f) => lp.encode.single(f).subarray());
  const total = encoded.reduce((n, e) => n + e.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const e of encoded) {
    all.set(e, at);
    at += e.length;
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < total; i += WRITE_CHUNK) out.push(all.subarray(i, Math.min(total, i + WRITE_CHUNK)));
  return out;
}

function jsonFrame(v: unknown): Uint8Array {
  return enc.encode(JSON.stringify(v));
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(dec.decode(bytes));
  } catch {
    throw new SyncError('BAD_RESPONSE', `${what} is not JSON`);
  }
}

export interface ReqRespServeOptions {
  /** Asked before the handler runs; false answers `RATE_LIMITED` (docs/protocol.md "Req/resp sync"). */
  admit?(peer: string): boolean;
  /** Told of every request refused by `admit`. */
  onRefused?(peer: string): void;
}

/** Register a req/resp handler on `protocol`; handler errors become `{ok:false}` headers. */
export async function handleReqResp(
  host: PausenetLibp2p,
  protocol: string,
  handler: ReqRespHandler,
  limits: Partial<ReqRespLimits> = {},
  serve: ReqRespServeOptions = {},
): Promise<void> {
  const lim = { ...defaultReqRespLimits, ...limits };
  await host.handle(
    protocol,
    async (stream: Stream, connection: Connection) => {
      const signal = AbortSignal.timeout(lim.timeoutMs);
      const onAbort = (): void => stream.abort(new Error('req/resp handler timeout'));
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const duplex = messageStreamToDuplex(stream);
        let request: Uint8Array | undefined;
        for await (const frame of lp.decode(duplex.source, { maxDataLength: lim.maxRequestBytes })) {
          request = frame.subarray();
          break;
        }
        let frames: Uint8Array[];
        try {
          if (!request) throw new ReqRespRemoteError('BAD_REQUEST', 'missing request frame');
          const peerId = connection.remotePeer.toString();
          if (serve.admit && !serve.admit(peerId)) {
            serve.onRefused?.(peerId);
            throw new ReqRespRemoteError('RATE_LIMITED', 'too many requests from this peer; retry later');
          }
          const req = parseJson(request, 'request');
          const res = await handler(req, { peerId, signal });
          const items = res.items ?? [];
          frames = [jsonFrame({ ...res.header, ok: true, n: items.length }), ...items];
        } catch (err) {
          const code = err instanceof ReqRespRemoteError ? err.code : 'INTERNAL';
          const message = err instanceof Error ? err.message : String(err);
          frames = [jsonFrame({ ok: false, error: { code, message } })];
        }
        await pipe(coalesce(frames), duplex.sink);
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)));
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
    { maxInboundStreams: 16, runOnLimitedConnection: false },
  );
}

export interface RequestOptions extends Partial<ReqRespLimits> {
  signal?: AbortSignal;
}

export interface ReqRespResult {
  header: Record<string, unknown>;
  items: Uint8Array[];
}

/**
 * Send one request to `peer` on `protocol` and collect the bounded response. It travels over an open
 * connection to the peer and never dials one (`NOT_CONNECTED`): whom a node connects to is decided by its
 * own dialling (genesis, bootstrap, remembered peers), never by the addresses a peer announced about itself
 * (else every peer that connects and leaves would make us dial wherever it pointed).
 */
export async function requestReqResp(
  host: PausenetLibp2p,
  peer: PeerId,
  protocol: string,
  request: unknown,
  opts: RequestOptions = {},
): Promise<ReqRespResult> {
  const lim = { ...defaultReqRespLimits, ...opts };
  const timeout = AbortSignal.timeout(lim.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  if (signal.aborted) throw new SyncError('ABORTED', `request ${protocol} aborted before start`);
  const connection = host.getConnections(peer).find((c) => c.status === 'open');
  if (!connection)
    throw new SyncError('NOT_CONNECTED', `request ${protocol}: not connected to ${peer.toString()}`);
  let stream: Stream;
  try {
    stream = await connection.newStream(protocol, { signal });
  } catch (err) {
    const code = timeout.aborted ? 'TIMEOUT' : signal.aborted ? 'ABORTED' : 'REMOTE_ERROR';
    throw new SyncError(code, `cannot open ${protocol} to ${peer.toString()}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const onAbort = (): void => stream.abort(new Error(timeout.aborted ? 'timeout' : 'aborted'));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const duplex = messageStreamToDuplex(stream);
    const sent = pipe([jsonFrame(request)], (s) => lp.encode(s), duplex.sink);
    let header: Record<string, unknown> | undefined;
    const items: Uint8Array[] = [];
    let total = 0;
    for await (const frame of lp.decode(duplex.source, { maxDataLength: lim.maxItemBytes })) {
      if (!header) {
        const h = parseJson(frame.subarray(), 'response header');
        if (h === null || typeof h !== 'object')
          throw new SyncError('BAD_RESPONSE', 'response header is not an object');
        header = h as Record<string, unknown>;
        if (header.ok !== true) {
          const e = (header.error ?? {}) as { code?: string; message?: string };
          throw new SyncError(
            'REMOTE_ERROR',
            `${protocol}: peer answered ${e.code ?? 'ERROR'}: ${e.message ?? ''}`,
          );
        }
        continue;
      }
      if (items.length >= lim.maxItems || items.length >= Number(header.n)) {
        throw new SyncError(
          'OVERSIZED',
          `${protocol}: peer sent more than ${Math.min(lim.maxItems, Number(header.n))} items`,
        );
      }
      total += frame.byteLength;
      // Never buffer more than the caller can use: the answer is dropped as soon as it is too big.
      if (total > lim.maxTotalBytes)
        throw new SyncError('OVERSIZED', `${protocol}: response exceeds ${lim.maxTotalBytes} bytes`);
      items.push(frame.subarray());
    }
    await sent;
    if (!header)
      throw new SyncError('BAD_RESPONSE', `${protocol}: peer closed the stream without a response`);
    if (items.length !== Number(header.n)) {
      throw new SyncError(
        'BAD_RESPONSE',
        `${protocol}: header announced ${String(header.n)} items, got ${items.length}`,
      );
    }
    return { header, items };
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)));
    if (err instanceof SyncError) throw err;
    if (timeout.aborted)
      throw new SyncError('TIMEOUT', `${protocol} to ${peer.toString()} timed out after ${lim.timeoutMs} ms`);
    if (signal.aborted) throw new SyncError('ABORTED', `${protocol} to ${peer.toString()} aborted`);
    const code = /length/i.test((err as Error).message) ? 'OVERSIZED' : 'BAD_RESPONSE';
    throw new SyncError(code, `${protocol} to ${peer.toString()} failed: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
