import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  type WebhookBody,
  WebhookHook,
} from '../src/adapters/webhook.js';
import { complianceContext, runHookCompliance } from '../src/compliance.js';
import { webhookHookConfigSchema } from '../src/config.js';
import { MemoryHookStateStore } from '../src/store/json-file.js';
import { HookError } from '../src/types.js';

const SECRET = 'a-very-secret-shared-key';

/** A receiver like an ops system would run: verifies the HMAC, then pauses/resumes its world idempotently. */
async function receiver(handler?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean) {
  const world = { paused: false };
  const deliveries: { headers: IncomingMessage['headers']; body: string }[] = [];
  let broken = false;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      if (handler?.(req, res, body)) return;
      if (broken) return void res.writeHead(503).end('maintenance');
      if (!verifyWebhookSignature(SECRET, body, req.headers[SIGNATURE_HEADER] as string | undefined)) {
        return void res.writeHead(401).end('bad signature');
      }
      const msg = JSON.parse(body) as WebhookBody;
      world.paused = msg.action === 'halt';
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pausenet`;
  return {
    url,
    world,
    deliveries,
    setBroken: (b: boolean) => {
      broken = b;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function hook(url: string, extra: Record<string, unknown> = {}) {
  return new WebhookHook(
    webhookHookConfigSchema.parse({ type: 'webhook', name: 'webhook-test', url, secret: SECRET, ...extra }),
  );
}

runHookCompliance(
  'webhook (real HTTP server on 127.0.0.1)',
  async () => {
    const r = await receiver();
    return {
      createAdapter: () => hook(r.url),
      observe: async () => ({ ...r.world }),
      breakIt: async () => r.setBroken(true),
      repair: async () => r.setBroken(false),
      // The receiving system is restarted with its default (running) state.
      undoOutOfBand: async () => {
        r.world.paused = false;
      },
      cleanup: r.close,
    };
  },
  { failureCodes: ['HTTP_STATUS'] },
);

describe('webhook hook', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  it('POSTs {action, height, target, certificateHash, certificate} signed with HMAC-SHA256 and a timestamp', async () => {
    const r = await receiver();
    closers.push(r.close);
    const ctx = complianceContext('halt', new MemoryHookStateStore());
    const before = Math.floor(Date.now() / 1000);
    await hook(r.url).apply('halt', ctx);
    const d = r.deliveries[0];
    expect(d).toBeDefined();
    const body = JSON.parse(d?.body ?? '') as WebhookBody;
    expect(body).toMatchObject({
      action: 'halt',
      height: 1,
      target: 'PAUSED',
      networkId: ctx.networkId,
      certificateHash: ctx.certificateHash,
      certificate: JSON.parse(ctx.certificateJson),
    });
    expect(d?.headers['content-type']).toBe('application/json');
    expect(d?.headers[SIGNATURE_HEADER]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, d?.body ?? '', d?.headers[SIGNATURE_HEADER] as string)).toBe(true);
    expect(
      verifyWebhookSignature(
        'another-secret-entirely',
        d?.body ?? '',
        d?.headers[SIGNATURE_HEADER] as string,
      ),
    ).toBe(false);
    expect(Number(d?.headers[TIMESTAMP_HEADER])).toBe(body.timestamp);
    expect(body.timestamp).toBeGreaterThanOrEqual(before);
  });

  it('a receiver rejecting the signature (wrong secret) is HookError PERMISSION', async () => {
    const r = await receiver();
    closers.push(r.close);
    const h = new WebhookHook(
      webhookHookConfigSchema.parse({
        type: 'webhook',
        name: 'w',
        url: r.url,
        secret: 'not-the-right-secret!',
      }),
    );
    const err = await h.apply('halt', complianceContext('halt', new MemoryHookStateStore())).catch((e) => e);
    expect(err).toBeInstanceOf(HookError);
    expect(err.code).toBe('PERMISSION');
    expect(err.message).toContain('HTTP 401');
  });

  it('a receiver that never answers is HookError TIMEOUT after timeoutMs', async () => {
    const r = await receiver(() => true); // swallow: never respond
    closers.push(r.close);
    const t0 = Date.now();
    const err = await hook(r.url, { timeoutMs: 200 })
      .apply('halt', complianceContext('halt', new MemoryHookStateStore()))
      .catch((e) => e);
    expect(err).toBeInstanceOf(HookError);
    expect(err.code).toBe('TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('connection refused is HookError NETWORK', async () => {
    const r = await receiver();
    await r.close();
    const err = await hook(r.url)
      .apply('halt', complianceContext('halt', new MemoryHookStateStore()))
      .catch((e) => e);
    expect(err).toBeInstanceOf(HookError);
    expect(err.code).toBe('NETWORK');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('secretEnv that is not set is HookError CONFIG naming the variable', async () => {
    const h = new WebhookHook(
      webhookHookConfigSchema.parse({
        type: 'webhook',
        name: 'w',
        url: 'http://127.0.0.1:9/x',
        secretEnv: 'PAUSENET_TEST_UNSET_SECRET',
      }),
    );
    const err = await h.apply('halt', complianceContext('halt', new MemoryHookStateStore())).catch((e) => e);
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('PAUSENET_TEST_UNSET_SECRET');
  });
});
