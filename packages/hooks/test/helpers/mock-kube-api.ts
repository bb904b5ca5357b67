import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for the Kubernetes API server (no real one can run here), implementing the endpoints the
 * kubernetes hook uses with real semantics: bearer auth (401), RBAC denials (403 Status), 404 Status, label
 * selectors (equality and set-based), merge-patch with resourceVersion precondition (409), PUT with
 * resourceVersion (409), the autoscaling/v1 scale subresource, and a cluster-wide monotonic resourceVersion.
 */

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    labels: Record<string, string>;
    creationTimestamp: string;
  };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
};

interface Kind {
  group: string;
  version: string;
  plural: string;
  kind: string;
  scalable: boolean;
}

export const KINDS: Kind[] = [
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', scalable: false },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', scalable: true },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', scalable: true },
  { group: 'jobset.x-k8s.io', version: 'v1alpha2', plural: 'jobsets', kind: 'JobSet', scalable: false },
];

export interface Request {
  method: string;
  path: string;
  status: number;
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Kubernetes label selector: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`. */
export function matchesSelector(labels: Record<string, string>, selector: string): boolean {
  const reqs = selector.match(/(?:[^,(]|\([^)]*\))+/g) ?? [];
  return reqs.every((raw) => {
    const r = raw.trim();
    const set = r.match(/^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/);
    if (set) {
      const vals = (set[3] as string).split(',').map((s) => s.trim());
      const has = (set[1] as string) in labels && vals.includes(labels[set[1] as string] as string);
      return set[2] === 'in' ? has : !has;
    }
    const ne = r.match(/^([^!=\s]+)\s*!=\s*(\S*)$/);
    if (ne) return labels[ne[1] as string] !== ne[2];
    const eq = r.match(/^([^!=\s]+)\s*==?\s*(\S*)$/);
    if (eq) return labels[eq[1] as string] === eq[2];
    const absent = r.match(/^!(\S+)$/);
    if (absent) return !((absent[1] as string) in labels);
    if (/^\S+$/.test(r)) return r in labels;
    throw new Error(`bad selector ${r}`);
  });
}

export class MockKubeApi {
  readonly token = 'test-token-' + randomUUID();
  readonly requests: Request[] = [];
  /** `${verb}:${resource}` pairs RBAC denies, e.g. 'patch:jobs.batch', 'update:deployments.apps/scale'. */
  readonly forbidden = new Set<string>();
  /** Object keys whose next write first sees a concurrent update (bumps resourceVersion) n times. */
  readonly conflictNext = new Map<string, number>();
  private readonly objects = new Map<string, Obj>();
  private rv = 100;
  private created = 0;
  private server: Server | undefined;
  url = '';

  /** Listens on 127.0.0.1 (HTTPS when `tls` is given). */
  async start(tls?: { key: string | Buffer; cert: string | Buffer }): Promise<void> {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => this.handle(req, res, body));
    };
    const server = tls ? createHttpsServer(tls, onRequest) : createServer(onRequest);
    this.server = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private key(plural: string, ns: string, name: string) {
    return `${plural}/${ns}/${name}`;
  }

  /** Creates an object of `plural` (jobs, deployments, statefulsets, jobsets). */
  add(
    plural: string,
    ns: string,
    name: string,
    labels: Record<string, string>,
    spec: Record<string, unknown>,
  ): Obj {
    const k = KINDS.find((x) => x.plural === plural);
    if (!k) throw new Error(plural);
    const o: Obj = {
      apiVersion: `${k.group}/${k.version}`,
      kind: k.kind,
      metadata: {
        name,
        namespace: ns,
        uid: randomUUID(),
        resourceVersion: String(++this.rv),
        labels,
        // Set by the server, one second apart here, so creation order is unambiguous.
        creationTimestamp: new Date(Date.UTC(2026, 0, 1) + ++this.created * 1000)
          .toISOString()
          .replace('.000', ''),
      },
      spec: structuredClone(spec),
      status: {},
    };
    this.objects.set(this.key(plural, ns, name), o);
    return o;
  }

  remove(plural: string, ns: string, name: string): void {
    this.objects.delete(this.key(plural, ns, name));
  }

  obj(plural: string, ns: string, name: string): Obj | undefined {
    return this.objects.get(this.key(plural, ns, name));
  }

  /** A concurrent writer (e.g. a controller updating status): bumps the resourceVersion. */
  touch(plural: string, ns: string, name: string): void {
    const o = this.obj(plural, ns, name);
    if (o) o.metadata.resourceVersion = String(++this.rv);
  }

  /** Spec of every object (what the hook changes), keyed by plural/ns/name; stable order. */
  snapshot(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const k of [...this.objects.keys()].sort())
      out[k] = structuredClone((this.objects.get(k) as Obj).spec);
    return out;
  }

  private send(res: ServerResponse, req: IncomingMessage, code: number, body: unknown) {
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', status: code });
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return this.send(res, req, 401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    const m = u.pathname.match(
      /^\/apis\/([^/]+)\/([^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/(scale))?$/,
    );
    const kind = m && KINDS.find((k) => k.group === m[1] && k.version === m[2] && k.plural === m[4]);
    if (!m || !kind)
      return this.send(
        res,
        req,
        404,
        status(404, 'NotFound', 'the server could not find the requested resource'),
      );
    const ns = m[3] as string;
    const name = m[5];
    const sub = m[6];
    if (sub && !kind.scalable)
      return this.send(res, req, 404, status(404, 'NotFound', 'no scale subresource'));
    const verb =
      req.method === 'GET'
        ? name
          ? 'get'
          : 'list'
        : req.method === 'PATCH'
          ? 'patch'
          : req.method === 'PUT'
            ? 'update'
            : '';
    if (!verb) return this.send(res, req, 405, status(405, 'MethodNotAllowed', 'method not allowed'));
    const resource = `${kind.plural}.${kind.group}${sub ? `/${sub}` : ''}`;
    if (this.forbidden.has(`${verb}:${resource}`)) {
      return this.send(
        res,
        req,
        403,
        status(
          403,
          'Forbidden',
          `${kind.plural}.${kind.group}${name ? ` "${name}"` : ''} is forbidden: User "system:serviceaccount:pausenet:hook" ` +
            `cannot ${verb} resource "${kind.plural}${sub ? `/${sub}` : ''}" in API group "${kind.group}" in the namespace "${ns}"`,
        ),
      );
    }
    if (verb === 'list') {
      const sel = u.searchParams.get('labelSelector') ?? '';
      const items = [...this.objects.entries()]
        .filter(([k, o]) => k.startsWith(`${kind.plural}/${ns}/`) && matchesSelector(o.metadata.labels, sel))
        .map(([, o]) => o);
      return this.send(res, req, 200, {
        kind: `${kind.kind}List`,
        apiVersion: `${kind.group}/${kind.version}`,
        metadata: { resourceVersion: String(this.rv) },
        items,
      });
    }
    const key = this.key(kind.plural, ns, name as string);
    const o = this.objects.get(key);
    const notFound = () =>
      this.send(res, req, 404, status(404, 'NotFound', `${kind.plural}.${kind.group} "${name}" not found`));
    if (!o) return notFound();
    const scaleOf = (x: Obj) => ({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: x.metadata.name,
        namespace: ns,
        uid: x.metadata.uid,
        resourceVersion: x.metadata.resourceVersion,
      },
      spec: { replicas: x.spec.replicas ?? 1 },
      status: { replicas: x.spec.replicas ?? 1 },
    });
    if (verb === 'get') return this.send(res, req, 200, sub ? scaleOf(o) : o);

    // Writes: a concurrent writer may get in first (simulated), then the precondition is checked.
    const pending = this.conflictNext.get(key) ?? 0;
    if (pending > 0) {
      this.conflictNext.set(key, pending - 1);
      o.metadata.resourceVersion = String(++this.rv);
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return this.send(res, req, 400, status(400, 'BadRequest', 'invalid JSON'));
    }
    const rv = (input.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    const conflict = () =>
      this.send(
        res,
        req,
        409,
        status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${kind.plural}.${kind.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        ),
      );
    if (verb === 'patch') {
      if (req.headers['content-type'] !== 'application/merge-patch+json') {
        return this.send(res, req, 415, status(415, 'UnsupportedMediaType', 'unsupported patch type'));
      }
      if (rv !== undefined && rv !== o.metadata.resourceVersion) return conflict();
      const next = mergePatch(o, input) as Obj;
      next.metadata = {
        ...next.metadata,
        uid: o.metadata.uid,
        name: o.metadata.name,
        resourceVersion: String(++this.rv),
      };
      if (
        kind.plural === 'jobs' &&
        next.spec.suspend !== undefined &&
        typeof next.spec.suspend !== 'boolean'
      ) {
        return this.send(res, req, 422, status(422, 'Invalid', 'spec.suspend: must be a boolean'));
      }
      this.objects.set(key, next);
      return this.send(res, req, 200, next);
    }
    // PUT
    if (sub) {
      if (rv !== undefined && rv !== '' && rv !== o.metadata.resourceVersion) return conflict();
      const replicas = (input.spec as { replicas?: unknown } | undefined)?.replicas;
      if (typeof replicas !== 'number' || replicas < 0) {
        return this.send(res, req, 422, status(422, 'Invalid', 'spec.replicas: must be >= 0'));
      }
      o.spec = { ...o.spec, replicas };
      o.metadata.resourceVersion = String(++this.rv);
      return this.send(res, req, 200, scaleOf(o));
    }
    if (!rv)
      return this.send(
        res,
        req,
        422,
        status(422, 'Invalid', 'metadata.resourceVersion: must be specified for an update'),
      );
    if (rv !== o.metadata.resourceVersion) return conflict();
    const next = input as unknown as Obj;
    next.metadata = { ...o.metadata, resourceVersion: String(++this.rv) };
    this.objects.set(key, next);
    return this.send(res, req, 200, next);
  }
}
