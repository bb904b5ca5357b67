import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the API helpers need of a node (a PausenetNode, built or from source). */
export interface ApiNode {
  readonly apiUrl: string;
  readonly config: { readonly dataDir: string };
}

// biome-ignore lint/suspicious/noExplicitAny: API responses are arbitrary JSON inspected by tests.
export type Json = any;

/** The node's API bearer token (`<dataDir>/api-token`). */
export function apiToken(node: ApiNode): string {
  return readFileSync(join(node.config.dataDir, 'api-token'), 'utf8').trim();
}

/** GET from the node API: HTTP status and body (parsed when JSON). */
export async function apiGet(node: ApiNode, path: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(new URL(path, node.apiUrl));
  const text = await res.text();
  return {
    status: res.status,
    body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  };
}

/** POST JSON to the node API with its token (or `token`): HTTP status and parsed body. */
export async function apiPost(
  node: ApiNode,
  path: string,
  body: unknown,
  token: string = apiToken(node),
): Promise<{ status: number; body: Json }> {
  const res = await fetch(new URL(path, node.apiUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Body of POST /v1/commitments with metrics under TEST_CAPS (`i` makes them distinct). */
export function commitmentBody(i: number, epoch?: number): Record<string, unknown> {
  return {
    metrics: {
      trainingFlop: String(10n ** 24n + BigInt(i)),
      largestRunFlop: String(10n ** 23n),
      maxParams: '70000000000',
      datasetTokens: '15000000000000',
      acceleratorHours: String(1000 + i),
      utilizationBps: 5000,
    },
    ...(epoch !== undefined ? { epoch } : {}),
  };
}
