import { HttpTransportError, sendHttp } from '../http.js';
import { HookError } from '../types.js';
import type { KubeCredentials } from './credentials.js';

/** An API resource: group '' is the core group (/api/v1). */
export interface KubeResource {
  group: string;
  version: string;
  plural: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

/** `plural.group` (or plural for the core group), as RBAC names it. */
export function resourceName(r: KubeResource, subresource?: string): string {
  const base = r.group === '' ? r.plural : `${r.plural}.${r.group}`;
  return subresource ? `${base}/${subresource}` : base;
}

/** Thin Kubernetes REST client: JSON over HTTPS with bearer token / client cert; errors are HookErrors. */
export class KubeClient {
  private readonly creds: KubeCredentials;
  private readonly hook: string;

  constructor(hook: string, creds: KubeCredentials) {
    this.hook = hook;
    this.creds = creds;
  }

  private path(r: KubeResource, ns: string, name?: string, sub?: string): string {
    const root = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
    let p = `${root}/namespaces/${encodeURIComponent(ns)}/${r.plural}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (sub !== undefined) p += `/${sub}`;
    return p;
  }

  private async call(
    verb: string,
    method: string,
    r: KubeResource,
    ns: string,
    path: string,
    opts: { body?: unknown; contentType?: string; signal?: AbortSignal; sub?: string; name?: string },
  ): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.creds.token) headers.authorization = `Bearer ${await this.creds.token()}`;
    if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const what = `${verb} ${resourceName(r, opts.sub)}${opts.name ? ` "${opts.name}"` : ''} in namespace "${ns}"`;
    let res: Awaited<ReturnType<typeof sendHttp>>;
    try {
      res = await sendHttp({
        method,
        url: this.creds.server + path,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        tls: this.creds.tls,
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof HttpTransportError && e.code === 'ABORTED') throw e;
      throw new HookError('NETWORK', `${this.hook}: ${what}: ${(e as Error).message}`, {
        hook: this.hook,
        cause: e,
      });
    }
    let json: unknown;
    try {
      json = res.body === '' ? undefined : JSON.parse(res.body);
    } catch {
      json = undefined;
    }
    if (res.status >= 200 && res.status < 300) return { status: res.status, json };
    const apiMsg = (json as { message?: string } | undefined)?.message ?? res.body.slice(0, 200);
    const details = {
      status: res.status,
      verb,
      resource: resourceName(r, opts.sub),
      namespace: ns,
      name: opts.name,
    };
    if (res.status === 404) return { status: 404, json };
    if (res.status === 409)
      throw new HookError('CONFLICT', `${this.hook}: ${what}: conflict: ${apiMsg}`, {
        hook: this.hook,
        details,
      });
    if (res.status === 401 || res.status === 403) {
      throw new HookError(
        'PERMISSION',
        `${this.hook}: forbidden to ${what} (HTTP ${res.status}: ${apiMsg}); grant the hook's service account RBAC verb ` +
          `"${verb}" on "${resourceName(r, opts.sub)}"${res.status === 401 ? ' and check its token' : ''}`,
        { hook: this.hook, details },
      );
    }
    throw new HookError('HTTP_STATUS', `${this.hook}: ${what}: HTTP ${res.status}: ${apiMsg}`, {
      hook: this.hook,
      details,
    });
  }

  /** Lists objects matching a label selector in one namespace. */
  async list(r: KubeResource, ns: string, selector: string, signal?: AbortSignal): Promise<KubeObject[]> {
    const p = `${this.path(r, ns)}?labelSelector=${encodeURIComponent(selector)}`;
    const { status, json } = await this.call('list', 'GET', r, ns, p, { signal });
    if (status === 404) {
      throw new HookError(
        'NOT_FOUND',
        `${this.hook}: resource ${resourceName(r)} is not served by the API server`,
        {
          hook: this.hook,
        },
      );
    }
    const items = (json as { items?: KubeObject[] } | undefined)?.items;
    if (!Array.isArray(items))
      throw new HookError('PROTOCOL', `${this.hook}: list ${resourceName(r)}: no items`, { hook: this.hook });
    return items;
  }

  /** GETs an object (or its subresource); null when it does not exist. */
  async get(
    r: KubeResource,
    ns: string,
    name: string,
    sub?: string,
    signal?: AbortSignal,
  ): Promise<KubeObject | null> {
    const { status, json } = await this.call('get', 'GET', r, ns, this.path(r, ns, name, sub), {
      signal,
      sub,
      name,
    });
    return status === 404 ? null : (json as KubeObject);
  }

  /** JSON merge patch (RFC 7386); include metadata.resourceVersion for optimistic concurrency. Null on 404. */
  async mergePatch(
    r: KubeResource,
    ns: string,
    name: string,
    patch: unknown,
    signal?: AbortSignal,
  ): Promise<KubeObject | null> {
    const { status, json } = await this.call('patch', 'PATCH', r, ns, this.path(r, ns, name), {
      body: patch,
      contentType: 'application/merge-patch+json',
      signal,
      name,
    });
    return status === 404 ? null : (json as KubeObject);
  }

  /** PUT (replace) an object or subresource; the body's resourceVersion is the precondition. Null on 404. */
  async put(
    r: KubeResource,
    ns: string,
    name: string,
    body: unknown,
    sub?: string,
    signal?: AbortSignal,
  ): Promise<KubeObject | null> {
    const { status, json } = await this.call('update', 'PUT', r, ns, this.path(r, ns, name, sub), {
      body,
      signal,
      sub,
      name,
    });
    return status === 404 ? null : (json as KubeObject);
  }
}
