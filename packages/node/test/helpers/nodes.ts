import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@pausenet/protocol';
import type { NodeConfig } from '../../src/config.js';
import { PausenetNode, type PausenetNodeOptions } from '../../src/node.js';

// biome-ignore lint/suspicious/noExplicitAny: API responses are arbitrary JSON inspected by tests.
type Json = any;

/** Create and start a node; the caller stops it. */
export async function startNode(config: NodeConfig, opts: PausenetNodeOptions = {}): Promise<PausenetNode> {
  const node = await PausenetNode.create(config, opts);
  await node.start();
  return node;
}

/** The node's API bearer token. */
export function apiToken(node: PausenetNode): string {
  return readFileSync(join(node.config.dataDir, 'api-token'), 'utf8').trim();
}

/** POST JSON to the node API with its token; returns status + parsed body. */
export async function post(
  node: PausenetNode,
  path: string,
  body: unknown,
  token = apiToken(node),
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${node.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** GET JSON from the node API. */
export async function get(node: PausenetNode, path: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${node.apiUrl}${path}`);
  const text = await res.text();
  return {
    status: res.status,
    body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  };
}

/** Every stored commitment as "lab#seq:hash" lines, sorted: equal strings = identical per-lab chains. */
export function chainDigest(node: PausenetNode): string {
  const rows = node.store.commitments.byEpoch(undefined, 0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  return rows.map((r) => `${r.lab}#${r.seq}:${toHex(r.hash)}`).join('\n');
}
