import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KubernetesHookConfig } from '../config.js';
import { HookError } from '../types.js';

/** Where and how to reach the API server; the token is re-read per call (projected tokens rotate). */
export interface KubeCredentials {
  server: string;
  token?: () => Promise<string>;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

type Named<T> = { name: string } & T;
interface KubeconfigDoc {
  'current-context'?: string;
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
}

function configError(hook: string, msg: string, cause?: unknown): HookError {
  return new HookError('CONFIG', `${hook}: ${msg}`, { hook, cause });
}

async function readOrThrow(hook: string, path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw configError(hook, `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`, e);
  }
}

function fileToken(hook: string, path: string): () => Promise<string> {
  return async () => (await readOrThrow(hook, path, 'token file')).toString('utf8').trim();
}

/** Resolves credentials from (in order) explicit server/token, kubeconfig (+context), or in-cluster files. */
export async function loadKubeCredentials(
  c: KubernetesHookConfig,
  env: NodeJS.ProcessEnv = process.env,
  saDir = SERVICE_ACCOUNT_DIR,
): Promise<KubeCredentials> {
  const hook = c.name;
  let creds: KubeCredentials;
  if (c.kubeconfig !== undefined) {
    creds = await fromKubeconfig(hook, c.kubeconfig, c.context);
  } else if (c.inCluster) {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT ?? '443';
    if (!host && c.server === undefined) {
      throw configError(hook, 'inCluster: true but KUBERNETES_SERVICE_HOST is unset (not running in a pod?)');
    }
    creds = {
      server: c.server ?? `https://${host?.includes(':') ? `[${host}]` : host}:${port}`,
      token: fileToken(hook, `${saDir}/token`),
      tls: { ca: await readOrThrow(hook, `${saDir}/ca.crt`, 'service-account CA'), rejectUnauthorized: true },
    };
  } else {
    creds = { server: c.server as string, tls: { rejectUnauthorized: true } };
  }
  if (c.server !== undefined) creds.server = c.server;
  if (c.token !== undefined) {
    const t = c.token;
    creds.token = async () => t;
  }
  if (c.tokenFile !== undefined) creds.token = fileToken(hook, c.tokenFile);
  if (c.caFile !== undefined) creds.tls.ca = await readOrThrow(hook, c.caFile, 'caFile');
  if (c.insecureSkipTlsVerify) creds.tls.rejectUnauthorized = false;
  creds.server = creds.server.replace(/\/+$/, '');
  return creds;
}

async function fromKubeconfig(hook: string, path: string, contextName?: string): Promise<KubeCredentials> {
  const text = (await readOrThrow(hook, path, 'kubeconfig')).toString('utf8');
  let doc: KubeconfigDoc;
  try {
    doc = parseYaml(text) as KubeconfigDoc;
  } catch (e) {
    throw configError(hook, `kubeconfig ${path} is not valid YAML: ${(e as Error).message}`, e);
  }
  const base = dirname(path);
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const ctxName = contextName ?? doc['current-context'];
  const ctx = doc.contexts?.find((x) => x.name === ctxName)?.context;
  if (!ctx) {
    throw configError(
      hook,
      `kubeconfig ${path}: context ${JSON.stringify(ctxName)} not found; set "context"`,
    );
  }
  const cluster = doc.clusters?.find((x) => x.name === ctx.cluster)?.cluster;
  if (!cluster || typeof cluster.server !== 'string') {
    throw configError(hook, `kubeconfig ${path}: cluster ${JSON.stringify(ctx.cluster)} has no server`);
  }
  const user = doc.users?.find((x) => x.name === ctx.user)?.user ?? {};
  const b64 = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'base64') : undefined);
  const file = async (v: unknown, what: string) =>
    typeof v === 'string' ? readOrThrow(hook, rel(v), what) : undefined;
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    throw configError(
      hook,
      `kubeconfig ${path}: user ${JSON.stringify(ctx.user)} uses an exec/auth-provider plugin, which is not supported; ` +
        'use a service-account token (token/tokenFile) instead',
    );
  }
  const tls: KubeCredentials['tls'] = {
    ca:
      b64(cluster['certificate-authority-data']) ?? (await file(cluster['certificate-authority'], 'CA file')),
    cert:
      b64(user['client-certificate-data']) ?? (await file(user['client-certificate'], 'client certificate')),
    key: b64(user['client-key-data']) ?? (await file(user['client-key'], 'client key')),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
  };
  let token: (() => Promise<string>) | undefined;
  if (typeof user.token === 'string') {
    const t = user.token;
    token = async () => t;
  } else if (typeof user.tokenFile === 'string') {
    token = fileToken(hook, rel(user.tokenFile));
  }
  return { server: cluster.server, token, tls };
}
