import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { WebhookHookConfig } from '../config.js';
import { startDeadline } from '../deadline.js';
import { HttpTransportError, sendHttp } from '../http.js';
import {
  type HookAction,
  type HookAdapter,
  type HookContext,
  HookError,
  type HookLevelLimits,
  type PauseTarget,
} from '../types.js';

export const SIGNATURE_HEADER = 'x-pausenet-signature';
export const TIMESTAMP_HEADER = 'x-pausenet-timestamp';
export const DELIVERY_HEADER = 'x-pausenet-delivery';

/** JSON body POSTed by the webhook hook; `timestamp` is inside the body so the HMAC covers it. */
export interface WebhookBody {
  /** halt | reduce | resume (at REDUCED: "halt" unless the hook's onReduce is "reduce"). */
  action: HookAction;
  height: number;
  /** The level the certificate names (RUNNING, REDUCED, PAUSED); `level` repeats it. */
  target: PauseTarget;
  level: PauseTarget;
  /** The policy's limits for the level (bigints as decimal strings); {} when none. */
  limits: HookLevelLimits;
  networkId: string;
  certificateHash: string;
  /** Unix seconds when this delivery was signed (receivers may reject stale ones). */
  timestamp: number;
  certificate: unknown;
}

/** `sha256=<hex HMAC-SHA256(secret, body)>`. */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of an X-Pausenet-Signature header value (for receivers). */
export function verifyWebhookSignature(secret: string, body: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const a = Buffer.from(signWebhookBody(secret, body));
  const b = Buffer.from(header);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** POSTs the certificate as signed JSON; any 2xx is success. Receivers must be idempotent per certificateHash. */
export class WebhookHook implements HookAdapter {
  readonly type = 'webhook';
  readonly name: string;
  private readonly config: WebhookHookConfig;
  private readonly now: () => number;

  constructor(config: WebhookHookConfig, deps: { now?: () => number } = {}) {
    this.config = config;
    this.name = config.name;
    this.now = deps.now ?? Date.now;
  }

  private async secret(): Promise<string> {
    const c = this.config;
    if (c.secret !== undefined) return c.secret;
    if (c.secretEnv !== undefined) {
      const v = process.env[c.secretEnv];
      if (!v) {
        throw new HookError(
          'CONFIG',
          `${this.name}: secretEnv ${c.secretEnv} is not set; export it before start`,
          {
            hook: this.name,
          },
        );
      }
      return v;
    }
    try {
      return (await readFile(c.secretFile as string, 'utf8')).trim();
    } catch (e) {
      throw new HookError(
        'CONFIG',
        `${this.name}: cannot read secretFile ${c.secretFile}: ${(e as Error).message}`,
        {
          hook: this.name,
          cause: e,
        },
      );
    }
  }

  /** Sends one signed delivery for `action`. */
  async apply(requested: HookAction, ctx: HookContext, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const c = this.config;
    const action = requested === 'reduce' && c.onReduce === 'halt' ? 'halt' : requested;
    const secret = await this.secret();
    const timestamp = Math.floor(this.now() / 1000);
    let certificate: unknown;
    try {
      certificate = JSON.parse(ctx.certificateJson);
    } catch {
      certificate = ctx.certificateJson;
    }
    const body: WebhookBody = {
      action,
      height: ctx.height,
      target: ctx.target,
      level: ctx.target,
      limits: ctx.limits ?? {},
      networkId: ctx.networkId,
      certificateHash: ctx.certificateHash,
      timestamp,
      certificate,
    };
    const text = JSON.stringify(body);
    const tls = c.caFile ? { ca: await readFile(c.caFile) } : undefined;
    const deadline = startDeadline(this.name, c.timeoutMs, opts.signal);
    try {
      const res = await sendHttp({
        method: 'POST',
        url: c.url,
        headers: {
          ...c.headers,
          'content-type': 'application/json',
          'user-agent': 'pausenet-hooks',
          [SIGNATURE_HEADER]: signWebhookBody(secret, text),
          [TIMESTAMP_HEADER]: String(timestamp),
          [DELIVERY_HEADER]: `${ctx.certificateHash}:${action}`,
        },
        body: text,
        tls,
        signal: deadline.signal,
        maxResponseBytes: 64 * 1024,
      });
      if (res.status >= 200 && res.status < 300) return;
      const code = res.status === 401 || res.status === 403 ? 'PERMISSION' : 'HTTP_STATUS';
      throw new HookError(
        code,
        `${this.name}: POST ${c.url} answered HTTP ${res.status}${res.body ? `: ${res.body.slice(0, 200)}` : ''}`,
        { hook: this.name, details: { status: res.status } },
      );
    } catch (e) {
      if (e instanceof HookError) throw e;
      if (deadline.signal.aborted) throw deadline.error(`POST ${c.url}`);
      const code = e instanceof HttpTransportError ? e.code : 'NETWORK';
      throw new HookError('NETWORK', `${this.name}: POST ${c.url} failed: ${code} ${(e as Error).message}`, {
        hook: this.name,
        cause: e,
      });
    } finally {
      deadline.dispose();
    }
  }
}
