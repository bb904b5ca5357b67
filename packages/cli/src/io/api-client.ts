import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors.js';

export interface ApiTarget {
  /** Base URL, e.g. http://127.0.0.1:8645 */
  url: string;
  /** Bearer token for writes. */
  token?: string;
}

/** Read `<dataDir>/api-token` (or a given token file). */
export async function readApiToken(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    throw new CliError('API', `cannot read API token ${path}; pass --token-file or --data-dir of the node`);
  }
}

/** Default token path inside a data dir. */
export function tokenPathOf(dataDir: string): string {
  return join(dataDir, 'api-token');
}

/** Call the local node API; non-2xx answers become CliError('API') with the server's error code/message. */
export async function apiCall<T>(
  target: ApiTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  const signal = opts.signal ?? AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  let res: Response;
  try {
    res = await fetch(new URL(path, target.url), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new CliError(
      'API',
      `node API unreachable at ${target.url} (${reason}); is \`pausenet start\` running? check --api`,
    );
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text.length ? JSON.parse(text) : null;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    const what = e ? `${e.code}: ${e.message}` : text.slice(0, 200) || res.statusText;
    const hint = res.status === 401 || res.status === 403 ? '; check --token-file / --data-dir' : '';
    throw new CliError('API', `node API ${method} ${path} failed (HTTP ${res.status}) ${what}${hint}`);
  }
  if (json === undefined) throw new CliError('API', `node API ${method} ${path} returned non-JSON`);
  return json as T;
}
